"""Slow, direct references for business time: the oracles of the property tests.

They read only a calendar's plain fields (timezone, weekly hours, holidays) and convert
each wall time on its own, minute by minute, so they share no arithmetic with the code
they check. Every zone the tests draw changes its offset on a whole minute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.sla.calendar import BusinessCalendar

_DAY = timedelta(days=1)


def reference_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """Find, minute by minute, the earliest instant at which the clock reads `wall` or later."""
    offsets = [wall.replace(tzinfo=zone, fold=fold).utcoffset() or timedelta() for fold in (0, 1)]
    instant = wall.replace(tzinfo=UTC) - max(offsets)
    while instant.astimezone(zone).replace(tzinfo=None) < wall:
        instant += timedelta(minutes=1)
    return instant


def reference_wall_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """`reference_instant` for any wall time, seconds and microseconds included."""
    minute = wall.replace(second=0, microsecond=0)
    instant = reference_instant(minute, zone)
    if instant.astimezone(zone).replace(tzinfo=None) != minute:
        return instant  # the minute is in a spring-forward gap, and so is `wall`
    return instant + (wall - minute)


def reference_spans(business: BusinessCalendar, day: date) -> list[tuple[datetime, datetime]]:
    """The UTC open spans of one local day, each boundary converted on its own."""
    if day in business.holidays:
        return []
    zone = ZoneInfo(business.timezone)
    midnight = datetime.combine(day, time())
    spans = []
    for interval in business.weekly_hours[day.weekday()]:
        begin = reference_instant(midnight + timedelta(minutes=interval.start_minute), zone)
        end = reference_instant(midnight + timedelta(minutes=interval.end_minute), zone)
        if begin < end:
            spans.append((begin, end))
    return spans


def reference_elapsed(business: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Sum each day's intervals, converted one boundary at a time, within [start, end)."""
    zone = ZoneInfo(business.timezone)
    day = start.astimezone(zone).date() - _DAY
    total = timedelta()
    while day <= end.astimezone(zone).date() + _DAY:
        for begin, finish in reference_spans(business, day):
            total += max(timedelta(), min(finish, end) - max(begin, start))
        day += _DAY
    return total


def reference_next_open(business: BusinessCalendar, at: datetime) -> datetime:
    """The first open instant at or after `at`, found day by day."""
    day = at.astimezone(ZoneInfo(business.timezone)).date() - _DAY
    while True:
        for begin, end in reference_spans(business, day):
            if end > at:
                return max(begin, at)
        day += _DAY


def reference_working_days_later(
    business: BusinessCalendar, start: datetime, days: int
) -> datetime:
    """The wall time of the clock's start on the `days`-th open day after it, or the next
    opening when the calendar is closed then: the rule a `3d` promise is written in."""
    zone = ZoneInfo(business.timezone)
    opening = reference_next_open(business, start)
    if not days:
        return opening  # the clock's start itself, even in a repeated hour
    local = opening.astimezone(zone)
    day = local.date()
    for _ in range(days):
        day += _DAY
        while not reference_spans(business, day):
            day += _DAY
    wall = datetime.combine(day, local.time().replace(fold=0))
    return reference_next_open(business, reference_wall_instant(wall, zone))


def reference_add(business: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The earliest instant by which `duration` of business time has run from `start`,
    found by spending it span by span, day by day."""
    if not duration:
        return start
    day = start.astimezone(ZoneInfo(business.timezone)).date() - _DAY
    remaining = duration
    while True:
        for begin, end in reference_spans(business, day):
            begin = max(begin, start)
            if end - begin >= remaining:
                return begin + remaining
            remaining -= max(timedelta(), end - begin)
        day += _DAY


def reference_due_with_pauses(
    business: BusinessCalendar,
    start: datetime,
    duration: timedelta,
    pauses: list[tuple[datetime, datetime]],
) -> datetime:
    """When `duration` of business time has run from `start` outside the given pauses
    (sorted, not overlapping, after `start`): the oracle's own model of a paused clock."""
    remaining, cursor = duration, start
    for paused_at, resumed_at in pauses:
        available = reference_elapsed(business, cursor, paused_at)
        if remaining <= available:
            return reference_add(business, cursor, remaining)
        remaining -= available
        cursor = resumed_at
    return reference_add(business, cursor, remaining)
