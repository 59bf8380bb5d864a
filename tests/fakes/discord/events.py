"""What the gateway sends a session: READY, GUILD_CREATE, and each dispatch seen through intents.

Discord sends an event only when the session asked for its intent and the bot can see the
channel; without MESSAGE_CONTENT, message content fields arrive empty (gateway › intents).
"""

from __future__ import annotations

from . import payloads
from .payloads import Payload
from .permissions import Permission
from .state import THREAD_TYPES, DiscordState, GuildRecord

API_VERSION = 10

# Gateway intents (gateway › list of intents).
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
GUILD_MESSAGE_TYPING = 1 << 11
DIRECT_MESSAGES = 1 << 12
DIRECT_MESSAGE_REACTIONS = 1 << 13
DIRECT_MESSAGE_TYPING = 1 << 14
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
KNOWN_INTENTS = (1 << 17) - 1 | (1 << 20) | (1 << 21) | (1 << 24) | (1 << 25)

_MEMBER_EVENTS = ("GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE")
_UNFILTERED = ("GUILD_MEMBERS_CHUNK", "GUILD_AUDIT_LOG_ENTRY_CREATE")
_CONTENT_FIELDS: Payload = {"content": "", "embeds": [], "attachments": [], "components": []}


def ready(
    state: DiscordState, session_id: str, resume_url: str, shard: list[int] | None
) -> Payload:
    """Build READY: the bot, its guilds as unavailable, the session and where to resume."""
    data: Payload = {
        "v": API_VERSION,
        "user": payloads.current_user(state.bot),
        "guilds": [payloads.unavailable_guild(int(g)) for g in state.guilds],
        "session_id": session_id,
        "resume_gateway_url": resume_url,
        "application": {"id": state.application_id, "flags": state.application["flags"]},
    }
    if shard is not None:
        data["shard"] = shard
    return data


def guild_create(state: DiscordState, record: GuildRecord, intents: int) -> Payload:
    """Build GUILD_CREATE: the guild with its channels, active threads, roles and members."""
    channels = state.channels_of(record)
    bot_id = state.bot["id"]
    members = list(record.members.values())
    if not intents & GUILD_PRESENCES:
        # Discord: without GUILD_PRESENCES only the bot (and voice users) are listed.
        members = [m for m in members if m["user"]["id"] == bot_id]
    return {
        **record.data,
        "joined_at": record.joined_at,
        "large": False,
        "unavailable": False,
        "member_count": len(record.members),
        "voice_states": [],
        "members": members,
        "channels": [c for c in channels if c["type"] not in THREAD_TYPES],
        "threads": [c for c in channels if _active_visible_thread(state, c)],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def _active_visible_thread(state: DiscordState, channel: Payload) -> bool:
    if channel["type"] not in THREAD_TYPES or channel["thread_metadata"]["archived"]:
        return False
    return state.bot_can(channel, Permission.VIEW_CHANNEL)


def required_intent(event: str, data: Payload) -> int | None:
    """Return the intent an event needs, or None for events every session gets."""
    in_guild = data.get("guild_id") is not None
    if event.startswith("MESSAGE_REACTION_"):
        return GUILD_MESSAGE_REACTIONS if in_guild else DIRECT_MESSAGE_REACTIONS
    if event.startswith("MESSAGE_POLL_"):
        return None
    if event.startswith("MESSAGE_"):
        return GUILD_MESSAGES if in_guild else DIRECT_MESSAGES
    if event == "TYPING_START":
        return GUILD_MESSAGE_TYPING if in_guild else DIRECT_MESSAGE_TYPING
    if event in _MEMBER_EVENTS:
        return GUILD_MEMBERS
    if event == "PRESENCE_UPDATE":
        return GUILD_PRESENCES
    if event.startswith(("GUILD_", "CHANNEL_", "THREAD_")) and event not in _UNFILTERED:
        return GUILDS
    return None


def view_for(state: DiscordState, intents: int, event: str, data: Payload) -> Payload | None:
    """Return the event as this session receives it, or None when Discord would not send it."""
    needed = required_intent(event, data)
    if needed is not None and not intents & needed:
        return None
    if not _visible(state, event, data):
        return None
    if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and not intents & MESSAGE_CONTENT:
        return _without_content(state, data)
    return data


def _visible(state: DiscordState, event: str, data: Payload) -> bool:
    """Tell whether the bot can see the channel a guild event happened in."""
    if data.get("guild_id") is None:
        return True
    if event.startswith(("MESSAGE_", "TYPING_")):
        channel = state.channels.get(str(data.get("channel_id")))
    elif event.startswith("THREAD_"):
        channel = state.channels.get(str(data.get("id")))
    else:
        return True
    return channel is None or state.bot_can(channel, Permission.VIEW_CHANNEL)


def _without_content(state: DiscordState, data: Payload) -> Payload:
    """Blank content fields unless the bot wrote the message, is mentioned, or it is a DM."""
    bot_id = state.bot["id"]
    author = data.get("author", {}).get("id")
    mentioned = any(u.get("id") == bot_id for u in data.get("mentions", []))
    if data.get("guild_id") is None or author == bot_id or mentioned:
        return data
    return {**data, **{k: v for k, v in _CONTENT_FIELDS.items() if k in data}}
