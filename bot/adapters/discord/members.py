"""Who wrote a message, with their roles, when Discord sent the message without its member.

Gateway messages carry their author's member (and so their roles); messages read over REST
(history, a single fetched message) carry only the user, and deskbot has no member cache
(it does not ask for the privileged Server Members intent). Roles decide whether a reply is
an agent's first response, so the member is asked for once per person.
"""

from __future__ import annotations

import logging

import discord

from bot.adapters.discord import inbound
from handlers.models import Person

log = logging.getLogger(__name__)


class Members:
    """Look up message authors' roles, each person once until `forget`."""

    def __init__(self) -> None:
        self._known: dict[int, Person | None] = {}

    def forget(self) -> None:
        """Drop what was looked up (roles may have changed since)."""
        self._known.clear()

    async def author(self, message: discord.Message) -> Person | None:
        """The author with their roles; None when the message says enough (or nobody can)."""
        user, guild = message.author, message.guild
        if isinstance(user, discord.Member) or guild is None or user.bot:
            return None
        if user.id not in self._known:
            try:
                self._known[user.id] = inbound.person(await guild.fetch_member(user.id))
            except discord.HTTPException as error:
                # Someone who left the guild holds no roles any more.
                log.info("No roles for Discord user %s: %s", user.id, error)
                self._known[user.id] = None
        return self._known[user.id]
