"""After downtime, find the edits and deletions made meanwhile in the tickets deskbot keeps.

Discord keeps no history of edits or deletions: a message shows only its latest text and
when it was last edited, and a deleted message is simply gone. So after a new session
deskbot reads back the messages it recorded for its tickets that are not closed and compares:

- a recorded message Discord shows as edited is handed to the desk as the edit Discord's
  MESSAGE_UPDATE would have been, keyed the same way (message id and edit time): an edit
  already recorded live, or by an earlier catch-up, changes nothing;
- a recorded message Discord no longer has (missing from its thread's history, or "Unknown
  Message" for a ticket's first message in its channel) is handed over as its MESSAGE_DELETE.

What cannot be known: only a message's latest edit is seen (the ones before it are gone),
and not who deleted a message (its author stands in, as for a deletion seen live). A channel
whose history deskbot may not read is skipped: Discord would show it empty, not deleted.
The work is bounded: the tickets catch-up looks at (`catchup.MAX_TICKETS` per guild, the
most recently changed) and the newest MAX_MESSAGES recorded messages of each, read a page of
100 at a time; discord.py waits out rate limits, and one too long stops the search.
"""

from __future__ import annotations

import logging

import discord

from bot.adapters.discord import inbound
from bot.adapters.discord.inbound import Location
from bot.adapters.discord.intake import MessageIntake
from handlers.intake import Outcome
from handlers.models import Conversation, Inbound, Message

log = logging.getLogger(__name__)

MAX_MESSAGES = 100
UNKNOWN_MESSAGE = 10008
_CHANGED = (Outcome.EDITED, Outcome.DELETED)


class Revisions:
    """Hand the desk the edits and deletions Discord did not tell deskbot about."""

    def __init__(self, client: discord.Client, intake: MessageIntake) -> None:
        self.client = client
        self.intake = intake

    async def check(self, guild: discord.Guild, conversations: list[Conversation]) -> int:
        """Compare each ticket's recorded messages with Discord's; return how many changed."""
        changed = 0
        for conversation in conversations:
            try:
                changed += await self._ticket(guild, conversation)
            except discord.RateLimited as error:
                log.warning("Stopped looking for missed edits on Discord: %s", error)
                break
            except discord.HTTPException as error:
                ticket = conversation.ticket.id
                log.warning("Cannot look for missed edits of ticket #%s: %s", ticket, error)
        if changed:
            log.info("Caught up on %d edit(s) and deletion(s) in guild %s", changed, guild.id)
        return changed

    async def _ticket(self, guild: discord.Guild, conversation: Conversation) -> int:
        place = conversation.ticket.place
        parent = guild.get_channel(int(place.channel))
        if place.thread is None or not _readable(guild, parent):
            return 0
        assert isinstance(parent, (discord.TextChannel, discord.ForumChannel))  # readable
        thread_id = int(place.thread)
        recorded = _recorded(conversation.messages[-MAX_MESSAGES:])
        events: list[tuple[Location, Inbound]] = []
        # A ticket's first message is in its channel, unless it is a forum post's starter.
        if isinstance(parent, discord.TextChannel) and thread_id in recorded:
            events += await self._root(parent, recorded.pop(thread_id))
        if recorded:
            events += await self._thread(guild, Location(guild.id, parent.id, thread_id), recorded)
        changed = 0
        for where, event in events:
            result = await self.intake.receive(where, event)
            changed += result is not None and result.outcome in _CHANGED
        return changed

    async def _root(
        self, channel: discord.TextChannel, root: Message
    ) -> list[tuple[Location, Inbound]]:
        """Compare a ticket's first message, as a message of its channel (as seen live)."""
        where = Location(channel.guild.id, channel.id)
        try:
            message = await channel.fetch_message(int(root.message_id))
        except discord.NotFound as error:
            if error.code != UNKNOWN_MESSAGE:
                raise
            return [(where, inbound.deleted(int(root.message_id), where, root.author))]
        edit = inbound.edited(message, where)
        return [] if edit is None else [(where, edit)]

    async def _thread(
        self, guild: discord.Guild, where: Location, recorded: dict[int, Message]
    ) -> list[tuple[Location, Inbound]]:
        """Compare the recorded messages of a ticket's thread with its history."""
        thread = await self._thread_channel(guild, where.here)
        if thread is None:
            return []
        after, before = discord.Object(min(recorded) - 1), discord.Object(max(recorded) + 1)
        events: list[tuple[Location, Inbound]] = []
        async for message in thread.history(limit=None, after=after, before=before):
            if recorded.pop(message.id, None) is not None:
                edit = inbound.edited(message, where)
                events += [] if edit is None else [(where, edit)]
        gone = [inbound.deleted(key, where, lost.author) for key, lost in recorded.items()]
        return events + [(where, event) for event in gone]

    async def _thread_channel(self, guild: discord.Guild, thread_id: int) -> discord.Thread | None:
        """The thread, also when it is archived (and so not cached)."""
        thread = guild.get_thread(thread_id)
        if thread is not None:
            return thread
        try:
            fetched = await self.client.fetch_channel(thread_id)
        except discord.NotFound:
            # A deleted thread is not taken for deleted messages: nor is it when seen live.
            log.info("Discord thread %s of a ticket is gone", thread_id)
            return None
        return fetched if isinstance(fetched, discord.Thread) else None


def _recorded(messages: tuple[Message, ...]) -> dict[int, Message]:
    """The recorded messages that still stand, by Discord message id."""
    return {
        int(message.message_id): message
        for message in messages
        if message.deleted_at is None and message.message_id.isdigit()
    }


def _readable(guild: discord.Guild, channel: object) -> bool:
    """Whether deskbot may read the channel's history (its threads inherit it)."""
    if not isinstance(channel, (discord.TextChannel, discord.ForumChannel)):
        return False
    granted = channel.permissions_for(guild.me)
    return granted.view_channel and granted.read_message_history
