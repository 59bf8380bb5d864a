"""Two instances on one database at the same instant: nothing doubled, one winner.

Each instance is its own store (its own connections), as two deskbot processes are; the
platform redelivers an event to both, and two agents press claim on both at once.
"""

from __future__ import annotations

import asyncio

import pytest

from handlers.desk import Desk
from handlers.settings import DeskSettings
from tests.builders import ALICE, BOB, DAVE, ERIN, message, rows, run
from tests.clock import FakeClock
from tests.conftest import OpenStore

pytestmark = pytest.mark.both_stores

BURST = 12


async def test_a_redelivered_event_makes_one_ticket_on_two_instances(
    desk: Desk, open_store: OpenStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """The same event reaching both instances at once opens one ticket, acknowledged once."""
    async with await open_store() as other_store:
        other = Desk(other_store, clock, settings)
        events = [message(ALICE, f"printer {n} on fire", message_id=f"root{n}") for n in range(5)]
        results = await asyncio.gather(
            *(instance.receive(event) for event in events for instance in (desk, other))
        )
        await other.settled()  # an instance stops only once what follows its units is done
    opened = [result.ticket_id for result in results if result.ticket_id is not None]
    assert sorted(opened) == [1, 2, 3, 4, 5]
    assert await rows(desk.store, "SELECT count(*) FROM tickets") == [(5,)]  # type: ignore[arg-type]
    acks = "SELECT count(*) FROM outbox WHERE CAST(payload AS TEXT) LIKE '%This is ticket%'"
    assert await rows(desk.store, acks) == [(5,)]  # type: ignore[arg-type]


async def test_tickets_opened_on_two_instances_never_share_a_number(
    desk: Desk, open_store: OpenStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """A burst of new tickets on both instances at once: every number is used once."""
    async with await open_store() as other_store:
        other = Desk(other_store, clock, settings)
        results = await asyncio.gather(
            *(
                instance.receive(message(author, f"{author.name} problem {n}"))
                for n in range(BURST)
                for instance, author in ((desk, ALICE), (other, DAVE))
            )
        )
        await other.settled()
    numbers = [result.ticket_id for result in results]
    assert None not in numbers
    assert len(set(numbers)) == 2 * BURST
    stored = await rows(desk.store, "SELECT id, customer_key FROM tickets ORDER BY id")  # type: ignore[arg-type]
    assert len(stored) == 2 * BURST


async def test_claims_on_two_instances_at_once_have_one_winner_each(
    desk: Desk, open_store: OpenStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Bob on one instance and Erin on the other claim every ticket at the same instant."""
    async with await open_store() as other_store:
        other = Desk(other_store, clock, settings)
        for n in range(BURST):
            await desk.receive(message(ALICE, f"problem {n}"))
        replies = await asyncio.gather(
            *(
                run(instance, agent, f"claim {number}")
                for number in range(1, BURST + 1)
                for instance, agent in ((desk, BOB), (other, ERIN))
            )
        )
    assert sum(reply.ok for reply in replies) == BURST
    claims = "SELECT ticket_id, count(*) FROM events WHERE kind = 'claimed' GROUP BY ticket_id"
    assert sorted(await rows(desk.store, claims)) == [(n, 1) for n in range(1, BURST + 1)]  # type: ignore[arg-type]
