"""Timers at scale: 100,000 open tickets with reminder steps, measured against a baseline.

    .venv/bin/python bench/timers.py [--tickets 100000] [--due 10000] [--dir PATH]

The tickets go through the real intake (in batches of 1,000 per transaction, to build the
file quickly) with escalations on, so each open ticket carries its pending steps: the
unclaimed reminder, warnings and breach escalations for first response and resolution.
Then, in the same run:

- the cost of a sweep with nothing due, against the same store's cheapest round trip
  (an empty read transaction): the sweep's own overhead is the difference; and the cost of
  the lease holder's once-a-second look for due times other processes wrote, when none did;
- the time to fire `--due` steps due at once (each re-reads its ticket, queues a reminder,
  marks the step done and plans the next round), against raw `sqlite3` writing the same
  number of rows in transactions of the same size;
- process memory (RSS) of a fresh process that opens the database, takes the lease and
  sweeps, with 0 and with all the open tickets: due times live in SQLite, not in memory.

With `--store postgres` the same runs on PostgreSQL (defaults: 20,000 tickets, 2,000 due),
against psycopg writing as many rows in transactions of the same size. Without `--url` a
throwaway cluster is started (fsync on) from the tests' helper; with `--url` the bench
creates its databases there (it needs CREATEDB) and drops them after.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from bot.leadership import Leadership
from bot.scheduler import Scheduler
from handlers import intake
from handlers.models import Inbound, InboundKind, Person, Place, Priority
from handlers.settings import (
    DeskSettings,
    EscalationSettings,
    PlatformPlaces,
    Reminder,
    SlaPolicy,
    SlaSpan,
)
from handlers.sla.calendar import BusinessCalendar
from storage.postgres.database import READ
from storage.postgres.store import PostgresStore
from storage.store import SqliteStore

START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
BATCH = 500
SUPPORT = Place("console:local", "support")


Where = Path | str  # a SQLite file, or a PostgreSQL URL


async def open_store(where: Where) -> SqliteStore | PostgresStore:
    if isinstance(where, str):
        return await PostgresStore.open(where)
    return await SqliteStore.open(where)


async def count(store: SqliteStore | PostgresStore, query: str) -> int:
    if isinstance(store, PostgresStore):
        found = await store.database.run(READ, lambda c: c.execute(query.encode()).fetchone())
    else:
        found = await store.read(lambda tx: tx._raw.execute(query).fetchone())
    assert found is not None
    return int(found[0])


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def settings() -> DeskSettings:
    hour = timedelta(hours=1)
    return DeskSettings(
        places={"console": PlatformPlaces(frozenset({"support"}), "triage", "leads")},
        sla={
            Priority.NORMAL: SlaPolicy(
                BusinessCalendar.always_open(),
                first_response=SlaSpan(0, 4 * hour),
                resolution=SlaSpan(3, timedelta()),
            )
        },
        escalation=EscalationSettings(
            unclaimed=Reminder(timedelta(minutes=30), hour, 3),
            warn_at=0.8,
            breach=Reminder(timedelta(), 2 * hour, 3),
        ),
    )


def message(number: int) -> Inbound:
    customer = Person("console", f"c{number % 997}", f"c{number % 997}")
    return Inbound(
        InboundKind.POSTED, f"bench:{number}", SUPPORT, f"m{number}", customer, "printer on fire"
    )


async def build(path: Where, tickets: int, due: int) -> None:
    """`due` tickets opened at START, the rest a day later: only the first are due soon."""
    desk_settings = settings()
    async with await open_store(path) as store:
        # Batches of 1,000 per transaction, split where the due tickets end.
        stops = sorted({*range(0, tickets, 1000), min(due, tickets), tickets})
        for first, stop in itertools.pairwise(stops):
            opened = START if first < due else START + timedelta(days=1)
            numbers = range(first, stop)
            await store.transact(
                lambda tx, numbers=numbers, opened=opened: [
                    intake.receive(tx, message(n), opened, desk_settings) for n in numbers
                ]
            )


async def sweep_costs(path: Where, rounds: int) -> tuple[float, float, float]:
    """Median seconds of an empty read transaction, a sweep with nothing due, and the
    holder's once-a-second look for other processes' writes when there were none."""
    async with await open_store(path) as store:
        clock = FixedClock(START)
        leadership = Leadership(store, clock)
        await leadership.renew()
        scheduler = Scheduler(store, clock, settings(), leadership)
        empty, sweeps, looks = [], [], []
        await scheduler.watch()  # the first look reads the earliest due time; later ones don't
        for _ in range(rounds):
            begin = time.perf_counter()
            await store.read(lambda tx: None)
            empty.append(time.perf_counter() - begin)
            begin = time.perf_counter()
            fired = await scheduler.sweep()
            sweeps.append(time.perf_counter() - begin)
            assert fired == 0
            begin = time.perf_counter()
            await scheduler.watch()
            looks.append(time.perf_counter() - begin)
        return statistics.median(empty), statistics.median(sweeps), statistics.median(looks)


async def fire_all(path: Where, expected: int) -> float:
    """Seconds to fire every step due 31 minutes after START (the unclaimed reminders)."""
    async with await open_store(path) as store:
        clock = FixedClock(START + timedelta(minutes=31))
        leadership = Leadership(store, clock)
        await leadership.renew()
        scheduler = Scheduler(store, clock, settings(), leadership, batch=BATCH)
        begin = time.perf_counter()
        fired = await scheduler.sweep()
        elapsed = time.perf_counter() - begin
        assert fired == expected, f"expected {expected} due steps, fired {fired}"
        queued = await count(store, "SELECT count(*) FROM outbox WHERE kind = 'reminder'")
        assert queued == expected
        return elapsed


def raw_rows(path: Path, count: int) -> float:
    """Seconds for raw sqlite3 to write `count` rows in transactions of BATCH rows."""
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = NORMAL")
    raw.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, payload TEXT)")
    begin = time.perf_counter()
    for first in range(0, count, BATCH):
        raw.execute("BEGIN")
        raw.executemany(
            "INSERT INTO rows (payload) VALUES (?)",
            [("reminder " * 10,)] * min(BATCH, count - first),
        )
        raw.execute("COMMIT")
    elapsed = time.perf_counter() - begin
    raw.close()
    return elapsed


def rss_of_sweeping_process(path: Where) -> int:
    """Resident memory (KiB) of a fresh process that opens `path`, leads and sweeps."""
    result = subprocess.run(
        [sys.executable, __file__, "--rss", str(path)], check=True, capture_output=True, text=True
    )
    return int(json.loads(result.stdout)["rss_kib"])


async def measure_rss(path: Where) -> None:
    async with await open_store(path) as store:
        clock = FixedClock(START - timedelta(days=1))
        leadership = Leadership(store, clock)
        await leadership.renew()
        await Scheduler(store, clock, settings(), leadership).sweep()


def print_rss() -> None:
    status = Path("/proc/self/status").read_text()
    rss = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
    print(json.dumps({"rss_kib": int(rss)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=None, help="100,000 (20,000 on postgres)")
    parser.add_argument("--due", type=int, default=None, help="10,000 (2,000 on postgres)")
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--rss", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--url", default=None, help="PostgreSQL server to use (CREATEDB)")
    args = parser.parse_args()
    if args.rss is not None:
        where = args.rss if args.rss.startswith("postgresql://") else Path(args.rss)
        asyncio.run(measure_rss(where))
        print_rss()
        return
    if args.store == "postgres":
        postgres_main(args)
        return
    args.tickets, args.due = args.tickets or 100_000, args.due or 10_000
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        empty_db, full_db = Path(folder) / "empty.db", Path(folder) / "full.db"
        asyncio.run(build(empty_db, 0, 0))
        begin = time.perf_counter()
        asyncio.run(build(full_db, args.tickets, args.due))
        built = time.perf_counter() - begin
        (pending,) = (
            sqlite3.connect(full_db)
            .execute("SELECT count(*) FROM timers WHERE state = 'pending'")
            .fetchone()
        )
        empty_read, idle_sweep, idle_look = asyncio.run(sweep_costs(full_db, 200))
        rss_empty, rss_full = rss_of_sweeping_process(empty_db), rss_of_sweeping_process(full_db)
        baseline = raw_rows(Path(folder) / "raw.db", args.due)
        fired = asyncio.run(fire_all(full_db, args.due))
    print(
        f"open tickets:        {args.tickets:,} with {pending:,} pending steps"
        f" (built in {built:.0f}s)"
    )
    print(
        f"idle sweep:          {idle_sweep * 1e3:.2f} ms median; empty read transaction"
        f" {empty_read * 1e3:.2f} ms; ratio {idle_sweep / empty_read:.1f}"
    )
    print(
        f"idle watch:          {idle_look * 1e3:.3f} ms median (the holder's look, every second,"
        f" for other processes' writes); ratio to the empty read {idle_look / empty_read:.2f}"
    )
    print(
        f"{args.due:,} steps due:   fired in {fired:.2f}s ({args.due / fired:,.0f} steps/s);"
        f" raw sqlite3 writing as many rows: {baseline:.3f}s; ratio {fired / baseline:.0f}"
    )
    print(
        f"memory (RSS):        {rss_empty / 1024:.1f} MiB with 0 tickets,"
        f" {rss_full / 1024:.1f} MiB with {args.tickets:,}"
        f" (+{(rss_full - rss_empty) / 1024:.1f} MiB: SQLite's page cache, not per ticket)"
    )


def postgres_rows(url: str, count: int) -> float:
    """Seconds for psycopg to write `count` rows in transactions of BATCH rows."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE TABLE rows (id bigserial PRIMARY KEY, payload text)")
        begin = time.perf_counter()
        for first in range(0, count, BATCH):
            with connection.transaction(), connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO rows (payload) VALUES (%s)",
                    [("reminder " * 10,)] * min(BATCH, count - first),
                )
        return time.perf_counter() - begin


def postgres_main(args: argparse.Namespace) -> None:
    from intake import postgres_server  # the intake bench, beside this one

    tickets, due = args.tickets or 20_000, args.due or 2_000
    with postgres_server(args.url) as database:
        empty, full = database("deskbot_timers_empty"), database("deskbot_timers_full")
        asyncio.run(build(empty, 0, 0))
        begin = time.perf_counter()
        asyncio.run(build(full, tickets, due))
        built = time.perf_counter() - begin
        empty_read, idle_sweep, idle_look = asyncio.run(sweep_costs(full, 200))
        rss_empty, rss_full = rss_of_sweeping_process(empty), rss_of_sweeping_process(full)
        baseline = postgres_rows(database("deskbot_timers_raw"), due)
        fired = asyncio.run(fire_all(full, due))
    print(f"open tickets:        {tickets:,} on PostgreSQL (built in {built:.0f}s)")
    print(
        f"idle sweep:          {idle_sweep * 1e3:.2f} ms median; empty read transaction"
        f" {empty_read * 1e3:.2f} ms; ratio {idle_sweep / empty_read:.1f}"
    )
    print(f"idle watch:          {idle_look * 1e3:.3f} ms median (LISTEN/NOTIFY: no query)")
    print(
        f"{due:,} steps due:    fired in {fired:.2f}s ({due / fired:,.0f} steps/s);"
        f" psycopg writing as many rows: {baseline:.3f}s; ratio {fired / baseline:.0f}"
    )
    print(
        f"memory (RSS):        {rss_empty / 1024:.1f} MiB with 0 tickets,"
        f" {rss_full / 1024:.1f} MiB with {tickets:,}"
    )


if __name__ == "__main__":
    main()
