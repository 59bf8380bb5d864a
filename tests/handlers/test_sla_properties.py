"""Properties of the SLA clocks, checked against a day-by-day reference that shares no
arithmetic with them and keeps its own model of a paused clock."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.models import ClockKind, Priority, SlaClock, SlaSpan, Status, Ticket
from handlers.settings import SlaPolicy
from handlers.sla import promises
from handlers.sla.calendar import BusinessCalendar
from tests import builders
from tests.reference_time import (
    reference_add,
    reference_due_with_pauses,
    reference_elapsed,
    reference_next_open,
    reference_working_days_later,
)

OFFICE = BusinessCalendar.parse(
    "office",
    "America/New_York",
    {day: ["09:00-12:00", "13:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    ["2026-11-26"],
)
DESK = builders.settings(calendars={"office": OFFICE})
START = datetime(2026, 10, 30, 15, 0, tzinfo=UTC)  # before the US fall-back change

gaps = st.lists(st.integers(min_value=1, max_value=3 * 24 * 60), min_size=0, max_size=8)
targets = st.integers(min_value=1, max_value=40 * 60)


def replay(
    target: timedelta, gap_minutes: list[int]
) -> tuple[SlaClock, list[tuple[datetime, datetime]]]:
    """Alternate pause and resume at the given gaps; return the clock and the pauses."""
    clock = SlaClock(1, ClockKind.RESOLUTION, "office", target, START)
    return replay_clock(promises.resume(clock, START, DESK), gap_minutes)


def replay_clock(
    clock: SlaClock, gap_minutes: list[int]
) -> tuple[SlaClock, list[tuple[datetime, datetime]]]:
    """Pause and resume a clock, running since it started, at the given gaps."""
    now, pauses, paused_at = clock.started_at, [], None
    for gap in gap_minutes:
        now += timedelta(minutes=gap)
        if clock.running:
            clock, paused_at = promises.pause(clock, now, DESK), now
        else:
            assert paused_at is not None
            clock = promises.resume(clock, now, DESK)
            pauses.append((paused_at, now))
    if not clock.running:
        clock = promises.resume(clock, now, DESK)
        assert paused_at is not None
        pauses.append((paused_at, now))
    return clock, pauses


@settings(max_examples=150, deadline=None)
@given(targets, gaps)
def test_clock_due_time_matches_business_time_with_pauses(
    minutes: int, gap_minutes: list[int]
) -> None:
    """Pausing and resuming the clock gives the due time the reference reckons from the pauses."""
    target = timedelta(minutes=minutes)
    clock, pauses = replay(target, gap_minutes)
    assert clock.due_at == reference_due_with_pauses(OFFICE, START, target, pauses)


@settings(max_examples=150, deadline=None)
@given(targets, gaps, st.integers(min_value=1, max_value=24 * 60))
def test_a_longer_pause_never_brings_the_due_time_earlier(
    minutes: int, gap_minutes: list[int], extra: int
) -> None:
    """Stretching the last pause never makes the promise due sooner."""
    target = timedelta(minutes=minutes)
    shorter, _ = replay(target, [*gap_minutes, 30, 30])
    longer, _ = replay(target, [*gap_minutes, 30, 30 + extra])
    assert shorter.due_at is not None and longer.due_at is not None
    assert longer.due_at >= shorter.due_at


@settings(max_examples=150, deadline=None)
@given(targets, st.integers(min_value=1, max_value=24 * 60), gaps)
def test_a_bigger_promise_is_never_due_earlier(
    minutes: int, more: int, gap_minutes: list[int]
) -> None:
    """Growing the target never moves the due time earlier."""
    small, _ = replay(timedelta(minutes=minutes), gap_minutes)
    big, _ = replay(timedelta(minutes=minutes + more), gap_minutes)
    assert small.due_at is not None and big.due_at is not None
    assert big.due_at >= small.due_at


@settings(max_examples=100, deadline=None)
@given(gaps)
def test_used_time_never_exceeds_the_time_that_passed(gap_minutes: list[int]) -> None:
    """Business time used is at most the wall time since the start."""
    clock, _ = replay(timedelta(hours=1), gap_minutes)
    now = START + timedelta(minutes=sum(gap_minutes) + 60)
    assert promises.used(clock, now, DESK) <= now - START


days_promises = st.builds(
    SlaSpan,
    st.integers(min_value=1, max_value=10),
    st.sampled_from([timedelta(), timedelta(minutes=1), timedelta(hours=4)]),
)


# Starts over a week from START, every minute: open, closed, at lunch, on a weekend.
starts = st.integers(min_value=0, max_value=7 * 24 * 60).map(lambda m: START + timedelta(minutes=m))


def promised_clock(span: SlaSpan, start: datetime = START) -> SlaClock:
    """A resolution clock started by the desk at `start`, for a policy promising `span`."""
    desk = dataclasses.replace(DESK, sla={Priority.NORMAL: SlaPolicy(OFFICE, resolution=span)})
    ticket = Ticket(
        1, builders.SUPPORT, builders.ALICE, "s", "b", Status.OPEN, Priority.NORMAL, start, start
    )
    return promises.fresh(ticket, ClockKind.RESOLUTION, start, desk)


def reference_due(
    span: SlaSpan, start: datetime, pauses: list[tuple[datetime, datetime]]
) -> tuple[timedelta, datetime]:
    """The promise's business time and due time, reckoned by the reference: the wall time
    N open days on (then the business time), and after pauses what is left as business time,
    a whole-days promise lasting to the next opening."""
    after_days = reference_working_days_later(OFFICE, start, span.days)
    written_due = reference_add(OFFICE, after_days, span.rest)
    target = reference_elapsed(OFFICE, start, written_due)
    due = reference_due_with_pauses(OFFICE, start, target, pauses)
    return target, reference_next_open(OFFICE, due) if span.whole_days else due


@settings(max_examples=150, deadline=None)
@given(days_promises, starts, gaps)
def test_a_promise_in_working_days_is_due_as_the_reference_reckons_it(
    span: SlaSpan, start: datetime, gap_minutes: list[int]
) -> None:
    """Unpaused, the clock is due at the written moment; paused, what is left is business time."""
    clock, pauses = replay_clock(promised_clock(span, start), gap_minutes)
    target, due = reference_due(span, start, pauses)
    assert clock.target == target
    if clock.used < target:  # not broken before a pause, which keeps the moment it broke
        assert clock.due_at == due


@settings(max_examples=100, deadline=None)
@given(days_promises, starts)
def test_business_time_used_at_the_written_moment_is_the_target(
    span: SlaSpan, start: datetime
) -> None:
    """At its due time, an unpaused clock has used exactly the promise's business time."""
    clock = promised_clock(span, start)
    assert clock.due_at is not None and clock.target is not None
    assert promises.used(clock, clock.due_at, DESK) == clock.target
