"""Reactions on messages, with the counts Discord's reaction objects carry."""

from __future__ import annotations

from . import payloads
from .payloads import Payload
from .state import DiscordState


def react(state: DiscordState, message: Payload, emoji_name: str, user_id: str) -> bool:
    """Add a user's reaction; return False when it was already there."""
    users = state.reactions.setdefault((message["id"], emoji_name), [])
    if user_id in users:
        return False
    users.append(user_id)
    _refresh(state, message)
    return True


def unreact(state: DiscordState, message: Payload, emoji_name: str, user_id: str) -> bool:
    """Remove a user's reaction; return False when there was none."""
    users = state.reactions.get((message["id"], emoji_name), [])
    if user_id not in users:
        return False
    users.remove(user_id)
    _refresh(state, message)
    return True


def _refresh(state: DiscordState, message: Payload) -> None:
    """Rebuild the message's `reactions` array from who reacted with what."""
    summary = [
        _reaction(name, users, state.bot["id"])
        for (message_id, name), users in state.reactions.items()
        if message_id == message["id"] and users
    ]
    if summary:
        message["reactions"] = summary
    else:
        message.pop("reactions", None)


def _reaction(emoji_name: str, users: list[str], bot_id: str) -> Payload:
    return {
        "count": len(users),
        "count_details": {"burst": 0, "normal": len(users)},
        "me": bot_id in users,
        "me_burst": False,
        "burst_colors": [],
        "emoji": payloads.emoji(emoji_name),
    }
