"""Migration 0016 counts the backlog's events a database already holds into `flow_counts`,
and names each clock's workspace."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from handlers.digest.rows import FlowCount, StoppedSummary, Window
from storage import search
from storage.database import migrations, statements
from storage.store import SqliteStore

OPENED_AT = ("2026-11-23T23:59:59.999999Z", "2026-11-24T00:00:00.000000Z")


def _older_database(path: Path) -> None:
    """A database migrated up to the step before 0016, with tickets in two workspaces."""
    raw = sqlite3.connect(path, isolation_level=None)
    search.register(raw)  # migration 0007 indexes tickets through it
    for number, script in migrations():
        if number >= 16:
            break
        for statement in statements(script):
            raw.execute(statement)
        raw.execute(f"PRAGMA user_version = {number}")
    for number, (workspace, at) in enumerate(
        [
            ("console:one", OPENED_AT[0]),
            ("console:one", OPENED_AT[1]),
            ("console:two", OPENED_AT[1]),
        ]
    ):
        raw.execute(
            "INSERT INTO tickets (id, workspace, channel, thread, customer_key, customer_name,"
            " subject, body, status, priority, created_at, updated_at)"
            " VALUES (?, ?, 'support', ?, 'console:alice', 'alice', 's', 'b', 'open', 'normal',"
            " ?, ?)",
            (number + 1, workspace, str(number), at, at),
        )
        raw.execute(
            "INSERT INTO events (ticket_id, kind, at) VALUES (?, 'opened', ?)", (number + 1, at)
        )
        raw.execute(
            "INSERT INTO sla_clocks (ticket_id, kind, calendar, target_seconds, started_at,"
            " used_seconds, stopped_at) VALUES (?, 'first_response', '24x7', 60, ?, ?, ?)",
            (number + 1, at, number + 1.0, at),
        )
    raw.close()


async def test_events_recorded_before_the_rollup_are_counted_after_migrating(
    tmp_path: Path,
) -> None:
    """Each workspace's day counts its own events, on the side of midnight they fell on."""
    path = tmp_path / "old.db"
    _older_database(path)
    midnight = datetime(2026, 11, 24, tzinfo=UTC)
    windows = [Window(midnight - timedelta(days=1), midnight), Window(midnight)]
    async with await SqliteStore.open(path) as store:
        one = await store.report(lambda r: r.flows(windows), "console:one")
        two = await store.report(lambda r: r.flows(windows), "console:two")
    assert sorted(one, key=lambda flow: flow.window) == [
        FlowCount(0, "opened", 1),
        FlowCount(1, "opened", 1),
    ]
    assert two == [FlowCount(1, "opened", 1)]


async def test_clocks_stored_before_the_migration_count_for_their_workspace(
    tmp_path: Path,
) -> None:
    """A workspace's clocks stopped in a period are its own, found after migrating."""
    path = tmp_path / "old.db"
    _older_database(path)
    window = Window(datetime(2026, 11, 23, tzinfo=UTC))
    async with await SqliteStore.open(path) as store:
        one = await store.report(lambda r: r.stopped_summary(window), "console:one")
        two = await store.report(lambda r: r.stopped_summary(window), "console:two")
    assert [replace(found, seconds=tuple(sorted(found.seconds))) for found in one] == [
        StoppedSummary("first_response", 2, 0, (1.0, 2.0))
    ]
    assert two == [StoppedSummary("first_response", 1, 0, (3.0,))]
