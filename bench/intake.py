"""Intake throughput: customer messages through the full intake path, against a bare write.

    .venv/bin/python bench/intake.py [--messages 20000] [--dir PATH]
    .venv/bin/python bench/intake.py --store postgres [--url URL] [--messages 5000]

Each message goes through `Desk.receive`: dedupe key, ticket, conversation message, audit
event and two outbox notices (ack and triage card), one transaction each, on a real file
with the production pragmas. Delivery is off, so this measures the desk, not a platform.

The baseline, measured in the same run on the same disk with the same pragmas, is the
cheapest durable write SQLite offers: one single-row INSERT and COMMIT per message through
the standard `sqlite3` module on the calling thread. The ratio says what the desk costs
on top of that, whatever the machine is doing. Each run is repeated without the search
index (no index writes, no similar tickets looked for), alternating, and the median rates
are compared: the index's cost on intake, target within 15 %. A run ends when the desk has
also looked for every ticket's similar tickets (beside the writer) and written the index's
last batch; the CPU the process spent is compared too, steadier than time on a shared
machine. The bench's tickets are never resolved, so the similar-tickets look finds nothing
solved and stops at its first look; its cost over a large desk is bench/search.py's.

Measured on a shared 2-core machine, 5,000 messages a run, three runs each, back to back:
before (the index written in every unit, the similar query run in it) 0.48 of the rate
without the index one at a time, 0.52 with 32 in flight; after (documents queued and
written a batch at a time, similar tickets found beside the writer) 0.94 and 0.83 in one
run (0.90 and 0.82 by CPU), 0.92 and 0.93 in the next (0.92 and 0.92 by CPU); with text
cut by a plain pattern when it holds no ideographs, 0.90 and 0.94, then 0.91 and 0.88
(0.91 and 0.86 by CPU).

With `--store postgres` the same path runs on PostgreSQL, with one deskbot instance and
with two (two stores, each its own pool, sharing the burst), against a bare single-row
INSERT and COMMIT through psycopg on the same server in the same run. Without `--url` a
throwaway cluster is started (durable settings: fsync on) from the tests' helper; with
`--url` the bench creates its databases there (it needs CREATEDB) and drops them after.
Each PostgreSQL run is followed by the same run without the search index, compared alike:
0.56-0.83 of its rate while every unit wrote its documents; 0.82-1.06 across one and two
instances once units queued them for the indexer, one two-instance run at 0.57 (see
docs/scaling.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from bot.clock import SystemClock
from handlers import knowledge, likeness
from handlers.desk import Desk
from handlers.models import Inbound, InboundKind, Person, Place, Status, TicketQuery
from handlers.settings import DeskSettings, PlatformPlaces
from storage import commits, search
from storage.database import BUSY_TIMEOUT_MS
from storage.postgres import search as postgres_search
from storage.postgres.store import PostgresStore
from storage.store import SqliteStore

SUPPORT = Place("console:local", "support")
TEXT = "My printer is on fire\nIt started after the update; the tray smells of toast. " * 2


def settings() -> DeskSettings:
    places = {"console": PlatformPlaces(frozenset({"support"}), "triage", "leads")}
    return DeskSettings(places=places)


def inbound(number: int) -> Inbound:
    customer = Person("console", f"customer{number % 500}", f"customer{number % 500}")
    return Inbound(InboundKind.POSTED, f"bench:{number}", SUPPORT, f"m{number}", customer, TEXT)


class DatabaseThreadTime:
    """Adds up the time whole transactions (BEGIN to COMMIT) take on the database thread."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._commit = commits._commit

    def __enter__(self) -> DatabaseThreadTime:
        def timed(*args):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return self._commit(*args)  # whatever the group commit passes on
            finally:
                self.seconds += time.perf_counter() - start

        commits._commit = timed  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        commits._commit = self._commit  # type: ignore[assignment]


@contextmanager
def no_index() -> Iterator[None]:
    """Intake as before the index: no index writes, no similar tickets for the card."""
    reindex, told, postgres_reindex = search.reindex, knowledge.told, postgres_search.reindex
    unmatched, queue, postgres_queue = likeness.unmatched, search.queue, postgres_search.queue
    search.reindex = lambda raw, ticket_ids: None  # type: ignore[assignment]
    search.queue = lambda raw, ticket_ids: None  # type: ignore[assignment]
    postgres_search.reindex = lambda connection, ticket_ids: None  # type: ignore[assignment]
    postgres_search.queue = lambda connection, ticket_ids: None  # type: ignore[assignment]
    knowledge.told = lambda tx, ticket, card, settings: card  # type: ignore[assignment]
    likeness.unmatched = lambda tx: []  # type: ignore[assignment]
    try:
        yield
    finally:
        search.reindex, knowledge.told = reindex, told  # type: ignore[assignment]
        postgres_search.reindex = postgres_reindex  # type: ignore[assignment]
        postgres_search.queue = postgres_queue  # type: ignore[assignment]
        likeness.unmatched, search.queue = unmatched, queue  # type: ignore[assignment]


async def desk_intake(path: Path, count: int, in_flight: int) -> tuple[float, list[float], float]:
    """Return elapsed seconds, per-message latencies and the time spent inside transactions.

    `in_flight` messages are handed to the desk at once, as a platform delivering a burst
    would (1 means strictly one after another).
    """
    store = await SqliteStore.open(path)
    try:
        desk = Desk(store, SystemClock(), settings())
        latencies: list[float] = []
        numbers = iter(range(count))

        async def deliver() -> None:
            for number in numbers:
                begin = time.perf_counter()
                await desk.receive(inbound(number))
                latencies.append(time.perf_counter() - begin)

        with DatabaseThreadTime() as database_thread:
            started = time.perf_counter()
            await asyncio.gather(*(deliver() for _ in range(in_flight)))
            await desk.settled()  # the similar tickets found beside the writer count too
            await store.indexer.write_all()  # and so does the index's last batch
            elapsed = time.perf_counter() - started
        (tickets,) = await store.database.run(
            lambda raw: raw.execute("SELECT count(*) FROM tickets").fetchone()
        )
        assert tickets == count, f"expected {count} tickets, found {tickets}"
        return elapsed, latencies, database_thread.seconds
    finally:
        await store.close()


def raw_inserts(path: Path, count: int) -> float:
    """Return the seconds `count` single-row insert+commit transactions take."""
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = NORMAL")
    raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    raw.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, key TEXT UNIQUE, text TEXT)")
    started = time.perf_counter()
    for number in range(count):
        raw.execute("BEGIN")
        raw.execute("INSERT INTO messages (key, text) VALUES (?, ?)", (f"k{number}", TEXT))
        raw.execute("COMMIT")
    elapsed = time.perf_counter() - started
    raw.close()
    return elapsed


async def postgres_intake(
    url: str, count: int, in_flight: int, instances: int
) -> tuple[float, list[float]]:
    """Return elapsed seconds and per-message latencies, the burst shared by `instances`."""
    stores = [await PostgresStore.open(url) for _ in range(instances)]
    try:
        desks = [Desk(store, SystemClock(), settings()) for store in stores]
        latencies: list[float] = []
        numbers = iter(range(count))

        async def deliver(desk: Desk) -> None:
            for number in numbers:
                begin = time.perf_counter()
                await desk.receive(inbound(number))
                latencies.append(time.perf_counter() - begin)

        started = time.perf_counter()
        await asyncio.gather(*(deliver(desks[n % instances]) for n in range(in_flight)))
        await asyncio.gather(*(desk.settled() for desk in desks))
        await asyncio.gather(*(store.indexer.write_all() for store in stores))  # the last batches
        elapsed = time.perf_counter() - started
        _, tickets = await stores[0].read(lambda tx: tx.tickets(every_ticket()))
        assert tickets == count, f"expected {count} tickets, found {tickets}"
        return elapsed, latencies
    finally:
        for store in stores:
            await store.close()


def every_ticket() -> TicketQuery:
    return TicketQuery(SUPPORT.workspace, frozenset(Status), limit=1)


def postgres_raw_inserts(url: str, count: int) -> float:
    """Return the seconds `count` single-row insert+commit transactions take via psycopg."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            "CREATE TABLE messages (id bigserial PRIMARY KEY, key text UNIQUE, text text)"
        )
        started = time.perf_counter()
        for number in range(count):
            connection.execute("BEGIN")
            connection.execute(
                "INSERT INTO messages (key, text) VALUES (%s, %s)", (f"k{number}", TEXT)
            )
            connection.execute("COMMIT")
        return time.perf_counter() - started


@contextlib.contextmanager
def postgres_server(url: str | None) -> Iterator[Callable[[str], str]]:
    """Yield a function making a fresh database by name on the server (dropped after)."""
    cluster = None
    if url is None:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the clone's tests/
        from tests.postgres import Cluster  # the tests' throwaway cluster helper

        cluster = Cluster.start(durable=True)
        url = cluster.url("postgres")
    made: list[str] = []

    def database(name: str) -> str:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        made.append(name)
        return urlsplit(url)._replace(path=f"/{name}").geturl()

    try:
        yield database
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            for name in made:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        if cluster is not None:
            cluster.stop()


def postgres_main(url: str | None, count: int, in_flight: int) -> None:
    print(f"messages: {count:,} per run through the full intake path on PostgreSQL")
    with postgres_server(url) as database:
        raw_rate = count / postgres_raw_inserts(database("deskbot_bench_raw"), count)
        print(f"bare psycopg: {raw_rate:,.0f} single-row insert+commit/s (same server)")
        runs = [
            ("one instance, one at a time", 1, 1),
            (f"one instance, {in_flight} in flight", in_flight, 1),
            (f"two instances, {in_flight} in flight", in_flight, 2),
        ]
        for number, (label, flight, instances) in enumerate(runs):
            target = database(f"deskbot_bench_{number}")
            elapsed, latencies = asyncio.run(postgres_intake(target, count, flight, instances))
            rate = count / elapsed
            cuts = statistics.quantiles(latencies, n=100)
            print(
                f"desk, {label}: {rate:,.0f} messages/s ({rate / raw_rate:.3f} of bare);"
                f" latency p50 {cuts[49] * 1e3:.2f} ms, p99 {cuts[98] * 1e3:.2f} ms"
            )
            with no_index():
                target = database(f"deskbot_bench_{number}_bare")
                bare, _ = asyncio.run(postgres_intake(target, count, flight, instances))
            ratio = bare / elapsed
            print(
                f"  without the search index: {count / bare:,.0f} messages/s; with it"
                f" {ratio:.3f} of that; target within 15 % {'met' if ratio >= 0.85 else 'NOT met'}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--url", default=None, help="PostgreSQL server to use (CREATEDB)")
    parser.add_argument("--messages", type=int, default=None, help="20,000 (5,000 on postgres)")
    parser.add_argument(
        "--in-flight",
        type=int,
        default=32,
        help="messages handed over at once in the burst run (default 32)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each kind (median)")
    parser.add_argument("--dir", type=Path, default=None, help="where the files go (a temp dir)")
    args = parser.parse_args()
    if args.store == "postgres":
        postgres_main(args.url, args.messages or 5_000, args.in_flight)
        return
    count = args.messages or 20_000
    print(f"messages: {count:,} per run through the full intake path (delivery off)")
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        raw_rate = count / raw_inserts(Path(folder) / "raw.db", count)
        print(f"raw sqlite3: {raw_rate:,.0f} single-row insert+commit/s (same disk, pragmas)")
        runs = (("one at a time", 1), (f"{args.in_flight} in flight", args.in_flight))
        for label, in_flight in runs:
            indexed, bare = compared(Path(folder), count, in_flight, args.repeat)
            rate = count / statistics.median(run.elapsed for run in indexed)
            latencies = [seconds for run in indexed for seconds in run.latencies]
            cuts = statistics.quantiles(latencies, n=100)
            inside = sum(run.inside for run in indexed) / sum(run.elapsed for run in indexed)
            without = count / statistics.median(run.elapsed for run in bare)
            print(
                f"desk, {label}: {rate:,.0f} messages/s ({rate / raw_rate:.3f} of raw);"
                f" latency p50 {cuts[49] * 1e3:.2f} ms, p99 {cuts[98] * 1e3:.2f} ms;"
                f" {inside:.0%} of the time in transactions on the database thread;"
                f" target 2,000/s {'met' if rate >= 2000 else 'NOT met'}"
            )
            ratio = rate / without
            cpu = statistics.median(run.cpu for run in bare) / statistics.median(
                run.cpu for run in indexed
            )
            print(
                f"  without the search index: {without:,.0f} messages/s; with it {ratio:.3f}"
                f" of that ({cpu:.3f} by CPU per message); target within 15 %"
                f" {'met' if ratio >= 0.85 else 'NOT met'}"
            )


class Run(NamedTuple):
    elapsed: float
    latencies: list[float]
    inside: float
    cpu: float = 0.0  # seconds of CPU the process spent (every thread), from start to settled


def timed_run(database: Path, count: int, in_flight: int) -> Run:
    """One run of the desk, with the CPU it took: on a shared machine, steadier than time."""
    started = time.process_time()
    elapsed, latencies, inside = asyncio.run(desk_intake(database, count, in_flight))
    return Run(elapsed, latencies, inside, time.process_time() - started)


def compared(folder: Path, count: int, in_flight: int, repeat: int) -> tuple[list[Run], list[Run]]:
    """Runs with the index and without it, alternated so that noise falls on both alike."""
    indexed: list[Run] = []
    bare: list[Run] = []
    for number in range(repeat):
        indexed.append(timed_run(folder / f"desk-{in_flight}-{number}.db", count, in_flight))
        with no_index():
            bare.append(timed_run(folder / f"bare-{in_flight}-{number}.db", count, in_flight))
    return indexed, bare


if __name__ == "__main__":
    main()
