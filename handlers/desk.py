"""The desk's front door: adapters hand it messages and commands and get answers back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from handlers import commands, home, intake, likeness
from handlers.commands import Resolved
from handlers.errors import DeskError, Unchanged
from handlers.home import Home
from handlers.intake import IntakeResult
from handlers.models import (
    UNCLOSED_STATUSES,
    Command,
    Conversation,
    Inbound,
    Person,
    Place,
    Reply,
    Role,
    Ticket,
    TicketQuery,
    Unmatched,
)
from handlers.ports import Clock, Store, T, Tx
from handlers.settings import DeskSettings

R = TypeVar("R", Reply, Reply | None)
log = logging.getLogger(__name__)
FINDING_SIMILAR = "similar tickets"  # the name of the task that finds them after a unit
# Seconds a ticket waits before its similar tickets are looked for, so that the tickets of a
# burst are looked for together: one read and one card-editing unit for many.
MATCH_DELAY = 0.05


class Desk:
    """Runs each inbound event and command as one transaction and wakes the outbox after."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        settings: DeskSettings,
        on_notices: Callable[[], None] = lambda: None,
        on_scheduled: Callable[[datetime], None] = lambda at: None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self.on_notices = on_notices
        self.on_scheduled = on_scheduled
        self._unmatched: list[Unmatched] = []
        self._matching: asyncio.Task[None] | None = None
        self._hurry = asyncio.Event()  # `settled` is waiting: look without the delay

    async def _transact(self, work: Callable[[Tx, datetime], T]) -> T:
        now = self.clock.now()

        def unit(tx: Tx) -> tuple[T, datetime | None, list[Unmatched]]:
            return work(tx, now), tx.earliest_scheduled, likeness.unmatched(tx)

        result, earliest, unmatched = await self.store.transact(unit)
        self.on_notices()
        if earliest is not None:
            self.on_scheduled(earliest)
        if unmatched:
            self._follow(unmatched)
        return result

    def _follow(self, unmatched: Sequence[Unmatched]) -> None:
        """Find similar tickets beside the writer, after the unit: nobody waits for it.

        Tickets opened within `MATCH_DELAY` of each other, or while a search is under way,
        are looked for together, so a burst costs a few reads and card-editing units, not one
        each; the card goes out at once and is edited a moment later.
        """
        self._unmatched.extend(unmatched)
        if self._matching is None or self._matching.done():
            self._matching = asyncio.create_task(self._match_waiting(), name=FINDING_SIMILAR)

    async def _match_waiting(self) -> None:
        while self._unmatched:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._hurry.wait(), MATCH_DELAY)
            waiting, self._unmatched = self._unmatched, []
            await self._match(waiting)

    async def _match(self, unmatched: Sequence[Unmatched]) -> None:
        try:
            matched = await self.store.report(lambda reports: likeness.match(reports, unmatched))
            if matched:
                await self._transact(lambda tx, now: likeness.show(tx, matched, now, self.settings))
        except Exception:
            # The tickets are written and their cards posted; only the similar lines are lost.
            ids = ", ".join(f"#{one.ticket.id}" for one in unmatched)
            log.exception("Finding the tickets similar to %s failed; their cards show none.", ids)

    async def settled(self) -> None:
        """Wait until the similar tickets of every unit so far are found and shown."""
        self._hurry.set()
        try:
            while self._matching is not None and not self._matching.done():
                await asyncio.wait({self._matching})
        finally:
            self._hurry.clear()

    async def receive(self, inbound: Inbound) -> IntakeResult:
        """Record a message event; returns only once it is durable."""
        return await self._transact(lambda tx, now: intake.receive(tx, inbound, now, self.settings))

    async def execute(self, command: Command) -> Reply:
        """Run a `/ticket` command and answer the person who ran it."""
        return await self._command(command, commands.run)

    async def _command(
        self, command: Command, run: Callable[[Tx, Resolved, datetime, DeskSettings], R]
    ) -> R | Reply:
        """Resolve the command and run it with `run` in one transaction (a report in none)."""
        try:
            resolved = commands.find_verb(command, self.settings)
            if resolved.reports:
                return await self._report(resolved)
            done = await self._transact(lambda tx, now: run(tx, resolved, now, self.settings))
        except DeskError as refusal:
            return await self._refused(command, refusal)
        if resolved.verb.erases:
            await self.store.erase_freed()
        return done

    async def _report(self, resolved: commands.Resolved) -> Reply:
        """Answer a reporting verb from the reports, then remember it against replays."""
        now = self.clock.now()
        text = await commands.report(resolved, self.store, now, self.settings)
        return await self._once(resolved.command, now, Reply(text))

    async def _refused(self, command: Command, refusal: DeskError) -> Reply:
        """Answer a refusal, remembering the command so that a replay cannot succeed later."""
        texts = self.settings.texts_for(command.place.platform)
        reply = Reply(refusal.message(texts), ok=isinstance(refusal, Unchanged))
        return await self._once(command, self.clock.now(), reply)

    async def _once(self, command: Command, now: datetime, reply: Reply) -> Reply:
        """Remember a signed command's key and answer `reply`; a replay gets told so instead."""
        key = command.dedupe_key
        if key is None or await self.store.transact(lambda tx: tx.remember(key, now)):
            return reply
        texts = self.settings.texts_for(command.place.platform)
        return Reply(texts.repeated_command(), repeated=True)

    async def ticket(self, ticket_id: int) -> Ticket | None:
        return await self.store.read(lambda tx: tx.ticket(ticket_id))

    async def ticket_at(self, place: Place) -> Ticket | None:
        return await self.store.read(lambda tx: tx.ticket_at(place))

    async def tickets(self, query: TicketQuery) -> list[Ticket]:
        """The tickets `query` selects, oldest first (at most `query.limit`)."""
        found, _ = await self.store.read(lambda tx: tx.tickets(query))
        return found

    async def conversations(self, workspace: str, limit: int) -> list[Conversation]:
        """The workspace's `limit` most recently changed tickets that are not closed, each
        with its public messages: what a platform's catch-up compares with what it shows."""
        query = TicketQuery(workspace, UNCLOSED_STATUSES, limit=limit, recent_first=True)

        def read(tx: Tx) -> list[Conversation]:
            found, _ = tx.tickets(query)
            return [
                Conversation(ticket, tuple(tx.messages(ticket.id, include_internal=False)))
                for ticket in found
            ]

        return await self.store.read(read)

    async def home(self, viewer: Person, workspace: str) -> Home:
        """What `viewer`'s own dashboard shows: their tickets and, for staff, the queue."""
        return await self.store.read(lambda tx: home.build(tx, viewer, workspace, self.settings))

    def works_tickets(self, person: Person) -> bool:
        """Whether `person` is staff, whose reactions on a ticket's messages act on it."""
        return self.settings.role_of(person).at_least(Role.AGENT)

    async def react(self, command: Command) -> Reply | None:
        """Run a reaction's command for staff on a ticket; None when it means nothing here.

        👀 and ✅ are everyday emoji: on a message that is no ticket's, or from someone who
        is not staff, a reaction is just a reaction and gets no answer. A redelivered
        reaction's answer says it is `repeated`: it was answered once.
        """
        if not self.works_tickets(command.actor):
            return None
        return await self._command(command, commands.react)
