"""The ticket's life: every transition from every status, legal and illegal."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from handlers import lifecycle
from handlers.desk import Desk
from handlers.errors import AlreadyClaimed, DeskError, IllegalTransition, NotAllowed, Unchanged
from handlers.models import Priority, Status, Ticket
from storage.store import SqliteStore
from tests.builders import ALICE, BOB, CAROL, ERIN, SUPPORT, post, rows, run
from tests.clock import FakeClock

# These exercise the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
WINDOW = timedelta(days=7)


def ticket(status: Status, *, assignee: object = None) -> Ticket:
    return Ticket(
        id=7,
        place=SUPPORT.in_thread("root"),
        customer=ALICE,
        subject="s",
        body="b",
        status=status,
        priority=Priority.NORMAL,
        created_at=NOW,
        updated_at=NOW,
        assignee=assignee,  # type: ignore[arg-type]
        resolved_at=NOW if status in (Status.RESOLVED, Status.CLOSED) else None,
    )


def claim(t: Ticket) -> Ticket:
    return lifecycle.claim(t, ERIN, NOW, force=False)


def unclaim(t: Ticket) -> Ticket:
    return lifecycle.unclaim(t, BOB, NOW, may_force=False)


def assign(t: Ticket) -> Ticket:
    return lifecycle.assign(t, ERIN, BOB, NOW, may_force=False)


def prioritise(t: Ticket) -> Ticket:
    return lifecycle.set_priority(t, Priority.HIGH, NOW)


def wait(t: Ticket) -> Ticket:
    return lifecycle.wait_on_customer(t, NOW)


def resolve(t: Ticket) -> Ticket:
    return lifecycle.resolve(t, NOW)


def close(t: Ticket) -> Ticket:
    return lifecycle.close(t, NOW)


def reopen(t: Ticket) -> Ticket:
    return lifecycle.reopen(t, NOW)


OPEN, CLAIMED, WAITING = Status.OPEN, Status.CLAIMED, Status.WAITING
RESOLVED, CLOSED = Status.RESOLVED, Status.CLOSED

# (change, status before, held by bob?, status after — or the error it raises)
TRANSITIONS: list[tuple[object, Status, bool, Status | type[DeskError]]] = [
    (claim, OPEN, False, CLAIMED),
    (claim, CLAIMED, True, AlreadyClaimed),
    (claim, WAITING, False, WAITING),
    (claim, WAITING, True, AlreadyClaimed),
    (claim, RESOLVED, True, IllegalTransition),
    (claim, CLOSED, True, IllegalTransition),
    (unclaim, OPEN, False, Unchanged),
    (unclaim, CLAIMED, True, OPEN),
    (unclaim, WAITING, True, WAITING),
    (unclaim, RESOLVED, True, IllegalTransition),
    (unclaim, CLOSED, True, IllegalTransition),
    (assign, OPEN, False, CLAIMED),
    (assign, CLAIMED, True, CLAIMED),
    (assign, WAITING, True, WAITING),
    (assign, RESOLVED, True, IllegalTransition),
    (assign, CLOSED, True, IllegalTransition),
    (prioritise, OPEN, False, OPEN),
    (prioritise, CLAIMED, True, CLAIMED),
    (prioritise, WAITING, True, WAITING),
    (prioritise, RESOLVED, True, RESOLVED),
    (prioritise, CLOSED, True, IllegalTransition),
    (wait, OPEN, False, WAITING),
    (wait, CLAIMED, True, WAITING),
    (wait, WAITING, True, Unchanged),
    (wait, RESOLVED, True, IllegalTransition),
    (wait, CLOSED, True, IllegalTransition),
    (resolve, OPEN, False, RESOLVED),
    (resolve, CLAIMED, True, RESOLVED),
    (resolve, WAITING, True, RESOLVED),
    (resolve, RESOLVED, True, Unchanged),
    (resolve, CLOSED, True, IllegalTransition),
    (close, OPEN, False, IllegalTransition),
    (close, CLAIMED, True, IllegalTransition),
    (close, WAITING, True, IllegalTransition),
    (close, RESOLVED, True, CLOSED),
    (close, CLOSED, True, Unchanged),
    (reopen, OPEN, False, IllegalTransition),
    (reopen, CLAIMED, True, IllegalTransition),
    (reopen, WAITING, True, IllegalTransition),
    (reopen, RESOLVED, True, CLAIMED),
    (reopen, RESOLVED, False, OPEN),
    (reopen, CLOSED, True, CLAIMED),
]


@pytest.mark.parametrize(
    ("change", "before", "held", "after"),
    TRANSITIONS,
    ids=[f"{c.__name__}-{b}-{'held' if h else 'free'}" for c, b, h, _ in TRANSITIONS],  # type: ignore[attr-defined]
)
def test_transition(
    change: object, before: Status, held: bool, after: Status | type[DeskError]
) -> None:
    """Each change from each status lands in its status or is refused with a sentence."""
    start = ticket(before, assignee=BOB if held else None)
    if isinstance(after, Status):
        assert change(start).status is after  # type: ignore[operator]
    else:
        with pytest.raises(after) as refused:
            change(start)  # type: ignore[operator]
        assert "#7" in str(refused.value)


def test_reopen_clears_resolution_times() -> None:
    """A reopened ticket is no longer resolved or closed."""
    reopened = reopen(ticket(CLOSED, assignee=BOB))
    assert (reopened.resolved_at, reopened.closed_at) == (None, None)


def test_lead_may_force_claim_of_held_ticket() -> None:
    """`force` takes a held ticket over."""
    taken = lifecycle.claim(ticket(CLAIMED, assignee=BOB), CAROL, NOW, force=True)
    assert taken.assignee is CAROL


def test_holder_claiming_again_is_unchanged() -> None:
    """Claiming your own ticket again changes nothing and says so."""
    with pytest.raises(Unchanged, match=r"You already hold ticket #7\."):
        lifecycle.claim(ticket(CLAIMED, assignee=BOB), BOB, NOW, force=False)


def test_unclaim_by_other_agent_is_not_allowed() -> None:
    """Only the holder (or a lead) may unclaim."""
    with pytest.raises(NotAllowed):
        lifecycle.unclaim(ticket(CLAIMED, assignee=BOB), ERIN, NOW, may_force=False)


@pytest.mark.parametrize(
    ("status", "resolved_ago", "after"),
    [
        (WAITING, None, CLAIMED),
        (RESOLVED, timedelta(days=6, hours=23), CLAIMED),
        (RESOLVED, timedelta(days=7, seconds=1), RESOLVED),
        (CLOSED, timedelta(hours=1), CLOSED),
        (CLAIMED, None, CLAIMED),
    ],
    ids=["waiting-resumes", "resolved-in-window", "resolved-after-window", "closed", "claimed"],
)
def test_customer_reply(status: Status, resolved_ago: timedelta | None, after: Status) -> None:
    """A customer's reply resumes a waiting ticket and reopens a recent resolution."""
    start = ticket(status, assignee=BOB)
    if resolved_ago is not None:
        start = replace(start, resolved_at=NOW - resolved_ago)
    assert lifecycle.customer_replied(start, NOW, WINDOW).status is after


async def test_customer_reply_reopens_resolved_ticket(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Through the desk: the reply reopens, is audited and the customer is told."""
    await post(desk, ALICE, "printer on fire", message_id="root")
    await run(desk, BOB, "claim 1")
    await run(desk, BOB, "resolve 1")
    clock.advance(days=2)
    await post(desk, ALICE, "it's on fire again", place=SUPPORT.in_thread("root"))
    reopened = await desk.ticket(1)
    assert reopened is not None and reopened.status is Status.CLAIMED
    assert await rows(store, "SELECT data FROM events WHERE kind = 'reopened'") == [
        ('{"by": "customer_reply"}',)
    ]


async def test_reply_to_closed_ticket_points_to_a_new_ticket(
    desk: Desk, store: SqliteStore
) -> None:
    """A reply to a closed ticket is kept, and the customer is told to open a new one."""
    await post(desk, ALICE, "printer on fire", message_id="root")
    await run(desk, BOB, "resolve 1")
    await run(desk, BOB, "close 1")
    await post(desk, ALICE, "hello?", place=SUPPORT.in_thread("root"))
    ticket_now = await desk.ticket(1)
    assert ticket_now is not None and ticket_now.status is Status.CLOSED
    notes = await rows(store, "SELECT payload FROM outbox WHERE kind = 'thread' ORDER BY id")
    assert "post a new message in the support channel" in str(notes[-1][0])


async def test_customer_may_not_reopen_closed_ticket(desk: Desk) -> None:
    """Customers reopen resolved tickets only; closed ones are for agents."""
    await post(desk, ALICE, "printer on fire", message_id="root")
    await run(desk, BOB, "resolve 1")
    await run(desk, BOB, "close 1")
    assert not (await run(desk, ALICE, "reopen 1")).ok
    assert (await run(desk, BOB, "reopen 1")).ok
