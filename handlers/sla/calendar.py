"""Business-time arithmetic: opening hours and holidays.

The pausable SLA clock that counts on a calendar is `handlers.sla.promises`.

A `BusinessCalendar` is a week of opening hours in one IANA timezone's local wall time,
plus holidays (local dates on which it is closed all day). Every datetime going in or out
is timezone-aware; results are in UTC and naive datetimes are refused.

Business time is **real elapsed time** inside open spans: an open span is the stretch of
UTC instants between the start and the end of one day's interval, and its length is what
a stopwatch would show. Local wall times become instants by one rule:

    a wall time becomes the earliest instant at which the local clock reads it or later.

That rule settles both daylight-saving changes:

- a boundary in a spring-forward gap (02:30 in Berlin on the last Sunday of March) moves
  to the instant the gap ends (03:00 CEST), so an interval lying wholly in the gap is
  empty and `00:00-24:00` lasts 23 hours that day;
- an ambiguous fall-back boundary (02:30 on the last Sunday of October) is its first
  occurrence (02:30 CEST), so `00:00-24:00` lasts 25 hours that day and `01:00-04:00`
  lasts 4 hours (2 hours on spring-forward day).

The rule keeps wall order (a later wall time never maps to an earlier instant), so a
day's spans never overlap each other or the next day's, and intervals that touch on the
wall clock (`09:00-12:00`, `12:00-13:00`) touch in UTC too.

A working day is a local day with business time in it (opening hours, no holiday).
`working_days_later` keeps the wall time: from Friday 09:30 on a Mon–Fri calendar, one
working day later is Monday 09:30 local, whatever the clocks did over the weekend.

Speed: a local day whose two midnights have the same UTC offset (and are not themselves in
a clock change) is converted with plain arithmetic, and seven such days without a holiday
are skipped as one week whose business time is known in advance; other days are converted
boundary by boundary. This relies on a zone never changing its offset twice within one day:
the closest pair of changes in the tz database is nearly four days apart (Africa/Freetown,
1939; since 1970, nearly seven), and the tests check the installed database for it.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "ALWAYS_OPEN",
    "DAY_KEYS",
    "BusinessCalendar",
    "OpenInterval",
]

ALWAYS_OPEN = "24x7"
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MINUTES_PER_DAY = 24 * 60
_ZERO = timedelta()
_SECOND = timedelta(seconds=1)
_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_LATER_MIDNIGHTS = tuple(timedelta(days=k) for k in range(1, 8))
_INTERVAL_FORMAT = re.compile(r"(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})")
_DATE_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}")

Span = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class OpenInterval:
    """One opening interval of a day, in minutes after local midnight (end up to 24:00)."""

    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < self.end_minute <= _MINUTES_PER_DAY:
            raise ValueError(f"Opening hours '{self}' must start before they end within a day.")

    @classmethod
    def parse(cls, text: str) -> OpenInterval:
        """Parse `"HH:MM-HH:MM"` in local wall time; `24:00` is allowed as the end."""
        match = _INTERVAL_FORMAT.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"Opening hours {text!r} are not in the form 'HH:MM-HH:MM'.")
        start_hour, start_min, end_hour, end_min = (int(part) for part in match.groups())
        if start_hour > 23 or end_hour > 24 or max(start_min, end_min) > 59:
            raise ValueError(f"Opening hours {text!r} name a time that is not on the clock.")
        if end_hour == 24 and end_min:
            raise ValueError(f"Opening hours {text!r} end after 24:00.")
        start, end = start_hour * 60 + start_min, end_hour * 60 + end_min
        if end <= start:
            raise ValueError(
                f"Opening hours {text!r} do not end after they start; split a night shift at "
                "midnight ('22:00-24:00' and the next day's '00:00-06:00')."
            )
        return cls(start, end)

    def __str__(self) -> str:
        return f"{_clock(self.start_minute)}-{_clock(self.end_minute)}"

    @property
    def length(self) -> timedelta:
        """Return the interval's length on the wall clock."""
        return timedelta(minutes=self.end_minute - self.start_minute)


class _Stretch(NamedTuple):
    """Consecutive business time: one open span, or a whole plain week of them."""

    begin: datetime
    end: datetime
    open_time: timedelta
    week_start: date | None  # the first local day of a plain week; None for a single span


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Weekly opening hours in one timezone, with holidays, and arithmetic over them."""

    name: str
    timezone: str
    weekly_hours: tuple[tuple[OpenInterval, ...], ...]  # Monday first, seven days
    holidays: tuple[date, ...] = ()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _holiday_set: frozenset[date] = field(init=False, repr=False, compare=False)
    _wall_spans: tuple[tuple[tuple[timedelta, timedelta], ...], ...] = field(
        init=False, repr=False, compare=False
    )
    _week_open: timedelta = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", _load_zone(self.timezone))
        if len(self.weekly_hours) != len(DAY_KEYS):
            raise ValueError(
                f"Calendar {self.name!r} needs hours for 7 days, not {len(self.weekly_hours)}."
            )
        days = tuple(
            _sorted_day(self.name, key, day)
            for key, day in zip(DAY_KEYS, self.weekly_hours, strict=True)
        )
        if not any(days):
            raise ValueError(
                f"Calendar {self.name!r} is never open; give it opening hours on at least one day."
            )
        object.__setattr__(self, "weekly_hours", days)
        object.__setattr__(self, "holidays", tuple(sorted(set(self.holidays))))
        object.__setattr__(self, "_holiday_set", frozenset(self.holidays))
        spans = tuple(tuple(_wall_span(interval) for interval in day) for day in days)
        object.__setattr__(self, "_wall_spans", spans)
        week = sum((interval.length for day in days for interval in day), timedelta())
        object.__setattr__(self, "_week_open", week)

    @classmethod
    def parse(
        cls,
        name: str,
        timezone: str,
        hours: Mapping[str, Sequence[str]],
        holidays: Sequence[date | str] = (),
    ) -> BusinessCalendar:
        """Build a calendar from config values, refusing bad ones with a clear sentence."""
        if name == ALWAYS_OPEN:
            raise ValueError(f"Calendar name {name!r} is built in; choose another name.")
        for key in hours:
            if key not in DAY_KEYS:
                raise ValueError(
                    f"Calendar {name!r} has an unknown day {key!r}; use {', '.join(DAY_KEYS)}."
                )
        weekly = tuple(_parse_day(name, key, hours.get(key, ())) for key in DAY_KEYS)
        if isinstance(holidays, str):
            raise ValueError(
                f"Calendar {name!r} holidays must be a list of dates, not {holidays!r}."
            )
        return cls(name, timezone, weekly, tuple(_parse_holiday(name, day) for day in holidays))

    @classmethod
    def always_open(cls) -> BusinessCalendar:
        """Return the built-in `24x7` calendar: UTC, open every instant."""
        return _ALWAYS_OPEN_CALENDAR

    def next_open(self, at: datetime) -> datetime:
        """Return the first open instant at or after `at` (`at` itself when open)."""
        at = _as_utc(at, "at")
        return next(self._spans_from(at))[0]

    def open_periods(self, start: datetime, end: datetime) -> Iterator[Span]:
        """Yield the UTC open spans within [start, end), adjoining spans merged, in order."""
        return self._merged_spans(_as_utc(start, "start"), _as_utc(end, "end"))

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Return the business time in [start, end); zero when end is not after start."""
        start, end = _as_utc(start, "start"), _as_utc(end, "end")
        total = timedelta()
        if end <= start:
            return total
        for stretch in self._stretches(start):
            if stretch.begin >= end:
                return total
            if stretch.end <= end:
                total += stretch.open_time
                continue
            for begin, finish in self._spans_in(stretch):
                if begin >= end:
                    return total
                total += min(finish, end) - begin
            return total
        raise AssertionError("A calendar's stretches never run out.")

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Return the earliest instant by which `duration` of business time has run from start."""
        start = _as_utc(start, "start")
        remaining = _non_negative(duration)
        if not remaining:
            return start
        for stretch in self._stretches(start):
            if stretch.open_time < remaining:
                remaining -= stretch.open_time
                continue
            for begin, end in self._spans_in(stretch):
                if end - begin >= remaining:
                    return begin + remaining
                remaining -= end - begin
        raise AssertionError("A calendar's stretches never run out.")

    def working_days_later(self, start: datetime, days: int) -> datetime:
        """Return the same wall-clock moment `days` open days after the clock starts.

        The clock starts at the first open instant at or after `start`; the moment is that
        start's local wall time on the `days`-th following open day (a day with opening hours
        that is no holiday). When the calendar is closed then (that day closes earlier or
        opens later), it is the next opening after it: no business time runs in between.
        """
        if days < 0:
            raise ValueError(f"{days} working days is negative; business time only runs forward.")
        start = _as_utc(start, "start")
        opening = self._next_open_on(start, start.astimezone(self._zone).date())
        if not days:
            return opening
        local = opening.astimezone(self._zone)
        day = local.date()
        for _ in range(days):
            day = self._next_open_day(day)
        wall = datetime.combine(day, local.time().replace(fold=0))  # fold 0: the first reading
        return self._next_open_on(_wall_to_utc(wall, self._zone), day)

    def describe(self) -> str:
        """Render the calendar for people, e.g. `Mon–Fri 09:00–17:00 (Europe/Berlin)`."""
        if self == _ALWAYS_OPEN_CALENDAR:
            return ALWAYS_OPEN
        text = self.opening_hours()
        if self.holidays:
            count = len(self.holidays)
            text += f", {count} holiday{'' if count == 1 else 's'}"
        return text

    @property
    def is_always_open(self) -> bool:
        return self == _ALWAYS_OPEN_CALENDAR

    def opening_hours(self, day_labels: Sequence[str] = DAY_LABELS) -> str:
        """The weekly hours and timezone, days named by `day_labels` (Monday first)."""
        return f"{self._describe_hours(day_labels)} ({self.timezone})"

    def open_hours_per_week(self) -> timedelta:
        """Return the nominal open time of a week on the wall clock (no holidays, no DST)."""
        return self._week_open

    # The walk: days in local time, turned into UTC spans, whole plain weeks in one step.

    def _stretches(self, start: datetime) -> Iterator[_Stretch]:
        """Yield the business time from `start` on, in order, as spans and plain weeks."""
        day = start.astimezone(self._zone).date()
        while True:
            offset = self._plain_week_offset(day)
            if offset is not None:
                begin = _utc_midnight(day, offset)
                if begin >= start:
                    yield _Stretch(begin, begin + _WEEK, self._week_open, day)
                    day += _WEEK
                    continue
            for begin, end in self._day_spans(day):
                if end > start:
                    begin = max(begin, start)
                    yield _Stretch(begin, end, end - begin, None)
            day += _DAY

    def _spans_in(self, stretch: _Stretch) -> Iterator[Span]:
        """Yield the open spans that make up a stretch."""
        if stretch.week_start is None:
            yield stretch.begin, stretch.end
            return
        for offset in (timedelta(), *_LATER_MIDNIGHTS[:-1]):
            yield from self._day_spans(stretch.week_start + offset)

    def _spans_from(self, start: datetime) -> Iterator[Span]:
        """Yield every open span from `start` on, cut to begin no earlier than start."""
        for stretch in self._stretches(start):
            yield from self._spans_in(stretch)

    def _merged_spans(self, start: datetime, end: datetime) -> Iterator[Span]:
        """Yield the open spans within [start, end), merging those that adjoin."""
        pending: Span | None = None
        for begin, finish in self._spans_from(start):
            if begin >= end:
                break
            finish = min(finish, end)
            if pending is not None and pending[1] == begin:
                pending = (pending[0], finish)
                continue
            if pending is not None:
                yield pending
            pending = (begin, finish)
        if pending is not None:
            yield pending

    def _plain_week_offset(self, day: date) -> timedelta | None:
        """Return the one UTC offset of the seven days from `day`, None if not plain.

        A plain week has no holiday and no clock change, so its business time is the
        nominal open time of a week.
        """
        index = bisect_left(self.holidays, day)
        if index < len(self.holidays) and self.holidays[index] < day + _WEEK:
            return None
        offset = _midnight_offset(self._zone, day)
        if offset is None or any(
            _midnight_offset(self._zone, day + later) != offset for later in _LATER_MIDNIGHTS
        ):
            return None
        return offset

    def _next_open_on(self, at: datetime, day: date) -> datetime:
        """Return `next_open(at)` for an instant that reads `day`, from that day's spans if
        one is still to end: earlier days' spans end by the first time `day` begins."""
        for begin, end in self._day_spans(day):
            if at < end:
                return max(begin, at)
        return self.next_open(at)

    def _next_open_day(self, day: date) -> date:
        """Return the first local day after `day` with business time in it."""
        day += _DAY
        while not self._day_spans(day):
            day += _DAY
        return day

    def _day_spans(self, day: date) -> tuple[Span, ...]:
        """Return the UTC open spans of one local day, empty ones dropped."""
        wall_spans = self._wall_spans[day.weekday()]
        if not wall_spans or day in self._holiday_set:
            return ()
        offset = _midnight_offset(self._zone, day)
        if offset is not None and offset == _midnight_offset(self._zone, day + _DAY):
            midnight = _utc_midnight(day, offset)
            return tuple((midnight + begin, midnight + end) for begin, end in wall_spans)
        wall_midnight = datetime(day.year, day.month, day.day)
        spans = (
            (
                _wall_to_utc(wall_midnight + begin, self._zone),
                _wall_to_utc(wall_midnight + end, self._zone),
            )
            for begin, end in wall_spans
        )
        return tuple((begin, end) for begin, end in spans if begin < end)

    def _describe_hours(self, day_labels: Sequence[str]) -> str:
        """Render the weekly hours, days with the same hours grouped."""
        days_by_hours: dict[tuple[OpenInterval, ...], list[int]] = {}
        for index, day in enumerate(self.weekly_hours):
            if day:
                days_by_hours.setdefault(day, []).append(index)
        return "; ".join(
            f"{_day_ranges(days, day_labels)} "
            + ", ".join(_clock_range(interval) for interval in hours)
            for hours, days in days_by_hours.items()
        )


def _as_utc(value: datetime, what: str) -> datetime:
    """Return an aware datetime in UTC; refuse a naive one, whose instant is unknown."""
    if value.utcoffset() is None:
        raise ValueError(
            f"The {what} time {value.isoformat()!r} has no timezone; pass an aware UTC datetime."
        )
    return value.astimezone(UTC)


def _non_negative(duration: timedelta) -> timedelta:
    """Return `duration`, refusing a negative one."""
    if duration < _ZERO:
        raise ValueError(f"The duration -{-duration} is negative; business time only runs forward.")
    return duration


def _load_zone(key: str) -> ZoneInfo:
    """Load an IANA timezone, refusing an unknown key with a clear sentence."""
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"Unknown timezone {key!r}; use an IANA name such as 'Europe/Berlin' or 'UTC'."
        ) from None


def _parse_day(name: str, key: str, texts: Sequence[str]) -> tuple[OpenInterval, ...]:
    """Parse one day's list of opening hours, naming the calendar and day on error."""
    if isinstance(texts, str):
        raise ValueError(
            f"Calendar {name!r} hours on {key} must be a list such as ['09:00-17:00'], "
            f"not the string {texts!r}."
        )
    try:
        return tuple(OpenInterval.parse(text) for text in texts)
    except ValueError as error:
        raise ValueError(f"Calendar {name!r}, {key}: {error}") from None


def _sorted_day(name: str, key: str, day: Sequence[OpenInterval]) -> tuple[OpenInterval, ...]:
    """Return a day's intervals in order, refusing overlapping ones."""
    ordered = tuple(sorted(day, key=lambda interval: interval.start_minute))
    for earlier, later in pairwise(ordered):
        if earlier.end_minute > later.start_minute:
            raise ValueError(
                f"Calendar {name!r}, {key}: opening hours '{earlier}' and '{later}' overlap."
            )
    return ordered


def _parse_holiday(name: str, value: date | str) -> date:
    """Parse one holiday: a date, or a string in the form YYYY-MM-DD."""
    if isinstance(value, datetime):
        raise ValueError(f"Calendar {name!r} holiday {value.isoformat()!r} is a time; give a date.")
    if isinstance(value, date):
        return value
    try:
        parsed = date.fromisoformat(value) if _DATE_FORMAT.fullmatch(value) else None
    except ValueError:  # the right shape but no such day, like 2026-02-30
        parsed = None
    if parsed is None:
        raise ValueError(
            f"Calendar {name!r} holiday {value!r} is not a date in the form YYYY-MM-DD."
        )
    return parsed


def _wall_span(interval: OpenInterval) -> tuple[timedelta, timedelta]:
    """Return an interval as offsets from local midnight."""
    return timedelta(minutes=interval.start_minute), timedelta(minutes=interval.end_minute)


@functools.lru_cache(maxsize=8192)
def _midnight_offset(zone: ZoneInfo, day: date) -> timedelta | None:
    """Return the UTC offset at local midnight of `day`; None when a clock change is there."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    offset = midnight.utcoffset()
    return offset if offset == midnight.replace(fold=1).utcoffset() else None


def _utc_midnight(day: date, offset: timedelta) -> datetime:
    """Return the UTC instant of local midnight of `day`, at a known UTC offset."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - offset


def _wall_to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """Return the earliest instant at which the local clock reads `wall` or later."""
    first = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the first occurrence
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # `wall` is in a spring-forward gap: its fold=1 reading falls before the change and its
    # fold=0 reading after it, so the change (the instant the gap ends) lies in between. The
    # search steps whole seconds, the tz database's resolution, from a whole second.
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC).replace(microsecond=0)
    return _offset_change(before, first, zone)


def _offset_change(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """Return the first whole second in (before, after] whose UTC offset differs from before's."""
    offset = before.astimezone(zone).utcoffset()
    low, high = 0, (after - before) // _SECOND
    while high - low > 1:
        middle = (low + high) // 2
        if (before + middle * _SECOND).astimezone(zone).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return before + high * _SECOND


def _clock(minute: int) -> str:
    """Render minutes after midnight as HH:MM (24:00 for the end of the day)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _clock_range(interval: OpenInterval) -> str:
    """Render an interval for people, with an en dash."""
    return f"{_clock(interval.start_minute)}–{_clock(interval.end_minute)}"


def _day_ranges(days: Sequence[int], labels: Sequence[str]) -> str:
    """Render weekday indexes as runs, e.g. [0, 1, 2, 4] as `Mon–Wed, Fri`."""
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(
        labels[run[0]] if len(run) == 1 else f"{labels[run[0]]}–{labels[run[-1]]}" for run in runs
    )


_ALWAYS_OPEN_CALENDAR = BusinessCalendar(
    ALWAYS_OPEN, "UTC", tuple((OpenInterval(0, _MINUTES_PER_DAY),) for _ in DAY_KEYS)
)
