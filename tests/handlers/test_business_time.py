"""Business-time arithmetic and the SLA clock that counts it: hand-computed tables,
refused configs and properties."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import TypeVar
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.models import ClockKind, SlaClock
from handlers.settings import DeskSettings
from handlers.sla import promises
from handlers.sla.calendar import DAY_KEYS, BusinessCalendar
from tests import builders
from tests.reference_time import (
    reference_elapsed,
    reference_next_open,
    reference_working_days_later,
)

T = TypeVar("T")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
EVERY_DAY = DAY_KEYS


def utc(text: str) -> datetime:
    """Read `YYYY-MM-DD HH:MM` as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def hours(count: float) -> timedelta:
    """Return `count` hours."""
    return timedelta(hours=count)


def cases(*rows: tuple[object, ...]) -> list[object]:
    """Turn table rows, each ending in its name, into pytest parameters with that id."""
    return [pytest.param(*row[:-1], id=str(row[-1])) for row in rows]


def calendar(
    zone: str, days: tuple[str, ...], intervals: list[str], holidays: tuple[str, ...] = ()
) -> BusinessCalendar:
    """Build a calendar open on `days` with the same `intervals` each."""
    return BusinessCalendar.parse("test", zone, {day: intervals for day in days}, holidays)


# Mon–Fri 09:00–12:00 and 13:00–17:00 (7 hours a day). CET is UTC+1; CEST (from 29 March
# to 25 October 2026) is UTC+2. Holidays: New Year 2025/26, Easter 2026, Christmas 2026.
OFFICE = calendar(
    "Europe/Berlin",
    WEEKDAYS,
    ["09:00-12:00", "13:00-17:00"],
    ("2025-12-31", "2026-01-01", "2026-04-03", "2026-04-06", "2026-12-24", "2026-12-25"),
)
OFFICE_NO_HOLIDAYS = dataclasses.replace(OFFICE, holidays=())
NEW_YORK_OFFICE = calendar("America/New_York", WEEKDAYS, ["09:00-17:00"])  # EST UTC-5, EDT UTC-4
BERLIN_SUNDAY = calendar("Europe/Berlin", ("sun",), ["00:00-24:00"])
BERLIN_NIGHTS = calendar("Europe/Berlin", EVERY_DAY, ["01:00-04:00"])
BERLIN_LATE_NIGHTS = calendar("Europe/Berlin", EVERY_DAY, ["02:30-05:00"])
BERLIN_EARLY_NIGHTS = calendar("Europe/Berlin", EVERY_DAY, ["01:00-02:30"])
BERLIN_GAP_HOUR = calendar("Europe/Berlin", ("sun",), ["02:00-03:00"])
NEW_YORK_SUNDAY = calendar("America/New_York", ("sun",), ["00:00-24:00"])
NEW_YORK_NIGHTS = calendar("America/New_York", EVERY_DAY, ["01:00-04:00"])
NEW_YORK_GAP_STRADDLE = calendar("America/New_York", ("sun",), ["02:30-03:30"])
# Toronto, 30 March 1919: clocks went from 23:30 EST (UTC-5) to 00:30 EDT (UTC-4), so
# that midnight never happened; the change was at 04:30 UTC.
TORONTO_1919 = BusinessCalendar.parse(
    "toronto", "America/Toronto", {"sun": ["22:00-24:00"], "mon": ["00:00-01:00"]}, []
)
# St John's, 7 November 2010: clocks went from 00:01 NDT (UTC-2:30) back to 23:01 NST
# (UTC-3:30) the day before, at 02:31 UTC; Sunday's first minute came twice.
ST_JOHNS_2010 = BusinessCalendar.parse("st-johns", "America/St_Johns", {"sun": ["00:00-01:00"]}, [])
ALWAYS = BusinessCalendar.always_open()


# --- add: hand-computed due times --------------------------------------------------------


@pytest.mark.parametrize(
    ("business", "start", "business_hours", "expected"),
    cases(
        (OFFICE, "2026-03-03 09:00", 1, "2026-03-03 10:00", "inside-hours"),
        (OFFICE, "2026-03-03 10:30", 1, "2026-03-03 12:30", "over-lunch"),
        (OFFICE, "2026-03-03 11:15", 0.5, "2026-03-03 12:30", "from-lunch"),
        (OFFICE, "2026-03-03 06:00", 2, "2026-03-03 10:00", "before-opening"),
        (OFFICE, "2026-03-06 17:00", 4, "2026-03-09 13:00", "friday-evening"),
        (OFFICE, "2026-03-06 14:00", 2, "2026-03-06 16:00", "ends-at-close"),
        (OFFICE, "2026-03-02 08:00", 50, "2026-03-11 09:00", "over-a-week"),
        (OFFICE, "2026-04-02 14:00", 2, "2026-04-07 08:00", "easter-monday-holiday"),
        (OFFICE, "2026-12-23 15:00", 2, "2026-12-28 09:00", "consecutive-holidays"),
        (OFFICE, "2025-12-30 16:30", 1, "2026-01-02 09:00", "new-year"),
        (OFFICE, "2026-03-02 08:00", 210, "2026-04-14 15:00", "thirty-business-days"),
        (OFFICE, "2026-03-27 15:00", 2, "2026-03-30 08:00", "berlin-spring"),
        (OFFICE, "2026-10-23 14:00", 2, "2026-10-26 09:00", "berlin-autumn"),
        (NEW_YORK_OFFICE, "2026-03-06 21:00", 2, "2026-03-09 14:00", "new-york-spring"),
        (NEW_YORK_OFFICE, "2026-10-30 20:00", 2, "2026-11-02 15:00", "new-york-autumn"),
        (BERLIN_SUNDAY, "2026-03-28 12:00", 23, "2026-03-29 22:00", "short-sunday"),
        (BERLIN_SUNDAY, "2026-03-28 12:00", 24, "2026-04-04 23:00", "next-sunday"),
        (BERLIN_SUNDAY, "2026-10-24 12:00", 25, "2026-10-25 23:00", "long-sunday"),
        (BERLIN_NIGHTS, "2026-03-29 00:30", 1, "2026-03-29 01:30", "night-over-gap"),
        (BERLIN_NIGHTS, "2026-10-24 23:00", 3.5, "2026-10-25 02:30", "night-over-repeat"),
        (NEW_YORK_NIGHTS, "2026-11-01 05:00", 4, "2026-11-01 09:00", "new-york-long-night"),
        (ALWAYS, "2026-03-28 23:00", 72, "2026-03-31 23:00", "24x7"),
    ),
)
def test_add_lands_on_the_hand_computed_instant(
    business: BusinessCalendar, start: str, business_hours: float, expected: str
) -> None:
    """Adding business time lands where the table says."""
    assert business.add(utc(start), hours(business_hours)) == utc(expected)


@pytest.mark.parametrize("start", ["2026-03-07 12:00", "2026-03-03 11:30", "2026-03-03 09:00"])
def test_adding_nothing_returns_the_start(start: str) -> None:
    """Zero business time is due at once, open or closed."""
    assert OFFICE.add(utc(start), timedelta()) == utc(start)


def test_add_keeps_microseconds() -> None:
    """Business time is exact to the microsecond."""
    start = utc("2026-03-03 09:00") + timedelta(microseconds=7)
    assert OFFICE.add(start, timedelta(seconds=1, microseconds=5)) == start + timedelta(
        seconds=1, microseconds=5
    )


# --- elapsed: hand-computed business time ------------------------------------------------


@pytest.mark.parametrize(
    ("business", "start", "end", "business_hours"),
    cases(
        (OFFICE, "2026-03-03 07:00", "2026-03-03 18:00", 7, "whole-day"),
        (OFFICE, "2026-03-06 15:00", "2026-03-09 09:00", 2, "weekend"),
        (OFFICE, "2026-04-02 00:00", "2026-04-08 00:00", 14, "easter"),
        (OFFICE, "2026-12-23 00:00", "2026-12-29 00:00", 14, "christmas"),
        (OFFICE, "2026-03-02 00:00", "2026-04-13 00:00", 196, "six-weeks"),
        (OFFICE, "2026-03-03 12:00", "2026-03-03 11:00", 0, "end-first"),
        (BERLIN_SUNDAY, "2026-03-28 00:00", "2026-03-31 00:00", 23, "berlin-23h"),
        (BERLIN_SUNDAY, "2026-10-24 00:00", "2026-10-27 00:00", 25, "berlin-25h"),
        (BERLIN_NIGHTS, "2026-03-28 22:00", "2026-03-29 22:00", 2, "berlin-night-2h"),
        (BERLIN_NIGHTS, "2026-10-24 22:00", "2026-10-25 22:00", 4, "berlin-night-4h"),
        (BERLIN_LATE_NIGHTS, "2026-03-28 22:00", "2026-03-29 22:00", 2, "start-in-gap"),
        (BERLIN_LATE_NIGHTS, "2026-10-24 22:00", "2026-10-25 22:00", 3.5, "repeat-start"),
        (BERLIN_EARLY_NIGHTS, "2026-10-24 22:00", "2026-10-25 22:00", 1.5, "repeat-end"),
        (BERLIN_GAP_HOUR, "2026-03-28 00:00", "2026-03-30 00:00", 0, "wholly-in-gap"),
        (NEW_YORK_SUNDAY, "2026-03-07 00:00", "2026-03-10 00:00", 23, "new-york-23h"),
        (NEW_YORK_SUNDAY, "2026-10-31 00:00", "2026-11-03 00:00", 25, "new-york-25h"),
        (NEW_YORK_NIGHTS, "2026-03-08 00:00", "2026-03-09 00:00", 2, "new-york-night-2h"),
        (NEW_YORK_NIGHTS, "2026-11-01 00:00", "2026-11-02 00:00", 4, "new-york-night-4h"),
        (NEW_YORK_GAP_STRADDLE, "2026-03-08 00:00", "2026-03-09 00:00", 0.5, "half-gap"),
        (TORONTO_1919, "1919-03-30 12:00", "1919-03-31 12:00", 2, "midnight-in-gap"),
        (ST_JOHNS_2010, "2010-11-06 12:00", "2010-11-07 12:00", 2, "back-past-midnight"),
        (ALWAYS, "2026-03-28 00:00", "2026-11-01 00:00", 5232, "24x7"),
    ),
)
def test_elapsed_counts_the_hand_computed_business_time(
    business: BusinessCalendar, start: str, end: str, business_hours: float
) -> None:
    """Business time between two instants is what the table says."""
    assert business.elapsed(utc(start), utc(end)) == hours(business_hours)


# --- next_open, open_periods ------------------------------------------------------------


@pytest.mark.parametrize(
    ("business", "at", "expected"),
    cases(
        (OFFICE, "2026-03-03 09:00", "2026-03-03 09:00", "open"),
        (OFFICE, "2026-03-03 11:30", "2026-03-03 12:00", "lunch"),
        (OFFICE, "2026-03-03 16:00", "2026-03-04 08:00", "at-close"),
        (OFFICE, "2026-03-07 10:00", "2026-03-09 08:00", "saturday"),
        (OFFICE, "2026-04-02 16:00", "2026-04-07 07:00", "easter"),
        (BERLIN_LATE_NIGHTS, "2026-03-29 00:45", "2026-03-29 01:00", "gap-end"),
        (BERLIN_GAP_HOUR, "2026-03-28 12:00", "2026-04-05 00:00", "empty-interval"),
    ),
)
def test_next_open_is_the_first_open_instant(
    business: BusinessCalendar, at: str, expected: str
) -> None:
    """The next opening is the instant itself when open, else the next span's start."""
    assert business.next_open(utc(at)) == utc(expected)


# --- working_days_later: hand-computed, in UTC (Berlin is UTC+1, from 29 March UTC+2) ------

# Mon–Thu 09:00–17:00, Fri 10:00–13:00: Friday opens later and closes earlier.
SHORT_FRIDAY = BusinessCalendar.parse(
    "short-friday",
    "Europe/Berlin",
    {**{day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu")}, "fri": ["10:00-13:00"]},
)


@pytest.mark.parametrize(
    ("business", "start", "days", "expected"),
    cases(
        (OFFICE, "2026-03-06 15:00", 1, "2026-03-09 15:00", "friday-to-monday"),
        (OFFICE, "2026-03-06 08:00", 3, "2026-03-11 08:00", "three-days-from-an-opening"),
        (OFFICE, "2026-03-03 11:30", 1, "2026-03-04 12:00", "from-lunch-counts-from-13:00"),
        (OFFICE, "2026-03-07 09:00", 1, "2026-03-10 08:00", "from-saturday-counts-from-monday"),
        (OFFICE, "2026-03-07 09:00", 0, "2026-03-09 08:00", "no-days-is-the-next-opening"),
        (OFFICE, "2026-03-27 08:30", 1, "2026-03-30 07:30", "09:30-stays-09:30-in-summer"),
        (OFFICE, "2026-04-02 13:00", 1, "2026-04-07 13:00", "easter-holidays-skipped"),
        (SHORT_FRIDAY, "2026-03-05 10:00", 1, "2026-03-06 10:00", "into-a-shorter-day"),
        (SHORT_FRIDAY, "2026-03-05 14:00", 1, "2026-03-09 08:00", "after-its-close-next-opening"),
        (SHORT_FRIDAY, "2026-03-05 08:30", 1, "2026-03-06 09:00", "before-its-opening-opening"),
        (BERLIN_SUNDAY, "2026-03-22 11:00", 1, "2026-03-29 10:00", "a-week-later-over-a-change"),
        (BERLIN_LATE_NIGHTS, "2026-03-28 01:30", 1, "2026-03-29 01:00", "wall-time-in-the-gap"),
        (BERLIN_LATE_NIGHTS, "2026-03-28 01:30:00.5", 1, "2026-03-29 01:00", "gap-ends-exactly"),
        (ALWAYS, "2026-03-28 10:00", 2, "2026-03-30 10:00", "24x7-days-are-days"),
    ),
)
def test_working_days_later_keeps_the_wall_time(
    business: BusinessCalendar, start: str, days: int, expected: str
) -> None:
    """The clock's start time of day on the N-th open day, or the next opening if closed."""
    assert business.working_days_later(utc(start), days) == utc(expected)


def test_negative_working_days_are_refused() -> None:
    """Working days only run forward."""
    with pytest.raises(ValueError, match="-1 working days is negative"):
        OFFICE.working_days_later(AWARE, -1)


@pytest.mark.parametrize(
    ("business", "at", "expected"),
    cases(
        (OFFICE, "2026-03-03 08:00", True, "opening-instant"),
        (OFFICE, "2026-03-03 16:00", False, "closing-instant"),
        (OFFICE, "2026-03-03 11:30", False, "lunch"),
        (OFFICE, "2026-12-24 10:00", False, "holiday"),
        (BERLIN_EARLY_NIGHTS, "2026-10-25 00:15", True, "first-pass"),
        (BERLIN_EARLY_NIGHTS, "2026-10-25 01:15", False, "second-pass"),
        (ST_JOHNS_2010, "2010-11-07 03:00", True, "sunday-read-as-saturday"),
        (ALWAYS, "2026-06-01 03:04", True, "24x7"),
    ),
)
def test_next_open_is_the_instant_itself_exactly_when_open(
    business: BusinessCalendar, at: str, expected: bool
) -> None:
    """An instant is open from a span's start up to, not including, its end."""
    assert (business.next_open(utc(at)) == utc(at)) is expected


@pytest.mark.parametrize(
    ("business", "start", "end", "expected"),
    [
        pytest.param(
            OFFICE,
            "2026-03-03 00:00",
            "2026-03-03 15:00",
            [("2026-03-03 08:00", "2026-03-03 11:00"), ("2026-03-03 12:00", "2026-03-03 15:00")],
            id="lunch-splits-the-day",
        ),
        pytest.param(
            BERLIN_NIGHTS,
            "2026-10-24 12:00",
            "2026-10-26 00:00",
            [("2026-10-24 23:00", "2026-10-25 03:00")],
            id="long-night",
        ),
        pytest.param(
            ALWAYS,
            "2026-03-01 10:00",
            "2026-03-04 10:00",
            [("2026-03-01 10:00", "2026-03-04 10:00")],
            id="24x7-merges-days",
        ),
        pytest.param(
            TORONTO_1919,
            "1919-03-30 12:00",
            "1919-03-31 12:00",
            [("1919-03-31 03:00", "1919-03-31 05:00")],
            id="days-meet-in-a-gap",
        ),
    ],
)
def test_open_periods_lists_the_clipped_utc_spans(
    business: BusinessCalendar, start: str, end: str, expected: list[tuple[str, str]]
) -> None:
    """Open periods are the UTC spans within the range, cut to it, adjoining ones merged."""
    spans = [(utc(a), utc(b)) for a, b in expected]
    assert list(business.open_periods(utc(start), utc(end))) == spans


# --- describe and weekly hours -----------------------------------------------------------


@pytest.mark.parametrize(
    ("business", "expected"),
    [
        pytest.param(
            calendar(
                "Europe/Berlin",
                WEEKDAYS,
                ["13:00-17:00", "09:00-12:00"],
                ("2026-12-25", "2026-12-26"),
            ),
            "Mon–Fri 09:00–12:00, 13:00–17:00 (Europe/Berlin), 2 holidays",
            id="office",
        ),
        pytest.param(ALWAYS, "24x7", id="24x7"),
        pytest.param(
            BusinessCalendar.parse(
                "shop",
                "UTC",
                {"mon": ["09:00-17:00"], "wed": ["09:00-17:00"], "sat": ["10:00-24:00"]},
                ["2026-05-01"],
            ),
            "Mon, Wed 09:00–17:00; Sat 10:00–24:00 (UTC), 1 holiday",
            id="grouped-days",
        ),
    ],
)
def test_describe_renders_the_calendar_for_people(
    business: BusinessCalendar, expected: str
) -> None:
    """A calendar reads as grouped days, hours, timezone and a holiday count."""
    assert business.describe() == expected


@pytest.mark.parametrize(
    ("business", "expected"),
    [(OFFICE, hours(35)), (ALWAYS, hours(168)), (BERLIN_SUNDAY, hours(24))],
)
def test_open_hours_per_week_is_the_nominal_week(
    business: BusinessCalendar, expected: timedelta
) -> None:
    """A week's open hours are counted on the wall clock."""
    assert business.open_hours_per_week() == expected


# --- refused configuration and input -----------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "hours_by_day", "holidays", "message"),
    [
        ("UTC", {"mon": ["9-17"]}, [], r"'9-17' are not in the form 'HH:MM-HH:MM'"),
        ("UTC", {"mon": ["17:00-09:00"]}, [], r"'17:00-09:00' do not end after they start"),
        ("UTC", {"mon": ["09:00-09:00"]}, [], r"'09:00-09:00' do not end after they start"),
        ("UTC", {"mon": ["25:00-26:00"]}, [], r"'25:00-26:00' name a time that is not on the"),
        ("UTC", {"mon": ["22:00-24:30"]}, [], r"'22:00-24:30' end after 24:00"),
        (
            "UTC",
            {"tue": ["09:00-12:00", "11:00-13:00"]},
            [],
            r"tue: opening hours '09:00-12:00' and '11:00-13:00' overlap",
        ),
        ("UTC", {"monday": ["09:00-17:00"]}, [], r"unknown day 'monday'"),
        ("UTC", {"mon": "09:00-17:00"}, [], r"must be a list .* not the string '09:00-17:00'"),
        ("Mars/Olympus", {"mon": ["09:00-17:00"]}, [], r"Unknown timezone 'Mars/Olympus'"),
        ("UTC", {}, [], r"is never open"),
        ("UTC", {"mon": [], "sun": []}, [], r"is never open"),
        ("UTC", {"mon": ["09:00-17:00"]}, ["2026-02-30"], r"'2026-02-30' is not a date"),
        ("UTC", {"mon": ["09:00-17:00"]}, ["25.12.2026"], r"'25.12.2026' is not a date"),
        ("UTC", {"mon": ["09:00-17:00"]}, "2026-12-25", r"must be a list of dates"),
    ],
    ids=[
        "no-minutes",
        "ends-before-start",
        "empty",
        "no-such-hour",
        "past-midnight",
        "overlap",
        "unknown-day",
        "string-not-list",
        "bad-timezone",
        "no-hours",
        "empty-days",
        "no-such-date",
        "date-format",
        "holidays-string",
    ],
)
def test_parse_refuses_a_bad_calendar_quoting_the_value(
    zone: str, hours_by_day: dict[str, list[str]], holidays: list[str], message: str
) -> None:
    """A bad calendar is refused with a sentence that quotes the bad value."""
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.parse("office", zone, hours_by_day, holidays)


def test_parse_refuses_the_built_in_name() -> None:
    """The name `24x7` belongs to the built-in calendar."""
    with pytest.raises(ValueError, match="'24x7' is built in"):
        BusinessCalendar.parse("24x7", "UTC", {"mon": ["09:00-17:00"]}, [])


def test_parse_accepts_24_00_as_an_end_and_date_holidays() -> None:
    """`24:00` ends a day, and holidays may be dates as well as strings."""
    parsed = BusinessCalendar.parse("late", "UTC", {"fri": ["18:00-24:00"]}, [date(2026, 5, 1)])
    assert parsed.elapsed(utc("2026-05-08 00:00"), utc("2026-05-09 00:00")) == hours(6)


NAIVE = datetime(2026, 3, 3, 9, 0)
AWARE = utc("2026-03-03 09:00")


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: OFFICE.add(NAIVE, hours(1)), id="add"),
        pytest.param(lambda: OFFICE.elapsed(AWARE, NAIVE), id="elapsed"),
        pytest.param(lambda: OFFICE.next_open(NAIVE), id="next_open"),
        pytest.param(lambda: OFFICE.open_periods(NAIVE, AWARE), id="open_periods"),
        pytest.param(lambda: run_clock(OFFICE, NAIVE, hours(1), []), id="clock-start"),
        pytest.param(lambda: clock_used(OFFICE, AWARE, NAIVE, []), id="clock-used"),
        pytest.param(lambda: run_clock(OFFICE, AWARE, None, [(NAIVE, None)]), id="clock-pause"),
    ],
)
def test_naive_datetimes_are_refused(call: Callable[[], object]) -> None:
    """A datetime without a timezone is refused, naming the value."""
    with pytest.raises(ValueError, match=r"'2026-03-03T09:00:00' has no timezone"):
        call()


def test_aware_non_utc_datetimes_are_read_as_their_instant() -> None:
    """An aware datetime in another zone counts as the same instant, answered in UTC."""
    berlin = datetime(2026, 3, 3, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert OFFICE.add(berlin, hours(1)) == utc("2026-03-03 10:00")


def test_negative_durations_are_refused() -> None:
    """Business time only runs forward."""
    with pytest.raises(ValueError, match="duration -1:00:00 is negative"):
        OFFICE.add(AWARE, hours(-1))


# --- the pausable SLA clock (handlers.sla.promises) ---------------------------------------

Pause = tuple[datetime, datetime | None]  # (paused at, resumed at or None while paused)


def desk_for(business: BusinessCalendar) -> DeskSettings:
    """Return desk settings whose clocks can count on `business`, by its name."""
    return builders.settings(calendars={business.name: business})


def run_clock(
    business: BusinessCalendar,
    started: datetime,
    target: timedelta | None,
    pauses: Sequence[Pause],
    until: datetime | None = None,
) -> SlaClock:
    """Start a clock at `started`, then pause and resume it at each pause's ends to `until`."""
    desk = desk_for(business)
    clock = SlaClock(1, ClockKind.RESOLUTION, business.name, target, started)
    clock = promises.resume(clock, started, desk)
    for paused_at, resumed_at in pauses:
        for at, step in ((paused_at, promises.pause), (resumed_at, promises.resume)):
            if at is None or (until is not None and at > until):
                return clock
            clock = step(clock, at, desk)
    return clock


def clock_used(
    business: BusinessCalendar, started: datetime, now: datetime, pauses: Sequence[Pause]
) -> timedelta:
    """Return the business time a clock paused and resumed so has used by `now`."""
    clock = run_clock(business, started, None, pauses, until=now)
    return promises.used(clock, now, desk_for(business))


def test_a_paused_clock_stays_paused_and_a_running_one_running() -> None:
    """Pausing a paused clock or resuming a running one changes nothing: pauses never overlap."""
    desk = desk_for(OFFICE)
    running = run_clock(OFFICE, utc("2026-03-02 08:00"), hours(4), [])
    paused = promises.pause(running, utc("2026-03-02 09:00"), desk)
    assert promises.resume(running, utc("2026-03-02 09:00"), desk) == running
    assert promises.pause(paused, utc("2026-03-02 10:00"), desk) == paused


@pytest.mark.parametrize(
    ("pauses", "expected"),
    [
        pytest.param([], "2026-03-02 13:00", id="no-pause"),
        pytest.param(
            [(utc("2026-03-02 09:00"), utc("2026-03-02 14:00"))], "2026-03-03 09:00", id="paused"
        ),
        pytest.param(
            [(utc("2026-03-02 17:00"), utc("2026-03-02 23:00"))], "2026-03-02 13:00", id="after-due"
        ),
        pytest.param(
            [(utc("2026-03-02 08:00"), utc("2026-03-02 09:00"))], "2026-03-02 14:00", id="at-start"
        ),
        pytest.param(
            [
                (utc("2026-03-02 09:00"), utc("2026-03-02 10:00")),
                (utc("2026-03-02 13:00"), utc("2026-03-03 09:00")),
            ],
            "2026-03-03 10:00",
            id="two-pauses",
        ),
        pytest.param([(utc("2026-03-02 10:00"), None)], None, id="still-paused"),
    ],
)
def test_the_clock_skips_paused_time(pauses: list[Pause], expected: str | None) -> None:
    """Time inside pauses does not count toward the SLA; an open pause has no due time."""
    started = utc("2026-03-02 08:00")  # Monday 09:00 in Berlin
    due = run_clock(OFFICE, started, hours(4), pauses).due_at
    assert due == (None if expected is None else utc(expected))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-03-02 09:30", hours(1)),
        ("2026-03-02 13:00", hours(1)),
        ("2026-03-03 09:00", hours(4)),
    ],
    ids=["before-pause", "during-pause", "after-resume"],
)
def test_the_clock_counts_unpaused_business_time(now: str, expected: timedelta) -> None:
    """The clock runs in open hours outside pauses, and stands still while paused."""
    pauses: list[Pause] = [(utc("2026-03-02 09:00"), utc("2026-03-02 14:00"))]
    assert clock_used(OFFICE, utc("2026-03-02 08:00"), utc(now), pauses) == expected


# --- properties --------------------------------------------------------------------------

# Clock changes of zones with a 1-hour change in both hemispheres, a 30-minute change (Lord
# Howe), changes at midnight (Santiago) and a fall-back across midnight (St John's, 2010,
# 00:01 back to 23:01 the day before) and two changes 6 days 23 hours apart (Gaza, as the
# database predicts for 2040). Instants are drawn near them, where the work is.
CHANGES_BY_ZONE = {
    "Europe/Berlin": ("2026-03-29 01:00", "2026-10-25 01:00"),
    "America/New_York": ("2026-03-08 07:00", "2026-11-01 06:00"),
    "Australia/Lord_Howe": ("2026-04-04 15:00", "2026-10-03 15:30"),
    "America/Santiago": ("2026-04-05 03:00", "2026-09-06 04:00"),
    "America/St_Johns": ("2010-03-14 03:31", "2010-11-07 02:31"),
    "Asia/Gaza": ("2040-10-20 00:00", "2040-10-26 23:00"),
}
EVERY_CHANGE = tuple(text for changes in CHANGES_BY_ZONE.values() for text in changes)
ZONES = ("UTC", "Asia/Kolkata", *CHANGES_BY_ZONE)  # Kolkata: +05:30, never changes
FIXED_CALENDARS = (
    OFFICE,
    NEW_YORK_OFFICE,
    BERLIN_SUNDAY,
    BERLIN_LATE_NIGHTS,
    NEW_YORK_GAP_STRADDLE,
    ALWAYS,
)


def pairs(items: Sequence[T]) -> Iterator[tuple[T, T]]:
    """Pair up items first with second, third with fourth, dropping an odd last one."""
    return zip(items[::2], items[1::2], strict=False)


def clock(half_hours: int) -> str:
    """Render a count of half hours after midnight as HH:MM."""
    return f"{half_hours // 2:02d}:{half_hours % 2 * 30:02d}"


def day_hours() -> st.SearchStrategy[list[str]]:
    """Generate one day's sorted, non-overlapping half-hour intervals, often at night."""
    # Half the boundaries fall between 00:00 and 04:00, where the clocks change.
    point = st.one_of(st.integers(0, 8), st.integers(0, 48))
    points = st.lists(point, unique=True, max_size=6).map(sorted)
    return points.map(lambda p: [f"{clock(a)}-{clock(b)}" for a, b in pairs(p)])


def weeks() -> st.SearchStrategy[dict[str, list[str]]]:
    """Generate a week of opening hours: the same every day, or each day its own."""
    daily = day_hours().map(lambda day: dict.fromkeys(DAY_KEYS, day))
    each_day = st.fixed_dictionaries({key: day_hours() for key in DAY_KEYS})
    return st.one_of(daily, each_day).filter(lambda week: any(week.values()))


def holiday_lists() -> st.SearchStrategy[list[str]]:
    """Generate a few holidays in the years the instants fall in."""
    years = st.sampled_from([date(2010, 1, 1), date(2026, 1, 1)])
    days = st.builds(lambda year, day: year + timedelta(days=day), years, st.integers(0, 364))
    return st.lists(days.map(date.isoformat), max_size=8)


calendars = st.one_of(
    st.sampled_from(FIXED_CALENDARS),
    st.builds(
        BusinessCalendar.parse, st.just("random"), st.sampled_from(ZONES), weeks(), holiday_lists()
    ),
)


Scene = tuple[BusinessCalendar, datetime]
PausedScene = tuple[BusinessCalendar, datetime, list[Pause]]


@st.composite
def scenes(draw: st.DrawFn) -> Scene:
    """Draw a calendar and an instant near one of its zone's clock changes."""
    business = draw(calendars)
    base = draw(st.sampled_from(CHANGES_BY_ZONE.get(business.timezone, EVERY_CHANGE)))
    near = st.one_of(
        st.timedeltas(-timedelta(days=2), timedelta(days=2)),
        st.timedeltas(-timedelta(days=10), timedelta(days=10)),
    )
    return business, utc(base) + draw(near)


@st.composite
def clocks(draw: st.DrawFn) -> PausedScene:
    """Draw a scene and sorted, non-overlapping pauses from it on, the last maybe open."""
    business, started = draw(scenes())
    shifts = draw(st.lists(st.timedeltas(timedelta(), timedelta(days=10)), unique=True, max_size=7))
    points = [started + shift for shift in sorted(shifts)]
    pauses: list[Pause] = list(pairs(points))
    if len(points) % 2 and draw(st.booleans()):
        pauses.append((points[-1], None))
    return business, started, pauses


durations = st.timedeltas(timedelta(), timedelta(days=12))
short_spans = st.timedeltas(timedelta(), timedelta(days=9))
PROPERTY = settings(deadline=None, max_examples=100)


@settings(deadline=None, max_examples=300)
@given(scenes(), short_spans)
def test_elapsed_matches_a_boundary_by_boundary_reference(scene: Scene, span: timedelta) -> None:
    """The fast walk (plain days, skipped weeks) agrees with a slow, direct count."""
    business, start = scene
    assert business.elapsed(start, start + span) == reference_elapsed(business, start, start + span)


@PROPERTY
@given(scenes(), durations)
def test_elapsed_until_add_is_the_duration(scene: Scene, duration: timedelta) -> None:
    """Adding a duration and measuring back gives the duration."""
    business, start = scene
    assert business.elapsed(start, business.add(start, duration)) == duration


@PROPERTY
@given(scenes(), durations.filter(bool))
def test_add_is_the_earliest_such_instant(scene: Scene, duration: timedelta) -> None:
    """A microsecond before the due time, the duration has not yet run."""
    business, start = scene
    due = business.add(start, duration)
    assert business.elapsed(start, due - timedelta(microseconds=1)) < duration


@PROPERTY
@given(scenes(), durations, durations)
def test_add_never_moves_earlier_as_the_duration_grows(
    scene: Scene, shorter: timedelta, extra: timedelta
) -> None:
    """A longer duration is never due before a shorter one."""
    business, start = scene
    assert business.add(start, shorter) <= business.add(start, shorter + extra)


@PROPERTY
@given(scenes(), durations, durations)
def test_add_composes(scene: Scene, first: timedelta, second: timedelta) -> None:
    """Adding two durations in turn equals adding their sum."""
    business, start = scene
    assert business.add(start, first + second) == business.add(business.add(start, first), second)


@PROPERTY
@given(scenes(), durations, st.integers(-3, 30))
def test_a_holiday_never_makes_a_due_time_earlier(
    scene: Scene, duration: timedelta, days_later: int
) -> None:
    """Closing one more day can only delay a due time."""
    business, start = scene
    holiday = start.astimezone(ZoneInfo(business.timezone)).date() + timedelta(days=days_later)
    with_holiday = dataclasses.replace(business, holidays=(*business.holidays, holiday))
    assert business.add(start, duration) <= with_holiday.add(start, duration)


@PROPERTY
@given(scenes())
def test_next_open_is_open_with_no_business_time_before_it(
    scene: Scene,
) -> None:
    """The next opening is open, and no business time runs between the instant and it."""
    business, at = scene
    opening = business.next_open(at)
    assert business.next_open(opening) == opening
    assert business.elapsed(at, opening) == timedelta()


@PROPERTY
@given(scenes(), short_spans)
def test_open_periods_add_up_to_elapsed(scene: Scene, span: timedelta) -> None:
    """The open periods of a range sum to its business time."""
    business, start = scene
    periods = business.open_periods(start, start + span)
    assert sum((b - a for a, b in periods), timedelta()) == business.elapsed(start, start + span)


@PROPERTY
@given(scenes(), st.integers(0, 12))
def test_working_days_later_matches_a_day_by_day_reference(scene: Scene, days: int) -> None:
    """The same wall time N open days on agrees with a slow reference, near clock changes."""
    business, start = scene
    expected = reference_working_days_later(business, start, days)
    assert business.working_days_later(start, days) == expected


@PROPERTY
@given(scenes())
def test_next_open_matches_a_day_by_day_reference(scene: Scene) -> None:
    """The next opening agrees with a slow reference that walks the days."""
    business, at = scene
    assert business.next_open(at) == reference_next_open(business, at)


@PROPERTY
@given(clocks(), durations, st.data())
def test_a_pause_never_makes_the_due_time_earlier(
    sla: PausedScene, duration: timedelta, data: st.DataObject
) -> None:
    """Adding a pause can only delay the due time, or remove it while it lasts."""
    business, started, pauses = sla
    dropped = data.draw(st.integers(0, len(pauses)))
    fewer = pauses[:dropped] + pauses[dropped + 1 :]
    due_with_all = run_clock(business, started, duration, pauses).due_at
    if due_with_all is not None:
        due_with_fewer = run_clock(business, started, duration, fewer).due_at
        assert due_with_fewer is not None
        assert due_with_fewer <= due_with_all


@PROPERTY
@given(clocks(), short_spans, short_spans)
def test_used_grows_with_now_and_stays_within_elapsed(
    sla: PausedScene, earlier: timedelta, later: timedelta
) -> None:
    """Used time never shrinks as now moves on, and never exceeds the business time."""
    business, started, pauses = sla
    now = started + earlier
    used_now = clock_used(business, started, now, pauses)
    assert used_now <= clock_used(business, started, now + later, pauses)
    assert used_now <= business.elapsed(started, now)


@PROPERTY
@given(clocks(), durations)
def test_used_at_the_due_time_is_the_duration(sla: PausedScene, duration: timedelta) -> None:
    """At the due time exactly the SLA's duration has been used."""
    business, started, pauses = sla
    due = run_clock(business, started, duration, pauses).due_at
    if due is not None:
        assert clock_used(business, started, due, pauses) == duration


def test_no_zone_changes_its_offset_twice_within_a_day() -> None:
    """The tz database never changes an offset twice in 24 hours, which the speed-up assumes."""
    # The pure-Python twin of zoneinfo keeps the transitions it loads where we can read them.
    from zoneinfo import _zoneinfo  # type: ignore[attr-defined]

    closest = timedelta(days=365)
    for key in available_timezones():
        zone = _zoneinfo.ZoneInfo.no_cache(key)
        offsets = [zone._tti_before.utcoff, *(info.utcoff for info in zone._ttinfos)]
        changes = [
            at
            for at, (before, after) in zip(zone._trans_utc, pairwise(offsets), strict=True)
            if before != after
        ]
        gaps = (timedelta(seconds=b - a) for a, b in pairwise(changes))
        closest = min([closest, *gaps])
    assert closest > timedelta(days=1)
