"""`deskbot migrate`: a SQLite desk into PostgreSQL and back, checked, never merged."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from handlers.desk import Desk
from handlers.digest import posting
from handlers.incidents.values import (
    Broadcast,
    Entry,
    Incident,
    IncidentStatus,
    Moment,
    Spike,
)
from handlers.models import Scale, SearchQuery, Status, Step, StepKind, Survey, TicketQuery
from handlers.notices import in_thread
from handlers.personal import Forgetting
from handlers.ports import Tx
from handlers.settings import DeskSettings, DigestSettings
from storage import moving
from storage.cursors import ChannelCursors
from storage.postgres.store import PostgresStore
from storage.store import SqliteStore
from tests.builders import ALICE, BOB, CAROL, DAVE, SUPPORT, message, run
from tests.clock import FakeClock
from tests.handlers.test_digest import NOW, scenario
from tests.postgres import Cluster

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
async def desk_file(tmp_path: Path, clock: FakeClock, settings: DeskSettings) -> Path:
    """A SQLite desk with a week in it: tickets, talk, audit, clocks, timers, notices."""
    path = tmp_path / "desk.db"
    async with await SqliteStore.open(path) as store:
        await scenario(Desk(store, clock, settings), store, clock)
        await ChannelCursors(store).advance("discord:1", "7", 1234, NOW)
        await store.transact(lambda tx: tx.schedule(1, Step(StepKind.NUDGE), 0, NOW))
        await store.transact(deliver_the_heads)
        await store.transact(lambda tx: tx.take_lease("leader", "old", NOW, NOW))
        await store.transact(lambda tx: tx.remember_similar(2, [3, 1]))
        await replies_and_ratings(Desk(store, clock, settings), store)
        forgetting = Forgetting(DAVE.key, "customer-0a1b2c3d", CAROL.key, NOW)
        await store.transact(lambda tx: tx.forget(forgetting))  # a redaction's record
        await store.transact(an_incident)
    return path


def an_incident(tx: Tx) -> None:
    """An incident holding ticket 3, with an update broadcast to it."""
    draft = Incident(0, SUPPORT.workspace, "Checkout 500", IncidentStatus.IDENTIFIED, BOB, NOW)
    incident = tx.add_incident(replace(draft, detected_at=NOW, due_at=NOW))
    tx.link(incident.number, 3, BOB, NOW)
    entry = tx.add_entry(Entry(incident.number, Moment.UPDATE, NOW, BOB, "Fixing", count=1))
    ticket = tx.ticket(3)
    assert ticket is not None
    notice = in_thread(ticket, "bob: Fixing")
    tx.broadcast(Broadcast(incident.number, entry.seq, NOW, BOB, "Fixing", "inc:1", (notice,)))
    spike = Spike(0, SUPPORT.workspace, "Checkout 500", ("500", "checkout"), NOW, NOW, 0, ())
    tx.declare_spike(tx.add_spike(spike, [3, 4]).id, incident.number)


async def replies_and_ratings(desk: Desk, store: SqliteStore) -> None:
    """A saved reply used once, a rated survey and one let pass unasked."""
    assert (await run(desk, BOB, "snippet add reboot Hi {customer}, please restart")).ok
    assert (await run(desk, BOB, "reply 1 :reboot")).ok
    asked = Survey(2, 1, ALICE.key, True, Scale.FIVE, NOW, NOW + timedelta(days=7), BOB.key)
    rated = Survey(**{**vars(asked), "score": 4, "comment": "好", "answered_at": NOW})
    passed = Survey(6, 1, ALICE.key, False, Scale.THUMBS, NOW, NOW + timedelta(days=7))
    await store.transact(lambda tx: (tx.add_survey(asked), tx.add_survey(passed)))
    await store.transact(lambda tx: tx.save_rating(rated))


def deliver_the_heads(tx: Tx) -> None:
    """Send each channel's oldest notice: cards leave their platform message behind."""
    for queued in tx.due_notices(NOW, 50):
        tx.mark_sent(queued, f"sent-{queued.id}", NOW)


def table_rows(path: Path, table: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()  # noqa: S608


async def test_a_desk_moves_to_postgres_and_back_unchanged(
    desk_file: Path, postgres_url: str, tmp_path: Path
) -> None:
    """Every table arrives whole, reads the same through the store, and comes back equal."""
    there = await moving.move(str(desk_file), postgres_url)
    assert {moved.table: moved.count for moved in there}["tickets"] == 12
    assert [moved.table for moved in there if not moved.count] == []
    back = tmp_path / "back.db"
    returned = await moving.move(postgres_url, str(back))
    assert [(m.table, m.count, m.checksum) for m in returned] == [
        (m.table, m.count, m.checksum) for m in there
    ]
    for table, _ in (*moving.TABLES, ("flow_counts", "")):  # the rollup, counted anew
        assert table_rows(back, table) == table_rows(desk_file, table), table
    async with (
        await SqliteStore.open(desk_file) as old,
        await PostgresStore.open(postgres_url) as new,
    ):
        assert await posting.build(new, DigestSettings(), NOW) == await posting.build(
            old, DigestSettings(), NOW
        )
        for scoped in (None, SUPPORT.workspace):
            built = [
                await posting.build(store, DigestSettings(), NOW, workspace=scoped)
                for store in (old, new)
            ]
            assert built[0] == built[1]


async def test_saved_replies_and_surveys_move_with_the_desk(
    desk_file: Path, postgres_url: str
) -> None:
    """The snippets (with their uses) and every survey, asked or not, read the same there."""
    moved = {m.table: m.count for m in await moving.move(str(desk_file), postgres_url)}
    assert (moved["snippets"], moved["surveys"]) == (1, 2)

    def kept(tx: Tx) -> tuple[object, ...]:
        return (tx.snippets(SUPPORT.workspace), tx.latest_survey(2), tx.latest_survey(6))

    async with (
        await SqliteStore.open(desk_file) as old,
        await PostgresStore.open(postgres_url) as new,
    ):
        before = await old.read(kept)
        assert before[0][0].uses == 1 and before[1].score == 4
        assert await new.read(kept) == before


async def _found_by_subjects(store: SqliteStore | PostgresStore) -> dict[str, set[int]]:
    """What a staff search for each ticket's subject finds, by subject."""

    def work(tx: Tx) -> dict[str, set[int]]:
        subjects = [
            t.subject
            for t in tx.tickets(TicketQuery(SUPPORT.workspace, frozenset(Status), limit=50))[0]
        ]
        return {
            subject: {
                found.ticket.id
                for found in tx.search(SearchQuery(SUPPORT.workspace, subject, internal=True))
            }
            for subject in subjects
        }

    return await store.read(work)


async def test_the_search_index_moves_with_the_desk_both_ways(
    desk_file: Path, postgres_url: str, tmp_path: Path
) -> None:
    """Every ticket is found by its words in PostgreSQL after the move, and in SQLite back."""
    back = tmp_path / "back.db"
    await moving.move(str(desk_file), postgres_url)
    await moving.move(postgres_url, str(back))
    async with (
        await SqliteStore.open(desk_file) as old,
        await PostgresStore.open(postgres_url) as there,
        await SqliteStore.open(back) as returned,
    ):
        before = await _found_by_subjects(old)
        assert len(before) == 12 and all(before.values())
        assert await _found_by_subjects(there) == before
        assert await _found_by_subjects(returned) == before


async def test_a_moved_desk_goes_on_numbering_and_queueing(
    desk_file: Path, postgres_url: str, clock: FakeClock, settings: DeskSettings
) -> None:
    """After the move, the next ticket is #13 and new notes and notices get fresh ids."""
    await moving.move(str(desk_file), postgres_url)
    async with await PostgresStore.open(postgres_url) as store:
        desk = Desk(store, clock, settings)
        result = await desk.receive(message(BOB, "new problem"))
        assert result.ticket_id == 13
        assert (await run(desk, BOB, "note 13 looking")).ok


async def test_a_target_that_holds_a_desk_is_refused(desk_file: Path, postgres_url: str) -> None:
    """Moving never merges: a second move into the same database is refused, naming why."""
    await moving.move(str(desk_file), postgres_url)
    with pytest.raises(moving.MoveRefused, match=r"already holds a desk \(tickets: 12 rows"):
        await moving.move(str(desk_file), postgres_url)


async def test_a_failed_move_leaves_the_target_empty_and_can_be_run_again(
    desk_file: Path, postgres_url: str
) -> None:
    """A row PostgreSQL refuses stops the move with nothing written; fixed, it runs again."""
    with closing(sqlite3.connect(desk_file)) as db, db:
        db.execute("UPDATE messages SET text = ? WHERE id = 3", ("nul \x00 byte",))
    with pytest.raises(moving.MoveFailed, match=r"messages: .* refused a row"):
        await moving.move(str(desk_file), postgres_url)
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute("SELECT count(*) FROM tickets").fetchone() == (0,)
    with closing(sqlite3.connect(desk_file)) as db, db:
        db.execute("UPDATE messages SET text = 'no nul byte' WHERE id = 3")
    assert len(await moving.move(str(desk_file), postgres_url)) == len(moving.TABLES)


def test_the_command_reports_each_table_checked(desk_file: Path, postgres_url: str) -> None:
    """`deskbot migrate` prints each table's rows and checksum, then where the desk went."""
    command = [sys.executable, "-m", "bot", "migrate", "--from", str(desk_file), "--to"]
    done = subprocess.run(
        [*command, postgres_url], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "tickets: 12 rows, checksum " in done.stdout
    assert done.stdout.strip().endswith(".")
    again = subprocess.run(
        [*command, postgres_url], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert again.returncode == 1
    assert "already holds a desk" in again.stderr


async def test_a_desk_moves_into_a_database_that_sorts_text_its_own_way(
    desk_file: Path, postgres_cluster: Cluster
) -> None:
    """An en-US database sorts 'a' before 'B'; the checksums still read both in one order."""
    async with await SqliteStore.open(desk_file) as store:
        for channel in ("B", "a"):
            await ChannelCursors(store).advance("discord:1", channel, 1, NOW)
    with psycopg.connect(postgres_cluster.url("postgres"), autocommit=True) as admin:
        admin.execute(
            "CREATE DATABASE english TEMPLATE template0 LOCALE 'C'"
            " LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
        )
    try:
        moved = await moving.move(str(desk_file), postgres_cluster.url("english"))
        assert {m.table: m.count for m in moved}["channel_cursors"] == 3
    finally:
        postgres_cluster.drop(postgres_cluster.url("english"))
