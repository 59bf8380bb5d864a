"""The reports port: a separate read-only connection, index-driven queries, digest records."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from handlers.desk import Desk
from handlers.digest.rows import FlowCount, Window
from storage import reports
from storage.store import SqliteStore
from tests.builders import ALICE, message, open_ticket
from tests.clock import START, FakeClock


async def test_report_sees_one_snapshot_and_not_uncommitted_writes(
    store: SqliteStore, db_path: Path
) -> None:
    """A write in progress elsewhere neither blocks a report nor shows up in it."""
    writer = sqlite3.connect(db_path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO events (kind, at) VALUES ('opened', '2026-01-01T00:00:00Z')")
        found = await store.report(lambda r: r.flows([Window(START - timedelta(days=9999))]))
        writer.execute("ROLLBACK")
    finally:
        writer.close()
    assert found == []


async def test_long_report_does_not_block_intake(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """While a report holds its read transaction, customers' messages are still recorded."""
    started, release = threading.Event(), threading.Event()

    def slow(r: reports.SqliteReports) -> list[FlowCount]:
        before = r.flows([Window(START - timedelta(days=1))])
        started.set()
        release.wait(timeout=10)
        return before + r.flows([Window(START - timedelta(days=1))])

    report = asyncio.create_task(store.report(slow))
    await asyncio.to_thread(started.wait, 10)
    # Intake alone: the similar tickets it then looks for beside it wait for the report.
    received = await asyncio.wait_for(desk.receive(message(ALICE, "printer on fire")), timeout=5)
    release.set()
    assert await report == []  # both reads saw the snapshot from before the ticket
    assert received.ticket_id == 1


async def test_report_connection_refuses_writes(store: SqliteStore) -> None:
    """The reports connection is read-only: a stray write fails instead of taking the lock."""

    def write(r: reports.SqliteReports) -> None:
        r._raw.execute("INSERT INTO leases VALUES ('x', 'y', 'z')")

    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await store.report(write)


async def test_report_connection_is_opened_once_and_closed_with_the_store(db_path: Path) -> None:
    """Concurrent first reports share one connection; closing the store closes it."""
    store = await SqliteStore.open(db_path)
    threads = threading.active_count()  # each aiosqlite connection runs on its own thread
    await asyncio.gather(*(store.report(lambda r: r.last_digest()) for _ in range(5)))
    assert threading.active_count() == threads + 1
    reader = store._reader
    assert reader is not None
    await store.close()
    assert store._reader is None
    with pytest.raises(ValueError, match="no active connection"):
        await reader.run(lambda raw: raw.execute("SELECT 1"))


async def test_flows_windows_are_half_open(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """An event at a window's start counts in it; one at its end counts in the next."""
    await open_ticket(desk)
    windows = [
        Window(START - timedelta(hours=1), START),
        Window(START, START + timedelta(hours=1)),
        Window(START + timedelta(hours=1)),
    ]
    found = await store.report(lambda r: r.flows(windows))
    assert found == [FlowCount(1, "opened", 1)]


QUERIES = {
    name: getattr(reports, name)
    for name in (
        "FLOWS",
        "ROLLED_FLOWS",
        "ACTIVE",
        "OLDEST_ACTIVE",
        "STOPPED_CLOCKS",
        "STOPPED_SUMMARY",
        "MISSED_UNSTOPPED",
        "RISK",
        "AGENT_ACTIVITY",
    )
}


@pytest.mark.parametrize("workspace", [False, True], ids=["desk", "workspace"])
@pytest.mark.parametrize("name", sorted(QUERIES))
async def test_report_queries_never_scan_a_whole_table(
    store: SqliteStore, name: str, workspace: bool
) -> None:
    """Each query reads index ranges or the small partial indexes: a million closed tickets
    cost it nothing. (A `SCAN` of a table, or of an index that is not partial, fails this.)"""
    sql = reports.scoped(QUERIES[name], workspace)
    names = set(re.findall(r":(\w+)", sql))
    params = {name: "2026-01-01T00:00:00.000000Z" for name in names} | {"windows": "[]"}
    plan = await store.database.run(
        lambda raw: [row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    )
    # Scanning a partial index reads only the few rows it holds; CTEs and subqueries are
    # the queries' own small intermediate results.
    small = (
        "USING COVERING INDEX tickets_active",
        "USING INDEX tickets_active",
        "USING COVERING INDEX sla_clocks_open_breaches",
        "json_each",
        "subquery",
    )
    own = {"SCAN active", "SCAN flags"}
    scans = [
        step
        for step in plan
        if step.startswith("SCAN ") and step not in own and not any(ok in step for ok in small)
    ]
    assert scans == [], plan


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_report_queries_bind_event_kinds_as_parameters(name: str) -> None:
    """An audit event's kind is compared and labelled with parameters bound from `EventKind`,
    never spelled in the SQL, so the enum is the one place that names the kinds."""
    sql = QUERIES[name]
    compared = re.findall(r"e\.kind\s*(?:=|IN)\s*\(?\s*(\S+)", sql)
    assert [word for word in compared if not word.startswith(":")] == []
    assert re.findall(r"'\w+' AS kind|kind WHEN '", sql) == []
