"""After (re)connecting, read what was posted in support channels while the bot was away.

Discord replays missed events only on a RESUME. After a restart (or a new session) the bot
reads each support channel's history after its cursor, and the history of its ticket
threads: new forum posts, customer replies, agents' first responses; then the threads of
tickets a 🎫 opened elsewhere; then it looks for edits and deletions (`revisions`). The
desk's dedupe keys make reading a message twice harmless, so catch-up may overlap with what
was recorded.

A channel seen for the first time has no cursor: its cursor starts at its newest message,
so turning deskbot on in a busy channel does not turn its past into tickets.

With direct messages on, the DM channels of the private tickets it knows (open or resolved)
are read after their cursors too, so a customer's further DMs are not lost. A first DM from
a new customer while the bot was down cannot be found: Discord gives bots no list of their
DM channels.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import discord

from bot.adapters.discord.inbound import Location, workspace
from bot.adapters.discord.intake import MessageIntake
from bot.adapters.discord.members import Members
from bot.adapters.discord.revisions import Revisions
from handlers.desk import Desk
from handlers.models import Conversation
from handlers.ports import Clock, Cursors

log = logging.getLogger(__name__)

MAX_TICKETS = 100  # per guild, the most recently changed: whose threads and edits are checked


class CatchUp:
    """Read the history the bot missed in every support channel and its threads."""

    def __init__(
        self,
        client: discord.Client,
        intake: MessageIntake,
        desk: Desk,
        cursors: Cursors,
        clock: Clock,
        *,
        direct_messages: bool = False,
    ) -> None:
        self.client = client
        self.intake = intake
        self.desk = desk
        self.cursors = cursors
        self.clock = clock
        self.direct_messages = direct_messages  # read the private tickets' DM channels too
        self.members = Members()
        self.revisions = Revisions(client, intake)

    async def run(self, channel_ids: Iterable[int]) -> int:
        """Catch up on every support channel discord.py knows; return how many messages."""
        self.members.forget()  # roles may have changed since the last catch-up
        support = sorted(channel_ids)
        read = 0
        for channel_id in support:
            channel = self.client.get_channel(channel_id)
            if not isinstance(channel, (discord.TextChannel, discord.ForumChannel)):
                continue  # the startup checks say why
            try:
                read += await self._channel(channel)
            except discord.HTTPException as error:
                log.error("Cannot catch up on Discord channel %s: %s", channel_id, error)
        for guild in sorted(self.client.guilds, key=lambda guild: guild.id):
            conversations = await self.desk.conversations(workspace(guild.id), MAX_TICKETS)
            read += await self._elsewhere(guild, conversations, frozenset(support))
            if self.direct_messages:
                read += await self._direct(guild, conversations)
            await self.revisions.check(guild, conversations)
        return read

    async def _elsewhere(
        self, guild: discord.Guild, conversations: list[Conversation], support: frozenset[int]
    ) -> int:
        """Read the threads of the tickets a 🎫 opened outside the support channels."""
        positions = await self.cursors.positions(workspace(guild.id))
        read = 0
        for conversation in conversations:
            place = conversation.ticket.place
            if place.thread is None or int(place.channel) in support:
                continue
            thread = guild.get_thread(int(place.thread))
            if thread is None:
                continue  # not started yet, or archived: nothing new was said in it
            after = positions.get(str(thread.id), thread.id - 1)
            try:
                read += await self._history(thread, after)
            except discord.HTTPException as error:
                log.error("Cannot catch up on Discord thread %s: %s", thread.id, error)
        return read

    async def _direct(self, guild: discord.Guild, conversations: list[Conversation]) -> int:
        """Read the DM channels of the private tickets filed under `guild`, after their cursors."""
        positions = await self.cursors.positions(workspace(guild.id))
        read = 0
        for conversation in conversations:
            place = conversation.ticket.place
            after = positions.get(place.channel)
            if not conversation.ticket.private or after is None:
                continue  # every DM taken moves its cursor: none means none was
            try:
                channel = await self._dm_channel(int(place.channel))
                if channel is not None:
                    read += await self._history(channel, after)
            except discord.HTTPException as error:
                log.error("Cannot catch up on Discord DM channel %s: %s", place.channel, error)
        return read

    async def _dm_channel(self, channel_id: int) -> discord.DMChannel | None:
        """The DM channel by id: discord.py knows it after a restart only once it is fetched."""
        channel = self.client.get_channel(channel_id) or await self.client.fetch_channel(channel_id)
        return channel if isinstance(channel, discord.DMChannel) else None

    async def _channel(self, channel: discord.TextChannel | discord.ForumChannel) -> int:
        positions = await self.cursors.positions(workspace(channel.guild.id))
        cursor = positions.get(str(channel.id))
        read = 0
        if cursor is None:
            await self._start(channel)
        elif isinstance(channel, discord.TextChannel):
            read += await self._history(channel, cursor)
        for thread in sorted(channel.threads, key=lambda thread: thread.id):
            after = await self._thread_start(channel, thread, positions, cursor)
            if after is not None:
                read += await self._history(thread, after)
        return read

    async def _thread_start(
        self,
        channel: discord.TextChannel | discord.ForumChannel,
        thread: discord.Thread,
        positions: dict[str, int],
        channel_cursor: int | None,
    ) -> int | None:
        """Where to read a thread from; None when it is none of the desk's business."""
        if str(thread.id) in positions:
            return positions[str(thread.id)]
        posted_while_away = (
            isinstance(channel, discord.ForumChannel)
            and channel_cursor is not None
            and thread.id > channel_cursor
        )
        place = Location(channel.guild.id, channel.id, thread.id).place
        if posted_while_away or await self.desk.ticket_at(place) is not None:
            return thread.id - 1  # from the start (a forum post's starter has the thread's id)
        return None

    async def _history(
        self, channel: discord.TextChannel | discord.Thread | discord.DMChannel, after: int
    ) -> int:
        read = 0
        async for message in channel.history(limit=None, after=discord.Object(after)):
            author = await self.members.author(message)
            await self.intake.posted(message, live=False, author=author)
            read += 1
        if read:
            log.info("Caught up on %d message(s) in Discord channel %s", read, channel.id)
        return read

    async def _start(self, channel: discord.TextChannel | discord.ForumChannel) -> None:
        """Start watching a channel from its newest message (or post, in a forum)."""
        newest = channel.last_message_id or channel.id
        if isinstance(channel, discord.ForumChannel):
            newest = max([newest, *(thread.id for thread in channel.threads)])
        where = workspace(channel.guild.id)
        await self.cursors.advance(where, str(channel.id), newest, self.clock.now())
