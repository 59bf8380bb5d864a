"""Incident updates at scale: one update queued for 5,000 linked tickets, against a baseline.

    .venv/bin/python bench/incident.py [--tickets 5000] [--channels 20] [--runs 3] [--dir PATH]

The tickets go through the real intake, spread over `--channels` support channels (each
channel carries the incident's banner), and are linked to one incident with the real
`/ticket incident link`. Then, in the same run:

- the time `/ticket incident update` takes to queue the update for every linked ticket:
  the author's message, audit event and stopped response clocks per ticket, its notice in
  the outbox, the banners, the timeline — one transaction, committed (target: at most 1 s);
- against raw `sqlite3` inserting the same number of outbox-shaped rows with `executemany`
  in one transaction on a file of its own (the bare batched INSERT of those rows).

The ratio is the figure to compare across machines; the absolute time is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from handlers import intake
from handlers.desk import Desk
from handlers.models import Command, Inbound, InboundKind, Person, Place, Priority
from handlers.settings import DeskSettings, PlatformPlaces, RoleMembers, SlaPolicy, SlaSpan
from handlers.sla.calendar import BusinessCalendar
from storage.store import SqliteStore

START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
WORKSPACE = "console:local"
BOB = Person("console", "bob", "bob")
LINK_BATCH = 500  # ticket numbers per `/ticket incident link`


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def settings(channels: int) -> DeskSettings:
    support = frozenset(f"support{n}" for n in range(channels))
    return DeskSettings(
        agents=RoleMembers(frozenset({BOB.key})),
        places={"console": PlatformPlaces(support, "triage", "leads")},
        sla={
            Priority.NORMAL: SlaPolicy(
                BusinessCalendar.always_open(), first_response=SlaSpan(0, timedelta(hours=4))
            )
        },
    )


def message(number: int, channels: int) -> Inbound:
    customer = Person("console", f"c{number}", f"c{number}")
    place = Place(WORKSPACE, f"support{number % channels}")
    text = f"checkout returns 500 on order {number}"
    return Inbound(InboundKind.POSTED, f"bench:{number}", place, f"m{number}", customer, text)


async def build(store: SqliteStore, desk: Desk, tickets: int, channels: int) -> None:
    """Open the tickets (1,000 per transaction), declare the incident, link them all."""
    for first in range(0, tickets, 1000):
        numbers = range(first, min(first + 1000, tickets))
        await store.transact(
            lambda tx, numbers=numbers: [
                intake.receive(tx, message(n, channels), START, desk.settings) for n in numbers
            ]
        )
    triage = Place(WORKSPACE, "triage")
    declared = await desk.execute(Command(BOB, triage, "incident declare Checkout 500"))
    assert declared.ok, declared.text
    for first in range(1, tickets + 1, LINK_BATCH):
        batch = range(first, min(first + LINK_BATCH, tickets + 1))
        linked = await desk.execute(
            Command(BOB, triage, "incident link INC-1 " + " ".join(map(str, batch)))
        )
        assert linked.ok, linked.text


async def update_time(store: SqliteStore, desk: Desk, tickets: int, run: int) -> float:
    """Seconds for one `/ticket incident update` to queue the update for every ticket."""
    command = Command(BOB, Place(WORKSPACE, "triage"), f"incident update INC-1 Update {run}")
    begin = time.perf_counter()
    reply = await desk.execute(command)
    elapsed = time.perf_counter() - begin
    assert reply.ok, reply.text
    queued = await store.read(
        lambda tx: tx._raw.execute(
            "SELECT count(*) FROM outbox WHERE kind = 'reply' AND payload LIKE ?",
            (f"%Update {run}%",),
        ).fetchone()[0]
    )
    assert queued == tickets, f"expected {tickets} notices, found {queued}"
    return elapsed


def bare_insert(path: Path, rows: int) -> float:
    """Seconds for raw sqlite3 to insert `rows` outbox-shaped rows in one transaction."""
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = NORMAL")
    raw.execute(
        "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, kind TEXT, workspace TEXT,"
        " channel TEXT, thread TEXT, ticket_id INTEGER, payload TEXT, created_at TEXT)"
    )
    payload = json.dumps({"text": "Update on INC-1 (Checkout 500) from bob: Update"})
    values = [
        ("reply", WORKSPACE, f"support{n % 20}", f"m{n}", n, payload, START.isoformat())
        for n in range(rows)
    ]
    begin = time.perf_counter()
    raw.execute("BEGIN")
    raw.executemany(
        "INSERT INTO outbox (kind, workspace, channel, thread, ticket_id, payload, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        values,
    )
    raw.execute("COMMIT")
    elapsed = time.perf_counter() - begin
    raw.close()
    return elapsed


async def main(arguments: argparse.Namespace) -> None:
    folder = Path(arguments.dir or tempfile.mkdtemp(prefix="deskbot-incident-"))
    path = folder / "incident.db"
    path.unlink(missing_ok=True)
    async with await SqliteStore.open(path) as store:
        desk = Desk(store, FixedClock(START), settings(arguments.channels))
        began = time.perf_counter()
        await build(store, desk, arguments.tickets, arguments.channels)
        built = time.perf_counter() - began
        desk.clock = FixedClock(START + timedelta(minutes=5))
        updates = [
            await update_time(store, desk, arguments.tickets, run) for run in range(arguments.runs)
        ]
    bare = [bare_insert(folder / f"bare{run}.db", arguments.tickets) for run in range(3)]
    update, baseline = statistics.median(updates), statistics.median(bare)
    print(
        f"{arguments.tickets} tickets linked across {arguments.channels} channels ({built:.1f} s)"
    )
    print(f"update queued for every ticket: {update * 1000:.0f} ms (median of {len(updates)};")
    print(f"  target <= 1000 ms: {'met' if update <= 1.0 else 'MISSED'})")
    print(f"bare batched INSERT of the same rows: {baseline * 1000:.1f} ms")
    print(f"ratio: {update / baseline:.1f}x the bare INSERT")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", help="where to put the database (a temporary folder if not)")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(arguments()))
