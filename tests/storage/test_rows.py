"""Rows: typed timer steps and reminder guards are stored as the strings they always were."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from handlers.desk import Desk
from handlers.models import (
    ClockKind,
    Condition,
    Guard,
    Notice,
    NoticeKind,
    Step,
    StepKind,
)
from storage import rows
from storage.store import SqliteStore
from tests.builders import SUPPORT, open_ticket
from tests.clock import START

FIRED = datetime(2026, 11, 24, 10, 0, 12, 345678, tzinfo=UTC)
GUARDS = [
    Guard(Condition.UNCLAIMED),
    *(Guard(Condition.CLOCK, clock) for clock in ClockKind),
    Guard(Condition.IDLE, fired_at=FIRED),
    Guard(Condition.WAITING, fired_at=FIRED),
]


@pytest.mark.parametrize("step", Step.every(), ids=rows.step_text)
def test_every_step_round_trips_through_its_column(step: Step) -> None:
    """Each step there can be is written as one string and read back as the same step."""
    assert rows.step(rows.step_text(step)) == step


@pytest.mark.parametrize("guard", GUARDS, ids=rows.guard_text)
def test_every_guard_round_trips_through_its_column(guard: Guard) -> None:
    """Each kind of guard is written as one string and read back as the same guard."""
    assert rows.guard(rows.guard_text(guard)) == guard


@pytest.mark.parametrize(
    ("text", "step"),
    [
        ("unclaimed", Step(StepKind.UNCLAIMED)),
        ("warn:first_response", Step(StepKind.WARN, ClockKind.FIRST_RESPONSE)),
        ("warn:next_response", Step(StepKind.WARN, ClockKind.NEXT_RESPONSE)),
        ("breach:resolution", Step(StepKind.BREACH, ClockKind.RESOLUTION)),
        ("idle", Step(StepKind.IDLE)),
        ("nudge", Step(StepKind.NUDGE)),
        ("auto_resolve", Step(StepKind.AUTO_RESOLVE)),
    ],
)
def test_steps_written_by_earlier_versions_read_back(text: str, step: Step) -> None:
    """The step strings earlier versions stored read as typed steps, and are written again
    exactly as they were: no migration is needed."""
    assert rows.step(text) == step
    assert rows.step_text(step) == text


@pytest.mark.parametrize(
    ("text", "guard"),
    [
        ("unclaimed", Guard(Condition.UNCLAIMED)),
        ("clock:first_response", Guard(Condition.CLOCK, ClockKind.FIRST_RESPONSE)),
        ("clock:resolution", Guard(Condition.CLOCK, ClockKind.RESOLUTION)),
        ("idle@2026-11-24T10:00:00+00:00", Guard(Condition.IDLE, fired_at=START)),
        (
            "waiting@2026-11-24T10:00:12.345678+00:00",
            Guard(Condition.WAITING, fired_at=FIRED),
        ),
    ],
)
def test_guards_written_by_earlier_versions_read_back(text: str, guard: Guard) -> None:
    """The guard strings earlier versions stored in queued notices read as typed guards,
    and are written again exactly as they were."""
    assert rows.guard(text) == guard
    assert rows.guard_text(guard) == text


@pytest.mark.parametrize("text", ["later", "warn", "idle:first_response", "warn:lunch"])
def test_a_step_no_version_wrote_is_refused_with_a_sentence(text: str) -> None:
    """A step column that names no step fails loudly, naming what it found."""
    with pytest.raises(ValueError, match=f"No timer step is stored as {text!r}"):
        rows.step(text)


@pytest.mark.parametrize("text", ["later", "clock", "clock:lunch", "idle@yesterday"])
def test_a_guard_no_version_wrote_is_refused_with_a_sentence(text: str) -> None:
    """A guard that names no condition, clock or time fails loudly, naming what it found."""
    with pytest.raises(ValueError, match=f"No reminder guard is stored as {text!r}"):
        rows.guard(text)


def test_a_step_of_a_clock_needs_its_clock() -> None:
    """Warnings and breaches name their clock; the other steps name none."""
    with pytest.raises(ValueError, match="A step of kind warn needs a clock"):
        Step(StepKind.WARN)
    with pytest.raises(ValueError, match="A step of kind unclaimed takes no clock"):
        Step(StepKind.UNCLAIMED, ClockKind.RESOLUTION)


async def test_rows_written_by_earlier_versions_are_read_by_the_store(
    desk: Desk, store: SqliteStore
) -> None:
    """A timer row and a queued reminder stored as strings come out of storage typed."""
    ticket_id = await open_ticket(desk)
    due = rows.to_db(START + timedelta(minutes=5))
    payload = '{"text": "still there?", "guard": "waiting@2026-11-24T10:00:00+00:00"}'

    def write_as_before(raw: sqlite3.Connection) -> None:
        raw.execute("DELETE FROM timers")
        raw.execute(
            "INSERT INTO timers (ticket_id, step, round, due_at) VALUES (?, ?, 0, ?)",
            (ticket_id, "breach:first_response", due),
        )
        raw.execute(
            "INSERT INTO outbox (kind, workspace, channel, ticket_id, payload, next_attempt_at,"
            " created_at) VALUES ('reminder', ?, 'elsewhere', ?, ?, ?, ?)",
            (SUPPORT.workspace, ticket_id, payload, due, due),
        )

    await store.database.run(write_as_before)
    timers = await store.read(lambda tx: tx.due_timers(START + timedelta(hours=1), 10))
    assert [timer.step for timer in timers] == [Step(StepKind.BREACH, ClockKind.FIRST_RESPONSE)]
    queued = await store.read(lambda tx: tx.due_notices(START + timedelta(hours=1), 10))
    reminder: Notice = next(q.notice for q in queued if q.notice.kind is NoticeKind.REMINDER)
    assert reminder.guard == Guard(Condition.WAITING, fired_at=START)
