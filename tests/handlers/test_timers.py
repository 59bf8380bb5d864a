"""Reminders, escalations and follow-ups: each fires once, at the right moment, or not at all."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.outbox import OutboxWorker
from handlers import timers
from handlers.desk import Desk
from handlers.models import Priority, Status
from handlers.settings import (
    DeskSettings,
    EscalationSettings,
    FollowupSettings,
    Reminder,
    RoleMembers,
    SlaPolicy,
    SlaSpan,
)
from handlers.sla.calendar import BusinessCalendar
from storage.store import SqliteStore
from tests import builders
from tests.builders import ALICE, BOB, SUPPORT, post, rows, run
from tests.clock import FakeClock
from tests.conftest import OpenStore
from tests.sending import RecordingSender

# These exercise the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

HOUR = timedelta(hours=1)


def escalating(**overrides: object) -> DeskSettings:
    """Unclaimed after 30m (hourly, 3 times), warn at 80%, breach (every 2h, twice), idle 4h,
    nudge the customer after 2 days and resolve after 5; normal = 4h first response, 24x7."""
    values: dict[str, object] = {
        "agents": RoleMembers(
            frozenset({"console:bob", "console:erin"}), frozenset({"console:support-team"})
        ),
        "escalation": EscalationSettings(
            unclaimed=Reminder(timedelta(minutes=30), HOUR, 3),
            warn_at=0.8,
            breach=Reminder(timedelta(), 2 * HOUR, 2),
            idle=4 * HOUR,
        ),
        "followup": FollowupSettings(
            nudge_after=timedelta(days=2), resolve_after=timedelta(days=5)
        ),
        "sla": {
            Priority.NORMAL: SlaPolicy(
                BusinessCalendar.always_open(), first_response=SlaSpan(0, 4 * HOUR)
            )
        },
    }
    values.update(overrides)
    return builders.settings(**values)


@pytest.fixture
def settings() -> DeskSettings:
    return escalating()


async def sweep(store: SqliteStore, clock: FakeClock, settings: DeskSettings) -> int:
    return await store.transact(lambda tx: timers.fire_due(tx, clock.now(), settings))


async def reminders(store: SqliteStore) -> list[tuple[str, str, str]]:
    """(kind, channel, text) of every reminder or escalation queued, oldest first."""
    found = await rows(
        store,
        "SELECT kind, channel, payload FROM outbox"
        " WHERE kind IN ('reminder', 'escalation') ORDER BY id",
    )
    return [
        (str(kind), str(channel), json.loads(str(payload))["text"])
        for kind, channel, payload in found
    ]


async def open_ticket(desk: Desk) -> None:
    await post(desk, ALICE, "printer on fire", message_id="root")


async def test_unclaimed_ticket_reminds_agents_after_the_delay(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """30 minutes unclaimed: one reminder in triage, mentioning the agents' group."""
    await open_ticket(desk)
    clock.advance(minutes=29)
    assert await sweep(store, clock, settings) == 0
    clock.advance(minutes=1)
    await sweep(store, clock, settings)
    ((kind, channel, text),) = await reminders(store)
    assert (kind, channel) == ("reminder", "triage")
    assert "has waited 30m with nobody on it" in text
    mentions = await rows(store, "SELECT payload FROM outbox WHERE kind = 'reminder'")
    assert json.loads(str(mentions[0][0]))["mentions"] == [["group", "support-team"]]


async def test_unclaimed_reminder_repeats_up_to_its_maximum(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Hourly after the first, three in all, then silence."""
    await open_ticket(desk)
    for _ in range(10):
        clock.advance(minutes=30)
        await sweep(store, clock, settings)
    unclaimed = [r for r in await reminders(store) if "nobody on it" in r[2]]
    assert len(unclaimed) == 3


async def test_claim_cancels_the_pending_reminder(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Claimed before the delay: nothing is sent, the step is cancelled."""
    await open_ticket(desk)
    clock.advance(minutes=10)
    await run(desk, BOB, "claim 1")
    clock.advance(minutes=30)
    await sweep(store, clock, settings)
    assert [r for r in await reminders(store) if "nobody on it" in r[2]] == []
    assert await rows(store, "SELECT state FROM timers WHERE step = 'unclaimed'") == [
        ("cancelled",)
    ]


async def test_warning_before_breach_goes_to_the_holder_privately(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """At 80% of the first-response promise, the holder is reminded by direct message."""
    await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    clock.advance(hours=3, minutes=11)  # 80% of 4h is 3h12m
    await sweep(store, clock, settings)
    assert not [r for r in await reminders(store) if "will break" in r[2]]
    clock.advance(minutes=1)
    await sweep(store, clock, settings)
    warned = await rows(
        store, "SELECT payload FROM outbox WHERE CAST(payload AS TEXT) LIKE '%will break%'"
    )
    payload = json.loads(str(warned[0][0]))
    assert payload["direct_to"] == "bob"
    assert "first response promise" in payload["text"]


async def test_breach_escalates_to_leads_and_repeats_with_a_limit(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """At the due time the leads hear of it, again 2h later, then no more."""
    await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    for _ in range(12):
        clock.advance(hours=1)
        await sweep(store, clock, settings)
    breaches = [r for r in await reminders(store) if r[0] == "escalation"]
    assert [channel for _, channel, _ in breaches] == ["leads", "leads"]
    assert "broke its first response promise" in breaches[0][2]
    assert "(still)" in breaches[1][2]
    breached = await rows(store, "SELECT breached_at FROM sla_clocks WHERE kind = 'first_response'")
    assert breached[0][0] is not None


async def test_reply_before_the_due_time_cancels_the_breach(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """An agent's answer stops the clock: no warning, no escalation."""
    await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    clock.advance(hours=1)
    await post(desk, BOB, "on it", place=SUPPORT.in_thread("root"))
    clock.advance(hours=6)
    await sweep(store, clock, settings)
    assert [r for r in await reminders(store) if r[0] == "escalation"] == []


async def test_idle_claimed_ticket_nudges_its_holder(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Claimed and untouched for 4h: the holder is nudged once; activity restarts the wait."""
    settings = escalating(escalation=EscalationSettings(idle=4 * HOUR))
    desk = Desk(store, clock, settings)
    await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    clock.advance(hours=3)
    await run(desk, BOB, "note 1 still digging")
    clock.advance(hours=3, minutes=59)
    await sweep(store, clock, settings)
    assert await reminders(store) == []
    clock.advance(minutes=1)
    await sweep(store, clock, settings)
    clock.advance(hours=10)
    await sweep(store, clock, settings)
    (reminder,) = await reminders(store)
    assert "nothing has happened on it for 4h" in reminder[2]


async def test_waiting_ticket_nudges_customer_then_resolves(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Two days waiting: a nudge in the thread; five days: resolved, with how to reopen."""
    await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    await run(desk, BOB, "waiting 1")
    clock.advance(days=2)
    await sweep(store, clock, settings)
    nudges = [r for r in await reminders(store) if "waiting for your reply" in r[2]]
    assert [channel for _, channel, _ in nudges] == ["support"]
    clock.advance(days=3)
    await sweep(store, clock, settings)
    ticket = await desk.ticket(1)
    assert ticket is not None and ticket.status is Status.RESOLVED
    notes = await rows(
        store, "SELECT payload FROM outbox WHERE CAST(payload AS TEXT) LIKE '%haven''t heard%'"
    )
    assert "within 7d to reopen it" in str(notes[0][0])
    assert await rows(store, "SELECT data FROM events WHERE kind = 'resolved'") == [
        ('{"from": "waiting", "to": "resolved", "auto": true}',)
    ]


async def test_customer_reply_cancels_the_nudge(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """The customer answered: no nudge, no automatic resolution."""
    await open_ticket(desk)
    await run(desk, BOB, "claim 1")
    await run(desk, BOB, "waiting 1")
    clock.advance(days=1)
    await post(desk, ALICE, "here it is", place=SUPPORT.in_thread("root"))
    clock.advance(days=6)
    await sweep(store, clock, settings)
    assert [r for r in await reminders(store) if "waiting for your reply" in r[2]] == []
    ticket = await desk.ticket(1)
    assert ticket is not None and ticket.status is Status.CLAIMED


async def test_overdue_steps_after_downtime_fire_exactly_once(
    open_store: OpenStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Down for a day: on restart each overdue step fires once, not once per missed hour."""
    async with await open_store() as store:
        await open_ticket(Desk(store, clock, settings))
    clock.advance(days=1)
    async with await open_store() as store:
        await sweep(store, clock, settings)
        await sweep(store, clock, settings)
        unclaimed = [r for r in await reminders(store) if "nobody on it" in r[2]]
        escalations = [r for r in await reminders(store) if r[0] == "escalation"]
    assert len(unclaimed) == 1
    assert len(escalations) == 1


async def test_quiet_hours_hold_agent_reminders_until_the_calendar_opens(
    store: SqliteStore, clock: FakeClock
) -> None:
    """An unclaimed reminder due at night waits for 09:00; escalations to leads don't."""
    office = BusinessCalendar.parse(
        "office", "UTC", {"tue": ["09:00-17:00"], "wed": ["09:00-17:00"]}
    )
    settings = escalating(
        escalation=EscalationSettings(unclaimed=Reminder(timedelta(minutes=30)), quiet_hours=office)
    )
    desk = Desk(store, clock, settings)
    clock.set(clock.now().replace(hour=20))
    await open_ticket(desk)
    clock.advance(hours=1)
    await sweep(store, clock, settings)
    assert await reminders(store) == []
    due = await rows(store, "SELECT due_at FROM timers WHERE step = 'unclaimed'")
    assert str(due[0][0]).startswith("2026-11-25T09:00:00")
    clock.set(clock.now().replace(day=25, hour=9))
    await sweep(store, clock, settings)
    assert len(await reminders(store)) == 1


async def test_reminder_is_rechecked_right_before_sending(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """A reminder queued but not yet sent is dropped if the ticket was claimed meanwhile."""
    await open_ticket(desk)
    clock.advance(minutes=30)
    await sweep(store, clock, settings)
    await run(desk, BOB, "claim 1")
    console = RecordingSender()
    await OutboxWorker(store, clock, {"console": console}).drain()
    sent = console.texts()
    assert not [text for text in sent if "nobody on it" in text]
    assert await rows(store, "SELECT status, last_error FROM outbox WHERE kind = 'reminder'") == [
        ("superseded", "no longer relevant when its turn came")
    ]


async def test_every_fired_step_is_audited(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """The audit log shows each reminder step that fired."""
    await open_ticket(desk)
    clock.advance(minutes=30)
    await sweep(store, clock, settings)
    assert await rows(store, "SELECT data FROM events WHERE kind = 'reminder'") == [
        ('{"step": "unclaimed", "round": 0}',)
    ]
