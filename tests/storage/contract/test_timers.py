"""SLA clocks and the timers that act on them: scheduled, revived, fired once."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from handlers.models import ClockKind, SlaClock, SlaSpan, Step, StepKind, Timer, TimerState
from handlers.ports import Store, Tx
from tests.clock import START
from tests.storage.contract.values import later, opened

NUDGE, WARN = Step(StepKind.NUDGE), Step(StepKind.WARN, ClockKind.FIRST_RESPONSE)


async def schedule(
    store: Store, ticket_id: int, step: Step, minutes: float, round_: int = 0
) -> None:
    due_at = later(minutes=minutes)
    await store.transact(lambda tx: tx.schedule(ticket_id, step, round_, due_at))


async def due(store: Store, minutes: float, limit: int = 50) -> list[Timer]:
    now = later(minutes=minutes)
    return await store.read(lambda tx: tx.due_timers(now, limit))


async def test_a_saved_clock_reads_back_and_is_replaced(store: Store) -> None:
    """A ticket has one clock of each kind; saving it again replaces it."""
    ticket = await opened(store)
    clock = SlaClock(
        ticket.id,
        ClockKind.FIRST_RESPONSE,
        "office",
        timedelta(hours=4),
        START,
        running_since=START,
        due_at=later(hours=4),
        promise=SlaSpan(0, timedelta(hours=4)),
    )
    await store.transact(lambda tx: tx.save_clock(clock))
    stopped = replace(
        clock, used=timedelta(minutes=30), running_since=None, stopped_at=later(minutes=30)
    )
    await store.transact(lambda tx: tx.save_clock(stopped))
    assert await store.read(lambda tx: tx.clocks(ticket.id)) == {ClockKind.FIRST_RESPONSE: stopped}
    assert await store.read(lambda tx: tx.clocks(ticket.id + 1)) == {}


async def test_scheduled_timers_are_listed_for_their_ticket(store: Store) -> None:
    """A ticket's timers come back pending, with their step, round and due time."""
    ticket = await opened(store)
    await schedule(store, ticket.id, NUDGE, 10)
    assert await store.read(lambda tx: tx.timers(ticket.id)) == [
        Timer(ticket.id, NUDGE, 0, later(minutes=10))
    ]


async def test_due_timers_come_earliest_first_and_only_when_due(store: Store) -> None:
    """Pending steps due by now, earliest first, at most `limit`."""
    ticket = await opened(store)
    await schedule(store, ticket.id, NUDGE, 20)
    await schedule(store, ticket.id, WARN, 10)
    await schedule(store, ticket.id, WARN, 30, round_=1)
    assert [t.step for t in await due(store, 5)] == []
    assert [(t.step, t.round) for t in await due(store, 25)] == [(WARN, 0), (NUDGE, 0)]
    assert [t.step for t in await due(store, 25, limit=1)] == [WARN]


async def test_a_timer_finishes_once(store: Store) -> None:
    """Finishing a pending step succeeds once; a second finisher is told it was done."""
    ticket = await opened(store)
    await schedule(store, ticket.id, NUDGE, 10)
    [timer] = await due(store, 10)
    assert await store.transact(lambda tx: tx.finish_timer(timer, later(minutes=11))) is True
    assert await store.transact(lambda tx: tx.finish_timer(timer, later(minutes=12))) is False
    assert await store.read(lambda tx: tx.timers(ticket.id)) == [
        replace(timer, state=TimerState.DONE, fired_at=later(minutes=11))
    ]
    assert await due(store, 60) == []


async def test_a_done_timer_is_never_revived(store: Store) -> None:
    """Scheduling a step that already fired leaves it done."""
    ticket = await opened(store)
    await schedule(store, ticket.id, NUDGE, 10)
    [timer] = await due(store, 10)
    await store.transact(lambda tx: tx.finish_timer(timer, later(minutes=10)))
    await schedule(store, ticket.id, NUDGE, 30)
    assert await due(store, 60) == []


async def test_a_cancelled_timer_is_revived_by_scheduling_it_again(store: Store) -> None:
    """A cancelled step is not due; scheduled again, it is pending at its new time."""
    ticket = await opened(store)
    await schedule(store, ticket.id, NUDGE, 10)
    [timer] = await due(store, 10)
    await store.transact(lambda tx: tx.cancel_timer(timer))
    assert await due(store, 60) == []
    assert [t.state for t in await store.read(lambda tx: tx.timers(ticket.id))] == [
        TimerState.CANCELLED
    ]
    await schedule(store, ticket.id, NUDGE, 30)
    assert [t.due_at for t in await due(store, 60)] == [later(minutes=30)]


async def test_next_timer_due_is_the_earliest_pending(store: Store) -> None:
    """The earliest pending due time, or None when nothing is pending."""
    assert await store.read(lambda tx: tx.next_timer_due()) is None
    ticket = await opened(store)
    await schedule(store, ticket.id, NUDGE, 20)
    await schedule(store, ticket.id, WARN, 10)
    assert await store.read(lambda tx: tx.next_timer_due()) == later(minutes=10)


async def test_a_transaction_knows_the_earliest_time_it_scheduled(store: Store) -> None:
    """`earliest_scheduled` is None until the unit schedules, then its earliest due time."""
    ticket = await opened(store)

    def plan(tx: Tx) -> tuple[datetime | None, datetime | None]:
        before = tx.earliest_scheduled
        tx.schedule(ticket.id, NUDGE, 0, later(minutes=20))
        tx.schedule(ticket.id, WARN, 0, later(minutes=10))
        return before, tx.earliest_scheduled

    assert await store.transact(plan) == (None, later(minutes=10))
