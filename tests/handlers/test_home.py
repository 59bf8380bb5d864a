"""A person's dashboard and staff reactions: what the core decides, for any platform."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest

from handlers.desk import Desk
from handlers.models import Command, Person, Place, Ticket
from handlers.ports import Reports, T, Tx
from handlers.settings import DeskSettings
from storage.store import SqliteStore
from tests.builders import ALICE, BOB, DAVE, SUPPORT, WORKSPACE, open_ticket, run
from tests.clock import FakeClock

# These exercise the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores


async def shelves(desk: Desk, viewer: Person) -> list[tuple[str, list[int]]]:
    home = await desk.home(viewer, WORKSPACE)
    return [(shelf.title, [item.ticket_id for item in shelf.items]) for shelf in home.shelves]


async def test_customer_home_lists_their_own_active_tickets(desk: Desk) -> None:
    """A customer sees their active tickets only: not others', not resolved ones."""
    first, _, third = [await open_ticket(desk, who) for who in (ALICE, DAVE, ALICE)]
    await run(desk, BOB, f"resolve {third}")
    assert await shelves(desk, ALICE) == [("Your open requests", [first])]


async def test_agent_home_shows_held_tickets_and_the_unclaimed_queue(desk: Desk) -> None:
    """An agent sees what they hold, then what nobody holds."""
    first, second = await open_ticket(desk, ALICE), await open_ticket(desk, DAVE)
    await run(desk, BOB, f"claim {second}")
    assert await shelves(desk, BOB) == [
        ("Tickets you hold", [second]),
        ("Unclaimed tickets", [first]),
    ]


async def test_long_shelf_counts_what_it_leaves_off(desk: Desk) -> None:
    """A shelf shows fifteen tickets and says how many more there are."""
    for _ in range(18):
        await open_ticket(desk)
    home = await desk.home(BOB, WORKSPACE)
    unclaimed = home.shelves[1]
    assert (len(unclaimed.items), unclaimed.more) == (15, 3)
    assert unclaimed.more_text == "…and 3 more. /ticket list shows them all."


async def test_reaction_by_staff_on_a_ticket_runs_its_command(desk: Desk) -> None:
    """A staff reaction at a ticket's thread claims it, like /ticket claim there."""
    ticket_id = await open_ticket(desk)
    ticket = await desk.ticket(ticket_id)
    assert ticket is not None
    reply = await desk.react(Command(BOB, ticket.place, "claim"))
    assert reply is not None and reply.text.startswith("You claimed #1")


async def test_reaction_by_a_customer_means_nothing(desk: Desk) -> None:
    """A customer's reaction, even on their own ticket, is no command and gets no answer."""
    ticket = await desk.ticket(await open_ticket(desk))
    assert ticket is not None
    assert await desk.react(Command(ALICE, ticket.place, "resolve")) is None


async def test_reaction_away_from_any_ticket_means_nothing(desk: Desk) -> None:
    """A staff reaction on a message that is no ticket's gets no answer."""
    assert await desk.react(Command(BOB, SUPPORT.in_thread("m999"), "claim")) is None


class PlaceReads:
    """The SQLite store, noting each read of a place's ticket and the unit it was made in."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.units = 0
        self.reads: list[int] = []  # the unit of each `ticket_at`

    def _watched(self, tx: Tx) -> Tx:
        self.units += 1
        unit, reads, real = self.units, self.reads, tx

        class Watched:
            def ticket_at(self, place: Place) -> Ticket | None:
                reads.append(unit)
                return real.ticket_at(place)

            def __getattr__(self, name: str) -> Any:
                return getattr(real, name)

        return cast(Tx, Watched())

    async def transact(self, work: Callable[[Tx], T]) -> T:
        return await self.store.transact(lambda tx: work(self._watched(tx)))

    async def read(self, work: Callable[[Tx], T]) -> T:
        return await self.store.read(lambda tx: work(self._watched(tx)))

    async def report(self, work: Callable[[Reports], T], workspace: str | None = None) -> T:
        return await self.store.report(work, workspace)

    async def outside_changes(self) -> int:
        return await self.store.outside_changes()


async def test_reaction_reads_its_ticket_once_in_the_commands_transaction(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Whether the reacted message is a ticket's is read once, in the command's transaction."""
    ticket = await desk.ticket(await open_ticket(desk))
    assert ticket is not None
    watched = PlaceReads(store)
    reply = await Desk(watched, clock, settings).react(Command(BOB, ticket.place, "claim"))
    assert reply is not None and reply.text.startswith("You claimed #1")
    assert (watched.reads, watched.units) == ([1], 1)
