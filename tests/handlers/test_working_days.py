"""Promises in working days: `3d` ends at the same time of day on the third open day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.desk import Desk
from handlers.digest import posting
from handlers.digest.figures import Compliance
from handlers.models import ClockKind, Priority, SlaClock, SlaSpan, Status, Ticket
from handlers.settings import DeskSettings, DigestSettings, EscalationSettings, SlaPolicy
from handlers.sla import promises
from handlers.sla.calendar import BusinessCalendar
from storage.store import SqliteStore
from tests import builders
from tests.builders import ALICE, BOB, SUPPORT, post, rows, run
from tests.clock import FakeClock

# These exercise the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = BusinessCalendar.parse(
    "office", "Europe/Berlin", {day: ["09:00-17:00"] for day in WEEKDAYS}
)
# The calendar: Mon–Thu 09:00–17:00, Friday 09:00–13:00; Christmas Day is closed.
SHORT_FRIDAY = BusinessCalendar.parse(
    "short-friday",
    "Europe/Berlin",
    {**{day: ["09:00-17:00"] for day in WEEKDAYS[:4]}, "fri": ["09:00-13:00"]},
    ["2026-12-25"],
)
BERLIN_ALL_DAY = BusinessCalendar.parse(
    "berlin-all-day", "Europe/Berlin", {day: ["00:00-24:00"] for day in (*WEEKDAYS, "sat", "sun")}
)
NEW_YORK_ALL_DAY = BusinessCalendar.parse(
    "new-york-all-day",
    "America/New_York",
    {day: ["00:00-24:00"] for day in (*WEEKDAYS, "sat", "sun")},
)
ALWAYS = BusinessCalendar.always_open()
DAY, HOUR = SlaSpan(1, timedelta()), timedelta(hours=1)


def local(business: BusinessCalendar, text: str) -> datetime:
    """Read `YYYY-MM-DD HH:MM` as the calendar's wall time, returned in UTC."""
    zone = ZoneInfo(business.timezone)
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


def clock_for(business: BusinessCalendar, start: datetime, span: SlaSpan) -> SlaClock:
    """The resolution clock the desk starts for a ticket opened at `start`."""
    settings = builders.settings(sla={Priority.NORMAL: SlaPolicy(business, resolution=span)})
    ticket = Ticket(1, SUPPORT, ALICE, "s", "b", Status.OPEN, Priority.NORMAL, start, start)
    return promises.fresh(ticket, ClockKind.RESOLUTION, start, settings)


@pytest.mark.parametrize(
    ("business", "start", "span", "expected"),
    [
        pytest.param(OFFICE, "2026-11-27 16:00", DAY, "2026-11-30 16:00", id="fri-16:00+1d"),
        pytest.param(
            OFFICE, "2026-11-27 09:00", SlaSpan(3, timedelta()), "2026-12-02 09:00", id="fri+3d"
        ),
        pytest.param(
            SHORT_FRIDAY, "2026-11-27 09:00", DAY, "2026-11-30 09:00", id="short-fri-to-mon"
        ),
        pytest.param(
            SHORT_FRIDAY, "2026-11-26 11:00", DAY, "2026-11-27 11:00", id="thu-to-short-fri"
        ),
        pytest.param(
            SHORT_FRIDAY,
            "2026-11-26 15:00",
            DAY,
            "2026-11-30 09:00",
            id="after-short-fri-close-next-opening",
        ),
        pytest.param(
            OFFICE, "2026-03-27 09:30", DAY, "2026-03-30 09:30", id="office-over-spring-change"
        ),
        pytest.param(
            BERLIN_ALL_DAY, "2026-03-28 10:00", DAY, "2026-03-29 10:00", id="berlin-23-hour-day"
        ),
        pytest.param(
            NEW_YORK_ALL_DAY,
            "2026-10-31 10:00",
            DAY,
            "2026-11-01 10:00",
            id="new-york-25-hour-day",
        ),
        pytest.param(
            SHORT_FRIDAY, "2026-12-24 10:00", DAY, "2026-12-28 10:00", id="holiday-skipped"
        ),
        pytest.param(
            OFFICE, "2026-11-28 10:00", DAY, "2026-12-01 09:00", id="saturday-counts-from-monday"
        ),
        pytest.param(
            SHORT_FRIDAY,
            "2026-11-26 11:00",
            SlaSpan(1, 4 * HOUR),
            "2026-11-30 11:00",
            id="1d4h-days-then-hours",
        ),
        pytest.param(
            ALWAYS, "2026-11-27 16:00", SlaSpan(3, timedelta()), "2026-11-30 16:00", id="24x7"
        ),
    ],
)
def test_a_promise_in_working_days_is_due_as_written(
    business: BusinessCalendar, start: str, span: SlaSpan, expected: str
) -> None:
    """The promise, the ticket's clock and its business time agree on the written moment."""
    began, due = local(business, start), local(business, expected)
    clock = clock_for(business, began, span)
    assert promises.promise_due(business, began, span) == due
    assert clock.due_at == due
    assert clock.target == business.elapsed(began, due)


def test_a_pause_leaves_the_rest_as_business_time() -> None:
    """From Friday 09:00 `1d` is Monday 09:00 (4h); paused at 10:00 and resumed Monday 09:00,
    the 3h left run to Monday 12:00."""
    settings = builders.settings(calendars={SHORT_FRIDAY.name: SHORT_FRIDAY})
    clock = clock_for(SHORT_FRIDAY, local(SHORT_FRIDAY, "2026-11-27 09:00"), DAY)
    paused = promises.pause(clock, local(SHORT_FRIDAY, "2026-11-27 10:00"), settings)
    resumed = promises.resume(paused, local(SHORT_FRIDAY, "2026-11-30 09:00"), settings)
    assert (paused.used, clock.target) == (HOUR, 4 * HOUR)
    assert resumed.due_at == local(SHORT_FRIDAY, "2026-11-30 12:00")


def test_a_pause_without_business_time_keeps_the_written_moment() -> None:
    """Waiting on the customer over the weekend costs no business time: still Monday 09:00."""
    settings = builders.settings(calendars={SHORT_FRIDAY.name: SHORT_FRIDAY})
    clock = clock_for(SHORT_FRIDAY, local(SHORT_FRIDAY, "2026-11-27 09:00"), DAY)
    paused = promises.pause(clock, local(SHORT_FRIDAY, "2026-11-28 10:00"), settings)
    resumed = promises.resume(paused, local(SHORT_FRIDAY, "2026-11-29 10:00"), settings)
    assert resumed.due_at == clock.due_at == local(SHORT_FRIDAY, "2026-11-30 09:00")


# -- through the desk --------------------------------------------------------------------------


def promising(**overrides: object) -> DeskSettings:
    """Normal: 4h first response and 3d resolution on `office`; low: 1d and 10d; high: `1d`
    first response on the short-Friday calendar."""
    values: dict[str, object] = {
        "sla": {
            Priority.NORMAL: SlaPolicy(
                OFFICE, first_response=SlaSpan(0, 4 * HOUR), resolution=SlaSpan(3, timedelta())
            ),
            Priority.LOW: SlaPolicy(
                OFFICE, first_response=DAY, resolution=SlaSpan(10, timedelta())
            ),
            Priority.HIGH: SlaPolicy(SHORT_FRIDAY, first_response=DAY, resolution=DAY),
        },
    }
    values.update(overrides)
    return builders.settings(**values)


@pytest.fixture
def settings() -> DeskSettings:
    return promising()


async def open_at(desk: Desk, clock: FakeClock, at: datetime, priority: str = "") -> None:
    clock.set(at)
    await post(desk, ALICE, "printer on fire", message_id="root")
    if priority:
        await run(desk, BOB, f"priority 1 {priority}")


def berlin(text: str) -> datetime:
    return local(OFFICE, text)


async def test_why_shows_a_three_day_promise_in_working_days(desk: Desk, clock: FakeClock) -> None:
    """`3d` reads "3 working days", with the business time it gives, used and left."""
    await open_at(desk, clock, berlin("2026-11-24 10:00"))
    clock.set(berlin("2026-11-24 11:00"))
    text = (await run(desk, BOB, "why 1")).text
    assert (
        "Resolution (promise 3 working days, 24h of business time from its start, counting on"
        " office): started Tue 24 Nov 10:00 CET; running since Tue 24 Nov 10:00 CET;"
        " 1h of business time used, 23h left; due Fri 27 Nov 10:00 CET." in text
    )


async def test_why_shows_a_ten_day_promise_in_working_days(desk: Desk, clock: FakeClock) -> None:
    """`10d` reads "10 working days", 80 business hours on a 9–17 calendar, not "3d 8h"."""
    await open_at(desk, clock, berlin("2026-11-24 10:00"))
    clock.set(berlin("2026-11-24 10:30"))
    await run(desk, BOB, "priority 1 low")
    text = (await run(desk, BOB, "why 1")).text
    assert "Resolution (promise 10 working days, 80h of business time from its start" in text
    assert "30m of business time used, 79h 30m left; due Tue 08 Dec 10:00 CET." in text


async def test_why_shows_what_is_left_while_waiting(desk: Desk, clock: FakeClock) -> None:
    """Paused on the customer, the clock shows the business time left of its promise."""
    await open_at(desk, clock, berlin("2026-11-27 09:00"), "high")
    clock.set(berlin("2026-11-27 10:00"))
    await run(desk, BOB, "waiting 1")
    text = (await run(desk, BOB, "why 1")).text
    assert (
        "Resolution (promise 1 working day, 4h of business time from its start, counting on"
        " short-friday): started Fri 27 Nov 09:00 CET; paused because the ticket waits on the"
        " customer; 1h of business time used, 3h left." in text
    )


async def test_ack_promises_the_moment_the_clock_counts_to(
    store: SqliteStore, clock: FakeClock
) -> None:
    """A `1d` first response from Friday 09:00 on the short-Friday calendar: Monday 09:00."""
    policy = SlaPolicy(SHORT_FRIDAY, first_response=DAY)
    desk = Desk(store, clock, promising(sla={Priority.NORMAL: policy}, timezone=BERLIN))
    await open_at(desk, clock, local(SHORT_FRIDAY, "2026-11-27 09:00"))
    ((payload,),) = await rows(store, "SELECT payload FROM outbox WHERE kind = 'ack'")
    assert "within 1 working day (by Mon 30 Nov 09:00 CET)" in str(payload)


async def test_priority_change_reckons_the_new_promise_from_the_start(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Opened Thursday 15:00, made high (`1d` on a calendar whose Friday closes at 13:00) an
    hour later: due Monday 09:00, when the desk next opens after Friday's close."""
    await open_at(desk, clock, local(SHORT_FRIDAY, "2026-11-26 15:00"))
    clock.set(local(SHORT_FRIDAY, "2026-11-26 16:00"))
    await run(desk, BOB, "priority 1 high")
    first = (await store.read(lambda tx: tx.clocks(1)))[ClockKind.FIRST_RESPONSE]
    assert first.due_at == local(SHORT_FRIDAY, "2026-11-30 09:00")
    assert (first.used, first.target) == (HOUR, 6 * HOUR)


async def test_warning_comes_at_a_share_of_the_days_business_time(
    store: SqliteStore, clock: FakeClock
) -> None:
    """Warn at 50%: `1d` from Friday 09:00 on the short-Friday calendar is 4h, so at 11:00."""
    settings = promising(escalation=EscalationSettings(warn_at=0.5))
    desk = Desk(store, clock, settings)
    await open_at(desk, clock, local(SHORT_FRIDAY, "2026-11-27 09:00"), "high")
    found = await rows(store, "SELECT due_at FROM timers WHERE step = 'warn:first_response'")
    assert found == [("2026-11-27T10:00:00.000000Z",)]


async def test_digest_judges_a_days_promise_by_its_own_business_time(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """`1d` from Friday 09:00 (short Friday) is kept when answered Monday 09:00 and broken at
    09:30: its 4h, not an average working day."""
    for subject, answered in (("kept", "2026-11-30 09:00"), ("late", "2026-11-30 09:30")):
        clock.set(local(SHORT_FRIDAY, "2026-11-27 09:00"))
        ticket_id = await builders.open_ticket(desk, ALICE, subject)
        await run(desk, BOB, f"priority {ticket_id} high")
        clock.set(local(SHORT_FRIDAY, answered))
        ticket = await desk.ticket(ticket_id)
        assert ticket is not None
        await post(desk, BOB, "on it", place=ticket.place)
    since = local(SHORT_FRIDAY, "2026-11-27 00:00")
    made = await posting.build(
        store, DigestSettings(), local(SHORT_FRIDAY, "2026-11-30 12:00"), since
    )
    assert made.current.first_response.compliance == Compliance(met=1, missed=1)


async def test_a_stored_clock_keeps_its_business_time_to_the_microsecond(
    store: SqliteStore, clock: FakeClock, desk: Desk
) -> None:
    """Opened a quarter second after 15:00 on Thursday, `1d` gives 5h 59m 59.75s to Monday
    09:00; a pause that costs no business time leaves it due Monday 09:00, not a moment later."""
    await open_at(desk, clock, local(SHORT_FRIDAY, "2026-11-26 15:00:00.250"), "high")
    clock.set(local(SHORT_FRIDAY, "2026-11-26 16:00"))
    await run(desk, BOB, "waiting 1")
    await post(desk, ALICE, "here you go", place=SUPPORT.in_thread("root"))
    resolution = (await store.read(lambda tx: tx.clocks(1)))[ClockKind.RESOLUTION]
    assert resolution.promise == DAY
    assert resolution.target == timedelta(hours=6, microseconds=-250_000)
    assert resolution.due_at == local(SHORT_FRIDAY, "2026-11-30 09:00")
