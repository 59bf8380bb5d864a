"""Hand Discord's messages, edits and deletes to the desk, in order, and remember how far.

Support channels and the threads under them are listened to, and elsewhere the tickets a 🎫
reaction opened: their root message and their thread. Per Discord channel, events reach the
desk one at a time in the order they arrived, and after each posted message is durable the
channel's cursor moves to it: catch-up after downtime starts there. While a catch-up runs,
live events wait, so the cursor never passes a message that is not recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import discord

from bot.adapters.discord import inbound
from bot.adapters.discord.inbound import Location
from handlers.desk import Desk
from handlers.intake import IntakeResult, Outcome
from handlers.models import Inbound, Person, Place
from handlers.ports import Clock, Cursors

log = logging.getLogger(__name__)


@dataclass
class _Turns:
    """One lock per Discord channel, dropped when nobody waits for it."""

    locks: dict[int, tuple[asyncio.Lock, int]] = field(default_factory=dict)

    @contextlib.asynccontextmanager
    async def of(self, channel_id: int) -> AsyncIterator[None]:
        lock, users = self.locks.get(channel_id, (asyncio.Lock(), 0))
        self.locks[channel_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self.locks[channel_id]
            if users == 1:
                del self.locks[channel_id]
            else:
                self.locks[channel_id] = (lock, users - 1)


class MessageIntake:
    """The way from Discord's message events to `desk.receive`."""

    def __init__(
        self,
        client: discord.Client,
        desk: Desk,
        cursors: Cursors,
        clock: Clock,
        support_channels: frozenset[int],
        desk_guild: Callable[[], int | None] = lambda: None,
    ) -> None:
        self.client = client
        self.desk = desk
        self.cursors = cursors
        self.clock = clock
        self.support_channels = support_channels
        self.desk_guild = desk_guild  # where direct messages are filed, once known
        self._turns = _Turns()
        self._live = asyncio.Event()  # cleared while catching up
        self._fetched: dict[int, Location | None] = {}
        self._tickets_elsewhere: set[Place] = set()  # opened by 🎫 outside support channels

    def pause(self) -> None:
        """Hold live events back (while catching up)."""
        self._live.clear()

    def resume(self) -> None:
        self._live.set()

    async def until_live(self) -> None:
        """Wait while a catch-up runs."""
        await self._live.wait()

    async def posted(
        self, message: discord.Message, *, live: bool = True, author: Person | None = None
    ) -> IntakeResult | None:
        """Record a new message; None when it is not one the desk listens to."""
        if live:
            await self._live.wait()
        where = await self.locate(message.channel.id, message.channel)
        if where is None or not inbound.is_spoken(message):
            return None
        async with self._turns.of(where.here):
            result = await self.desk.receive(inbound.posted(message, where, author))
            await self._advance(where, message.id)
        if result.reply is not None:
            await self._reply(message, result.reply)
        return result

    async def requested(
        self, message: discord.Message, where: Location, author: Person | None, by: Person
    ) -> IntakeResult | None:
        """Ask for a message to become a ticket (a 🎫); None when the desk was not asked."""
        result = await self.receive(where, inbound.requested(message, where, author, by))
        if result is not None and result.outcome is Outcome.OPENED and where.thread_id:
            # The thread's earlier messages are not the ticket's: catch-up starts after this.
            await self._advance(where, message.id)
        return result

    async def edited(self, event: discord.RawMessageUpdateEvent) -> None:
        """Record an edit of a message (an author's edit; Discord's own updates are skipped)."""
        await self._live.wait()
        message = event.message
        where = await self.locate(event.channel_id, message.channel, root=message.id)
        if where is not None:
            await self.receive(where, inbound.edited(message, where))

    async def deleted(self, event: discord.RawMessageDeleteEvent) -> None:
        """Record a deletion."""
        await self._live.wait()
        channel = self.client.get_channel(event.channel_id)
        where = await self.locate(event.channel_id, channel, root=event.message_id)
        if where is not None:
            cached = event.cached_message
            author = inbound.person(cached.author) if cached is not None else None
            await self.receive(where, inbound.deleted(event.message_id, where, author))

    async def receive(self, where: Location, event: Inbound | None) -> IntakeResult | None:
        """Hand the desk an event that happened `where`, in its channel's turn."""
        if event is None:
            return None
        async with self._turns.of(where.here):
            return await self.desk.receive(event)

    async def locate(
        self, channel_id: int, channel: object, *, root: int | None = None
    ) -> Location | None:
        """Where a channel is, if the desk listens there; `root` may be a 🎫 ticket's root."""
        if isinstance(channel, discord.DMChannel):
            return self._direct(channel_id)
        where = await self.where(channel_id, channel)
        if where is None or where.channel_id in self.support_channels:
            return where
        if where.thread_id is not None:
            return where if await self._is_ticket(where.place) else None
        if root is not None and await self._is_ticket(where.place.in_thread(str(root))):
            return where
        return None

    async def where(self, channel_id: int, channel: object = None) -> Location | None:
        """Where a guild channel or thread is, asking Discord when it is not cached."""
        where = inbound.location_of(channel or self.client.get_channel(channel_id))
        return where if where is not None else await self._fetch(channel_id)

    def _direct(self, channel_id: int) -> Location | None:
        """A direct message with the bot, filed under the desk's guild (None until known)."""
        guild = self.desk_guild()
        if guild is None:
            log.warning("A Discord direct message came before the desk's guild was known")
            return None
        return Location(guild, channel_id, direct=True)

    async def _is_ticket(self, place: Place) -> bool:
        # A place stays a ticket's once it is one, so only the answer "yes" is kept.
        if place not in self._tickets_elsewhere:
            if await self.desk.ticket_at(place) is None:
                return False
            self._tickets_elsewhere.add(place)
        return True

    async def _fetch(self, channel_id: int) -> Location | None:
        # A thread discord.py has not cached (archived before it started): ask Discord once.
        if channel_id not in self._fetched:
            try:
                channel = await self.client.fetch_channel(channel_id)
            except discord.HTTPException as error:
                log.warning("Cannot look up Discord channel %s: %s", channel_id, error)
                return None
            self._fetched[channel_id] = inbound.location_of(channel)
        return self._fetched[channel_id]

    async def _advance(self, where: Location, message_id: int) -> None:
        workspace, now = inbound.workspace(where.guild_id), self.clock.now()
        await self.cursors.advance(workspace, str(where.here), message_id, now)
        if where.thread_id == message_id:
            # A forum post: the forum's cursor says which posts are new after downtime.
            await self.cursors.advance(workspace, str(where.channel_id), message_id, now)

    async def _reply(self, message: discord.Message, text: str) -> None:
        """Tell the author why their message did not become a ticket."""
        try:
            await message.reply(
                text, mention_author=False, allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException as error:
            log.warning("Cannot answer message %s: %s", message.id, error)
