"""The desk's reads for adapters."""

from __future__ import annotations

from handlers.desk import Desk
from tests.builders import ALICE, BOB, SUPPORT, WORKSPACE, open_ticket, post, run
from tests.clock import FakeClock


async def test_conversations_are_unclosed_tickets_most_recently_changed_first(
    desk: Desk, clock: FakeClock
) -> None:
    """Closed tickets are left out, the latest change comes first, notes are not messages."""
    first, second, third = [await open_ticket(desk, text=f"problem {n}") for n in (1, 2, 3)]
    clock.advance(minutes=1)
    await run(desk, BOB, f"resolve {first}")
    await run(desk, BOB, f"close {first}")
    await run(desk, BOB, f"note {third} internal only")
    clock.advance(minutes=1)
    second_ticket = await desk.ticket(second)
    assert second_ticket is not None and second_ticket.place.thread is not None
    await post(desk, ALICE, "any news?", place=SUPPORT.in_thread(second_ticket.place.thread))

    found = await desk.conversations(WORKSPACE, limit=5)

    assert [c.ticket.id for c in found] == [second, third]
    assert [m.text for m in found[0].messages] == ["problem 2", "any news?"]
    assert [m.text for m in found[1].messages] == ["problem 3"]
    assert [c.ticket.id for c in await desk.conversations(WORKSPACE, limit=1)] == [second]
