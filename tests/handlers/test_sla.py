"""SLA clocks: business time counted while a ticket is worked, paused while it waits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.desk import Desk
from handlers.models import ClockKind, Priority, SlaClock
from handlers.settings import DeskSettings, SlaPolicy, SlaSpan
from handlers.sla.calendar import BusinessCalendar
from storage.store import SqliteStore
from tests import builders
from tests.builders import ALICE, BOB, SUPPORT, post, run
from tests.clock import FakeClock

# These exercise the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

OFFICE = BusinessCalendar.parse(
    "office",
    "Europe/Berlin",
    {day: ["09:00-12:00", "13:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    ["2026-12-25"],
)
HOURS = timedelta(hours=1)


def office_settings() -> DeskSettings:
    return builders.settings(
        sla={
            Priority.NORMAL: SlaPolicy(
                OFFICE,
                first_response=SlaSpan(0, 4 * HOURS),
                next_response=SlaSpan(0, 2 * HOURS),
                resolution=SlaSpan(3, timedelta()),
            ),
            Priority.URGENT: SlaPolicy(
                BusinessCalendar.always_open(),
                first_response=SlaSpan(0, timedelta(minutes=15)),
                resolution=SlaSpan(0, 4 * HOURS),
            ),
        }
    )


@pytest.fixture
def settings() -> DeskSettings:
    return office_settings()


def berlin(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A Berlin wall time in late 2026 (CET, UTC+1), as UTC."""
    return datetime(2026, month, day, hour - 1, minute, tzinfo=UTC)


async def clocks(store: SqliteStore, ticket_id: int = 1) -> dict[ClockKind, SlaClock]:
    return await store.read(lambda tx: tx.clocks(ticket_id))


async def open_at(desk: Desk, clock: FakeClock, at: datetime) -> None:
    clock.set(at)
    await post(desk, ALICE, "printer on fire", message_id="root")


async def test_new_ticket_starts_first_response_and_resolution(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Opening starts both clocks, due in business time on the office calendar."""
    await open_at(desk, clock, berlin(24, 10))  # Tuesday 10:00
    found = await clocks(store)
    assert set(found) == {ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION}
    # 4 business hours from 10:00 with lunch 12–13: 15:00.
    assert found[ClockKind.FIRST_RESPONSE].due_at == berlin(24, 15)
    # 3 working days of 7h = 21h: Tue 10–17 (6h), Wed 7h, Thu 7h, Fri 09:00 + 1h = 10:00.
    assert found[ClockKind.RESOLUTION].due_at == berlin(27, 10)


async def test_friday_evening_ticket_is_due_monday(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """A ticket from Friday 18:00 starts counting Monday 09:00."""
    await open_at(desk, clock, berlin(27, 18))
    assert (await clocks(store))[ClockKind.FIRST_RESPONSE].due_at == berlin(30, 14)


async def test_holiday_is_skipped(desk: Desk, store: SqliteStore, clock: FakeClock) -> None:
    """Christmas Day is closed: a Thursday-afternoon ticket is due on the 28th."""
    await open_at(desk, clock, berlin(24, 16, month=12))  # Thu 24 Dec 16:00
    # 1h on Thursday, Friday 25th is a holiday, then Monday 09:00 + 3h = 12:00.
    assert (await clocks(store))[ClockKind.FIRST_RESPONSE].due_at == berlin(28, 12, month=12)


async def test_agent_reply_stops_first_response_with_business_time_used(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """The first public agent reply stops the clock; the time used is business time."""
    await open_at(desk, clock, berlin(24, 11, 30))
    clock.set(berlin(24, 13, 30))  # 30m before lunch + 30m after
    await post(desk, BOB, "on it", place=SUPPORT.in_thread("root"))
    first = (await clocks(store))[ClockKind.FIRST_RESPONSE]
    assert first.stopped_at == berlin(24, 13, 30)
    assert first.used == HOURS
    assert first.due_at is None


async def test_waiting_pauses_and_reply_resumes(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Time waiting on the customer does not count; their reply resumes the clock."""
    await open_at(desk, clock, berlin(24, 9))
    clock.set(berlin(24, 10))
    await run(desk, BOB, "waiting 1")
    paused = (await clocks(store))[ClockKind.RESOLUTION]
    assert (paused.used, paused.running_since, paused.due_at) == (HOURS, None, None)
    clock.set(berlin(25, 9))  # a whole business day later
    await post(desk, ALICE, "here you go", place=SUPPORT.in_thread("root"))
    resumed = (await clocks(store))[ClockKind.RESOLUTION]
    assert resumed.running_since == berlin(25, 9)
    # 21h - 1h used = 20h from Wed 09:00: Wed 7, Thu 7, Fri 09:00 + 6h (lunch) = 16:00.
    assert resumed.due_at == berlin(27, 16)


async def test_customer_message_after_answer_starts_next_response(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """After an answer, the customer's next message starts a next-response cycle."""
    await open_at(desk, clock, berlin(24, 9))
    await post(desk, BOB, "try this", place=SUPPORT.in_thread("root"))
    assert ClockKind.NEXT_RESPONSE not in await clocks(store)
    clock.set(berlin(24, 14))
    await post(desk, ALICE, "didn't work", place=SUPPORT.in_thread("root"))
    following = (await clocks(store))[ClockKind.NEXT_RESPONSE]
    assert following.due_at == berlin(24, 16)
    clock.set(berlin(24, 15))
    await post(desk, BOB, "try that", place=SUPPORT.in_thread("root"))
    assert (await clocks(store))[ClockKind.NEXT_RESPONSE].stopped_at == berlin(24, 15)


async def test_resolve_stops_resolution_and_reopen_resumes_it(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Resolution time is cumulative across a reopen."""
    await open_at(desk, clock, berlin(24, 9))
    clock.set(berlin(24, 11))
    await run(desk, BOB, "resolve 1")
    assert (await clocks(store))[ClockKind.RESOLUTION].used == 2 * HOURS
    clock.set(berlin(24, 14))
    await run(desk, BOB, "reopen 1")
    clock.set(berlin(24, 15))
    await run(desk, BOB, "resolve 1")
    assert (await clocks(store))[ClockKind.RESOLUTION].used == 3 * HOURS


async def test_priority_change_recomputes_due_times(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Urgent counts on 24x7 with 15 minutes: the due time moves, time used stays."""
    await open_at(desk, clock, berlin(24, 16, 30))
    clock.set(berlin(24, 16, 40))
    await run(desk, BOB, "priority 1 urgent")
    first = (await clocks(store))[ClockKind.FIRST_RESPONSE]
    assert first.calendar == "24x7"
    assert first.used == timedelta(minutes=10)
    assert first.due_at == berlin(24, 16, 45)


async def test_ticket_without_policy_still_measures_time(
    store: SqliteStore, clock: FakeClock
) -> None:
    """A priority with no promise has clocks on 24x7 with no due time."""
    desk = Desk(store, clock, builders.settings(sla={}))
    await post(desk, ALICE, "hello", message_id="root")
    first = (await clocks(store))[ClockKind.FIRST_RESPONSE]
    assert (first.calendar, first.target, first.due_at) == ("24x7", None, None)


async def test_why_explains_the_clocks(desk: Desk, clock: FakeClock) -> None:
    """`/ticket why` says what runs, what is paused, what was used and when it's due."""
    await open_at(desk, clock, berlin(24, 10))
    clock.set(berlin(24, 11))
    await run(desk, BOB, "waiting 1")
    text = (await run(desk, BOB, "why 1")).text
    assert "First response (promise 4h of business time, counting on office):" in text
    assert "paused because the ticket waits on the customer; 1h of business time used" in text
    assert "Calendar office: Mon–Fri 09:00–12:00, 13:00–17:00 (Europe/Berlin), 1 holiday" in text


async def test_why_shows_due_times_in_the_calendars_timezone(desk: Desk, clock: FakeClock) -> None:
    """Due times are written in the zone the calendar's hours are in (Berlin here)."""
    await open_at(desk, clock, berlin(24, 10))
    text = (await run(desk, BOB, "why 1")).text
    assert "due Tue 24 Nov 15:00 CET" in text
