"""Digest cost over a million tickets, against the bare SQL it needs.

    .venv/bin/python bench/digest.py [--tickets 1000000] [--db PATH] [--fresh] [--runs 7]

Builds (once; the file is cached between runs) a database in the real schema, migrated by
`storage.database`, holding two years of a busy desk: tickets with realistic priorities,
agents, response and resolution delays, reopens, stale tickets; their audit events (a fifth
of first answers naming a saved reply); their SLA clocks (stopped, running, paused,
breached); and a satisfaction survey for most resolutions, two in five rated. Rows go in
by `executemany` on a plain sqlite3 connection, with the secondary indexes dropped during
the load and rebuilt from their own SQL after it, so the schema is exactly what the
migrations made.

Then, in one process, on a warm cache:
- the digest: `posting.build` through the real `SqliteStore` (its read-only connection,
  one read transaction) plus `posting.render`;
- the baseline: the very statements the digest ran, with the same parameters (recorded
  once), executed with `fetchall` on a plain sqlite3 connection in one read transaction;
- the chart, separately.
The ratio digest / bare SQL says what the digest costs on top of the queries themselves.

With `--store postgres` (default 100,000 tickets) the generated file is moved into a fresh
PostgreSQL database by `storage.moving` (as `deskbot migrate` does), and the digest is
timed through `PostgresStore` against its own statements run bare through psycopg in one
read-only transaction. Without `--url` a throwaway cluster is started (fsync on) from the
tests' helper; with `--url` the bench creates its database there and drops it after.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bot.chart import chart_png
from handlers.digest import figures, posting
from handlers.settings import DigestSettings
from handlers.texts import ENGLISH
from storage import moving
from storage.database import Database, migrations
from storage.postgres.database import REPORT, configure
from storage.postgres.reports import PostgresReports
from storage.postgres.store import PostgresStore
from storage.reports import SqliteReports
from storage.store import SqliteStore

GENERATOR = 2  # bump when the generated data changes, so cached files are rebuilt
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)
SPAN_DAYS = 730
MICRO = 1_000_000
HOUR, DAY = 3600 * MICRO, 86400 * MICRO
NOW_US = int(NOW.timestamp()) * MICRO
CHUNK = 50_000
TICKET_COLUMNS = ", ".join("?" * 21)  # every column of tickets, in table order

PRIORITIES = (("urgent", 0.05), ("high", 0.15), ("normal", 0.60), ("low", 0.20))
# Business seconds promised (first response, resolution), and the share of wall time that
# counts as business time (urgent runs 24x7; the rest on an office calendar).
TARGETS = {
    "urgent": (900, 14_400, 1.0),
    "high": (3_600, 28_800, 0.3),
    "normal": (14_400, 86_400, 0.3),
    "low": (28_800, 288_000, 0.3),
}
AGENTS = [(f"slack:U{n:04d}", f"agent {n}") for n in range(40)]
AGENT_WEIGHTS = [1 / (n + 1) ** 0.7 for n in range(len(AGENTS))]
LEAD = ("slack:ULEAD", "lead")
SUBJECTS = ("printer on fire", "cannot log in", "invoice is wrong", "export is slow", "2FA late")
SNIPPETS = ("reboot", "reset-password", "refund", "known-issue", "thanks")


def stamp(us: int, _days: dict[int, str] = {}) -> str:  # noqa: B006 (a deliberate cache)
    """`rows.to_db` for integer microseconds since the epoch, fast enough for millions."""
    day, rest = divmod(us, DAY)
    text = _days.get(day)
    if text is None:
        text = _days[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%dT")
    seconds, micro = divmod(rest, MICRO)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return f"{text}{hours:02d}:{minutes:02d}:{seconds:02d}.{micro:06d}Z"


def lognormal(rng: random.Random, median_seconds: float, sigma: float) -> int:
    return int(rng.lognormvariate(math.log(median_seconds), sigma) * MICRO)


class Batch:
    """Rows of one chunk of tickets, per table."""

    def __init__(self) -> None:
        self.tickets: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.clocks: list[tuple[Any, ...]] = []
        self.surveys: list[tuple[Any, ...]] = []

    def event(
        self, ticket: int, actor: tuple[str, str] | None, kind: str, at: int, data: str = "{}"
    ) -> None:
        key, name = actor if actor else (None, None)
        self.events.append((ticket, key, name, kind, data, stamp(at)))


def clock(
    batch: Batch,
    ticket: int,
    kind: str,
    target: int,
    share: float,
    started: int,
    done: int | None,
    waiting: bool,
) -> None:
    """One SLA clock: stopped at `done`, else running (or paused while waiting)."""
    due = started + int(target / share * MICRO)
    if done is not None and done <= NOW_US:
        used = (done - started) / MICRO * share
        breached = stamp(due) if used > target and due <= done else None
        row = (target, used, None, None, stamp(done), breached)
    elif waiting:
        used = min(NOW_US - started, DAY) / MICRO * share
        row = (target, used, None, None, None, stamp(due) if used > target else None)
    else:
        # The sweep flags a breach within a minute of the due time.
        flagged = stamp(due) if due <= NOW_US - 60 * MICRO else None
        row = (target, 0.0, stamp(started), stamp(due), None, flagged)
    batch.clocks.append((ticket, kind, "office", stamp(started), *row, workspace_of(ticket)))


def workspace_of(number: int) -> str:
    """Seven tickets in ten are Slack's, the rest Discord's."""
    return "slack:T1" if number % 10 < 7 else "discord:G1"


def ticket(batch: Batch, rng: random.Random, number: int, created: int) -> None:
    """One ticket's life: claim, first answer, resolution, maybe a reopen, close."""
    priority = rng.choices([p for p, _ in PRIORITIES], [w for _, w in PRIORITIES])[0]
    first_target, resolution_target, share = TARGETS[priority]
    customer = f"slack:C{rng.randrange(200_000)}"
    agent = rng.choices(AGENTS, AGENT_WEIGHTS)[0]
    answered = created + lognormal(rng, 2400, 1.3)
    claimed = created + min(answered - created, lognormal(rng, 1200, 1.0))
    resolved: int | None = answered + lognormal(rng, 18 * 3600, 1.4)
    stale = rng.random() < 0.002  # forgotten: never resolved
    reopened = None
    if stale:
        resolved = None
    elif rng.random() < 0.04:
        assert resolved is not None
        reopened = resolved + lognormal(rng, 6 * 3600, 1.0)
    batch.event(number, (customer, "customer"), "opened", created)
    holder: tuple[str, str] | None = None
    if claimed <= NOW_US and not (stale and rng.random() < 0.3):
        holder = agent
        if rng.random() < 0.1:
            batch.event(number, LEAD, "assigned", claimed, json.dumps({"to": agent[0]}))
        else:
            batch.event(number, agent, "claimed", claimed)
    if answered <= NOW_US and holder:
        # A fifth of first answers are saved replies, which the digest ranks.
        snippet = rng.choice(SNIPPETS) if rng.random() < 0.2 else None
        data = {"role": "agent"} | ({"snippet": snippet} if snippet else {})
        batch.event(number, agent, "message", answered, json.dumps(data))
        batch.event(number, agent, "first_response", answered)
    if rng.random() < 0.2:
        batch.event(number, agent, "note", created + HOUR)
    finished = resolved is not None and resolved <= NOW_US
    if finished:
        assert resolved is not None
        batch.event(number, agent, "resolved", resolved, '{"summary": ""}')
        if reopened is not None and reopened <= NOW_US:
            batch.event(number, (customer, "customer"), "reopened", reopened)
            resolved = reopened + lognormal(rng, 5 * 3600, 1.0)
            finished = resolved <= NOW_US
            if finished:
                batch.event(number, agent, "resolved", resolved, '{"summary": ""}')
    if finished and resolved is not None and rng.random() < 0.8:
        survey(batch, rng, number, customer, holder, resolved)
    waiting = not finished and holder is not None and rng.random() < 0.25
    closed = resolved + 3 * DAY if finished and resolved is not None else None
    if closed is not None and closed <= NOW_US:
        batch.event(number, agent, "closed", closed)
        status = "closed"
    elif finished:
        status, closed = "resolved", None
    else:
        status = "waiting" if waiting else "claimed" if holder else "open"
    if waiting:
        batch.event(number, agent, "waiting", min(max(claimed, answered) + HOUR, NOW_US - 1))
    first_done = answered if holder else None
    clock(batch, number, "first_response", first_target, share, created, first_done, waiting)
    clock(
        batch,
        number,
        "resolution",
        resolution_target,
        share,
        created,
        resolved if finished else None,
        waiting,
    )
    if rng.random() < 0.3 and answered <= NOW_US:
        asked = min(answered + lognormal(rng, 4 * 3600, 1.0), NOW_US - 1)
        done = asked + lognormal(rng, 1800, 1.0) if finished else None
        clock(batch, number, "next_response", first_target * 2, share, asked, done, waiting)
    batch.tickets.append(
        (
            number,
            workspace_of(number),
            "C-SUPPORT",
            f"t{number}",
            customer,
            "customer",
            rng.choice(SUBJECTS),
            "the body of the ticket " * 4,
            status,
            priority,
            holder[0] if holder else None,
            holder[1] if holder else None,
            f"https://example.slack.com/archives/C-SUPPORT/p{number}",
            stamp(created),
            stamp(min(NOW_US, created + DAY)),
            stamp(answered) if first_done else None,
            stamp(resolved) if finished and resolved else None,
            stamp(closed) if closed else None,
            stamp(created),
            None,
            0,  # private: opened in a channel
        )
    )


def survey(
    batch: Batch,
    rng: random.Random,
    number: int,
    customer: str,
    holder: tuple[str, str] | None,
    resolved: int,
) -> None:
    """A resolution's satisfaction survey: two in five answered, most of them well."""
    answered = resolved + lognormal(rng, 3 * 3600, 1.2) if rng.random() < 0.4 else None
    if answered is not None and answered > NOW_US:
        answered = None
    score = rng.choices((1, 2, 3, 4, 5), (4, 4, 10, 30, 52))[0] if answered else None
    comment = "slow, had to ask twice" if score is not None and score <= 2 else ""
    batch.surveys.append(
        (
            number,
            1,
            customer,
            1,
            "5",
            stamp(resolved),
            stamp(resolved + 7 * DAY),
            holder[0] if holder else None,
            holder[1] if holder else None,
            score,
            comment,
            stamp(answered) if answered else None,
            stamp(answered) if answered else None,
        )
    )


def batches(count: int, seed: int = 7) -> Iterator[Batch]:
    rng = random.Random(seed)
    start = NOW_US - SPAN_DAYS * DAY
    batch = Batch()
    for number in range(1, count + 1):
        # Even spacing keeps ids in creation order, as intake makes them.
        ticket(batch, rng, number, start + (number * SPAN_DAYS * DAY) // (count + 1))
        if len(batch.tickets) == CHUNK:
            yield batch
            batch = Batch()
    if batch.tickets:
        yield batch


def generate(path: Path, count: int) -> float:
    """Write the database at `path`; return the seconds it took."""
    started = time.perf_counter()
    asyncio.run(_migrate(path))
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA synchronous = OFF")
    indexes = raw.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall()
    raw.execute("BEGIN")
    for name, _ in indexes:
        raw.execute(f'DROP INDEX "{name}"')
    for batch in batches(count):
        raw.executemany(f"INSERT INTO tickets VALUES ({TICKET_COLUMNS})", batch.tickets)  # noqa: S608
        raw.executemany(
            "INSERT INTO events (ticket_id, actor_key, actor_name, kind, data, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            batch.events,
        )
        raw.executemany(
            "INSERT INTO sla_clocks (ticket_id, kind, calendar, started_at, target_seconds,"
            " used_seconds, running_since, due_at, stopped_at, breached_at, workspace)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch.clocks,
        )
        raw.executemany(f"INSERT INTO surveys VALUES ({', '.join('?' * 13)})", batch.surveys)  # noqa: S608
    for _, sql in indexes:
        raw.execute(sql)
    # Yesterday's digest, so that this one runs "since the last digest" and compares.
    raw.execute(
        "INSERT INTO digests (period_start, period_end, created_at, figures) VALUES (?, ?, ?, ?)",
        (stamp(NOW_US - 2 * DAY), stamp(NOW_US - DAY), stamp(NOW_US - DAY), '{"unclaimed": 0}'),
    )
    raw.execute("COMMIT")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    return time.perf_counter() - started


async def _migrate(path: Path) -> None:
    async with await Database.open(path):
        pass


def cached(path: Path, count: int, fresh: bool) -> tuple[Path, float | None]:
    """The generated file for `count` tickets, made if missing, stale or asked for."""
    stamp_file = path.with_suffix(".json")
    wanted = {"generator": GENERATOR, "tickets": count, "schema": _schema_known()}
    known = path.exists() and stamp_file.exists()
    if not fresh and known and json.loads(stamp_file.read_text()) == wanted:
        return path, None
    for leftover in path.parent.glob(path.name + "*"):
        leftover.unlink()
    took = generate(path, count)
    stamp_file.write_text(json.dumps(wanted))
    return path, took


def _schema_known() -> str:
    """A fingerprint of every migration, so that any schema change rebuilds the file."""
    return hashlib.sha256(repr(migrations()).encode()).hexdigest()[:16]


class RecordingReports(SqliteReports):
    """The real reports adapter, also noting each statement and its parameters."""

    def __init__(
        self,
        raw: sqlite3.Connection,
        log: list[tuple[str, dict[str, Any]]],
        workspace: str | None = None,
    ) -> None:
        super().__init__(raw, workspace)
        self.log = log

    def _fetch(self, sql: str, params: dict[str, Any]) -> list[sqlite3.Row]:
        self.log.append((sql, params))
        return super()._fetch(sql, params)


def read_transaction(path: Path) -> sqlite3.Connection:
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA query_only = ON")
    return raw


def recorded_statements(path: Path, settings: DigestSettings) -> list[tuple[str, dict[str, Any]]]:
    log: list[tuple[str, dict[str, Any]]] = []
    raw = read_transaction(path)
    raw.execute("BEGIN")
    figures.gather(RecordingReports(raw, log), settings, NOW, None)
    raw.execute("COMMIT")
    raw.close()
    return log


def best(runs: int, work: Callable[[], object]) -> tuple[float, float, list[float]]:
    """(first run, median of the rest, all) in seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times[0], statistics.median(times[1:] or times), times


def bare_sql(path: Path, statements: list[tuple[str, dict[str, Any]]]) -> Callable[[], int]:
    raw = read_transaction(path)

    def run() -> int:
        rows = 0
        raw.execute("BEGIN")
        for sql, params in statements:
            rows += len(raw.execute(sql, params).fetchall())
        raw.execute("COMMIT")
        return rows

    return run


async def through_store(path: Path | str, settings: DigestSettings, runs: int) -> dict[str, Any]:
    """Time `build` + `render`; then, in as many more runs, the part spent on the reader's
    thread inside the transaction (the queries and the figures), to split the cost."""
    opened = PostgresStore.open(path) if isinstance(path, str) else SqliteStore.open(path)
    async with await opened as store:
        times, renders, inside = [], [], []
        made, text = None, ""
        for _ in range(runs):
            started = time.perf_counter()
            made = await posting.build(store, settings, NOW)
            built = time.perf_counter()
            text = posting.render(made, ENGLISH)
            done = time.perf_counter()
            times.append(done - started)
            renders.append(done - built)
        for _ in range(runs):
            started = time.perf_counter()
            await store.report(lambda reports: figures.gather(reports, settings, NOW, None))
            inside.append(time.perf_counter() - started)
            started = time.perf_counter()
            await store.report(lambda reports: time.perf_counter())
            inside[-1] -= time.perf_counter() - started  # the bare round trip to the thread
        assert made is not None
        return {"times": times, "renders": renders, "inside": inside, "digest": made, "text": text}


def counts(path: Path) -> dict[str, int]:
    raw = sqlite3.connect(path)
    found = {
        table: raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        for table in ("tickets", "events", "sla_clocks")
    }
    found["active"] = raw.execute(
        "SELECT count(*) FROM tickets WHERE status IN ('open', 'claimed', 'waiting')"
    ).fetchone()[0]
    raw.close()
    return found


class RecordingPostgresReports(PostgresReports):
    """PostgreSQL's reports adapter, also noting each statement and its parameters."""

    def __init__(self, connection: psycopg.Connection[Any], log: list[tuple[bytes, Any]]) -> None:
        super().__init__(connection)
        self.log = log

    def _fetch(self, query: bytes, params: dict[str, Any] | None) -> list[Any]:
        self.log.append((query, params))
        return super()._fetch(query, params)


def postgres_statements(url: str, settings: DigestSettings) -> list[tuple[bytes, Any]]:
    log: list[tuple[bytes, Any]] = []
    with psycopg.connect(url, autocommit=True) as connection:
        configure(connection)
        connection.execute(REPORT.encode())
        figures.gather(RecordingPostgresReports(connection, log), settings, NOW, None)
        connection.execute("COMMIT")
    return log


def postgres_bare_sql(
    connection: psycopg.Connection[Any], statements: list[tuple[bytes, Any]]
) -> Callable[[], int]:
    def run() -> int:
        rows = 0
        connection.execute(REPORT.encode())
        for query, params in statements:
            rows += len(connection.execute(query, params).fetchall())
        connection.execute("COMMIT")
        return rows

    return run


def postgres_main(args: argparse.Namespace, path: Path) -> None:
    from intake import postgres_server  # the intake bench, beside this one

    settings = DigestSettings()
    with postgres_server(args.url) as database:
        url = database("deskbot_bench_digest")
        started = time.perf_counter()
        asyncio.run(moving.move(str(path), url))
        moved = time.perf_counter() - started
        statements = postgres_statements(url, settings)
        with psycopg.connect(url, autocommit=True) as connection:
            configure(connection)
            sql_first, sql_median, _ = best(args.runs, postgres_bare_sql(connection, statements))
        store = asyncio.run(through_store(url, settings, args.runs))
    full_first, full_median = store["times"][0], statistics.median(store["times"][1:])
    sizes, ms = counts(path), 1000
    print(
        f"data:        {sizes['tickets']:,} tickets ({sizes['active']:,} active),"
        f" {sizes['events']:,} events, {sizes['sla_clocks']:,} SLA clocks; moved into"
        f" PostgreSQL in {moved:.0f} s"
    )
    print(
        f"digest:      {full_median * ms:7.1f} ms  build + render through PostgresStore"
        f" (median of {args.runs - 1} warm runs; first run {full_first * ms:.1f} ms)"
    )
    print(
        f"bare SQL:    {sql_median * ms:7.1f} ms  the same {len(statements)} statements and"
        f" parameters through psycopg, one read-only transaction (first {sql_first * ms:.1f} ms)"
    )
    print(f"ratio:       {full_median / sql_median:7.2f}  digest / bare SQL")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--url", default=None, help="PostgreSQL server to use (CREATEDB)")
    parser.add_argument("--tickets", type=int, default=None, help="1,000,000 (100,000 on pg)")
    parser.add_argument("--db", type=Path, default=None, help="the cached file (a temp dir)")
    parser.add_argument("--fresh", action="store_true", help="generate the file again")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--show", action="store_true", help="print the digest text too")
    args = parser.parse_args()
    args.tickets = args.tickets or (100_000 if args.store == "postgres" else 1_000_000)
    path = args.db or Path(tempfile.gettempdir()) / f"deskbot-bench-digest-{args.tickets}.db"
    path, took = cached(path, args.tickets, args.fresh)
    if args.store == "postgres":
        postgres_main(args, path)
        return
    sizes = counts(path)
    settings = DigestSettings()

    statements = recorded_statements(path, settings)
    sql_first, sql_median, _ = best(args.runs, bare_sql(path, statements))
    store = asyncio.run(through_store(path, settings, args.runs))
    full_first, full_median = store["times"][0], statistics.median(store["times"][1:])
    render_median = statistics.median(store["renders"][1:])
    chart_first, chart_median, _ = best(max(3, args.runs // 2), lambda: chart_png(store["digest"]))

    made = store["digest"]
    ms = 1000
    print(
        f"data:        {sizes['tickets']:,} tickets ({sizes['active']:,} active),"
        f" {sizes['events']:,} events, {sizes['sla_clocks']:,} SLA clocks"
    )
    print(
        f"             {path} ({path.stat().st_size / 2**20:,.0f} MiB), "
        + (f"generated in {took:.0f} s" if took is not None else "cached")
    )
    print(
        f"period:      {made.period.start:%a %d %b %H:%M} to {made.period.end:%a %d %b %H:%M}"
        f" UTC: {made.current.flow.opened:,} new, {made.current.flow.resolved:,} resolved;"
        f" backlog {made.backlog.total:,}; text {len(store['text']):,} characters"
    )
    print(
        f"digest:      {full_median * ms:7.1f} ms  build + render through SqliteStore"
        f" (median of {args.runs - 1} warm runs; first run {full_first * ms:.1f} ms)"
    )
    print(
        f"bare SQL:    {sql_median * ms:7.1f} ms  the same {len(statements)} statements and"
        f" parameters, fetchall, one read transaction (first run {sql_first * ms:.1f} ms)"
    )
    print(f"ratio:       {full_median / sql_median:7.2f}  digest / bare SQL")
    inside = statistics.median(store["inside"][1:])
    python = inside - sql_median
    hop = full_median - render_median - inside
    print(f"the rest:    {python * ms:7.1f} ms  rows to figures in Python (on the reader's thread)")
    print(f"             {hop * ms:7.1f} ms  hop to the reader's thread, its transaction, back")
    print(f"             {render_median * ms:7.1f} ms  render (text within 2,000 characters)")
    print(
        f"chart:       {chart_median * ms:7.1f} ms  PNG, {len(chart_png(made)):,} bytes"
        f" (first {chart_first * ms:.0f} ms)"
    )
    if args.show:
        print()
        print(store["text"])


if __name__ == "__main__":
    main()
