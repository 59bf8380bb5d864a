"""Properties of the SLA clocks, checked against the business-time module's own `due_at`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import sla
from handlers.business_time import BusinessCalendar, due_at
from handlers.models import ClockKind, SlaClock
from tests import builders

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
    clock = sla.run(SlaClock(1, ClockKind.RESOLUTION, "office", target, START), START, DESK)
    now, pauses, paused_at = START, [], None
    for gap in gap_minutes:
        now += timedelta(minutes=gap)
        if clock.running:
            clock, paused_at = sla.pause(clock, now, DESK), now
        else:
            assert paused_at is not None
            clock = sla.run(clock, now, DESK)
            pauses.append((paused_at, now))
    if not clock.running:
        clock = sla.run(clock, now, DESK)
        assert paused_at is not None
        pauses.append((paused_at, now))
    return clock, pauses


@settings(max_examples=150, deadline=None)
@given(targets, gaps)
def test_clock_due_time_matches_business_time_with_pauses(
    minutes: int, gap_minutes: list[int]
) -> None:
    """Pausing and resuming the clock gives the due time `due_at` computes from the pauses."""
    target = timedelta(minutes=minutes)
    clock, pauses = replay(target, gap_minutes)
    assert clock.due_at == due_at(OFFICE, START, target, pauses)


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
    assert sla.used(clock, now, DESK) <= now - START
