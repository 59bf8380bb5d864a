"""The SQLite file: pragmas, migrations, refusing newer schemas, the append-only audit."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from handlers.desk import Desk
from handlers.settings import DeskSettings
from storage.database import (
    Database,
    DatabaseTooNew,
    DatabaseUnusable,
    migrations,
    statements,
    unusable_reason,
)
from storage.store import PRUNE_INBOUND_KEYS, SqliteStore
from tests.builders import BOB, open_ticket, rows, run
from tests.clock import FakeClock


async def test_database_file_is_created_on_first_open(tmp_path: Path) -> None:
    """Opening a path that doesn't exist creates the file (and its folder)."""
    path = tmp_path / "nested" / "desk.db"
    async with await Database.open(path):
        pass
    assert path.exists()


async def test_connection_uses_the_promised_pragmas(store: SqliteStore) -> None:
    """WAL, synchronous=NORMAL, a busy timeout and foreign keys on."""
    values = await store.database.run(
        lambda raw: [
            raw.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
        ]
    )
    assert values == ["wal", 1, 5000, 1]


async def test_migrations_set_user_version(store: SqliteStore) -> None:
    """After opening, the schema is at the newest migration's number."""
    newest = migrations()[-1][0]
    assert await rows(store, "PRAGMA user_version") == [(newest,)]


async def test_reopening_migrated_database_changes_nothing(db_path: Path) -> None:
    """A second open finds every migration applied and leaves the data alone."""
    async with await SqliteStore.open(db_path) as store:
        await store.database.run(lambda raw: raw.execute("PRAGMA user_version").fetchone())
    async with await SqliteStore.open(db_path) as store:
        assert await rows(store, "SELECT count(*) FROM tickets") == [(0,)]


async def test_database_from_newer_version_is_refused(db_path: Path) -> None:
    """A file written by a newer deskbot is refused with a message saying what to do."""
    raw = sqlite3.connect(db_path)
    raw.execute("PRAGMA user_version = 999")
    raw.close()
    with pytest.raises(DatabaseTooNew, match="written by a newer deskbot"):
        await Database.open(db_path)


async def test_audit_events_cannot_be_changed(desk: Desk, store: SqliteStore) -> None:
    """The audit log is append-only: updates and deletes are refused by the database."""
    await open_ticket(desk)
    for sql in ("UPDATE events SET kind = 'x'", "DELETE FROM events"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            await store.transact(lambda tx, sql=sql: tx._raw.execute(sql))


async def test_failed_unit_of_work_rolls_back_everything(store: SqliteStore) -> None:
    """If work raises halfway, nothing it wrote is kept."""

    def half_then_fail(tx: object) -> None:
        tx._raw.execute("INSERT INTO inbound_keys VALUES ('k', '2026-01-01T00:00:00.000000Z')")  # type: ignore[attr-defined]
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await store.transact(half_then_fail)
    assert await rows(store, "SELECT count(*) FROM inbound_keys") == [(0,)]


async def test_everything_survives_a_restart(
    db_path: Path, clock: FakeClock, settings: DeskSettings
) -> None:
    """Close the database and open it again: tickets, audit and the queue are all there."""
    async with await SqliteStore.open(db_path) as store:
        desk = Desk(store, clock, settings)
        await open_ticket(desk)
        await run(desk, BOB, "claim 1")
        before = await rows(store, "SELECT * FROM tickets")
        queued = await rows(store, "SELECT id, status FROM outbox")
    async with await SqliteStore.open(db_path) as store:
        assert await rows(store, "SELECT * FROM tickets") == before
        assert await rows(store, "SELECT id, status FROM outbox") == queued
        assert await rows(store, "SELECT count(*) FROM events") == [(2,)]


def test_statements_split_triggers_whole() -> None:
    """A trigger's inner semicolons don't split it."""
    script = "CREATE TABLE a (x);\nCREATE TRIGGER t BEFORE DELETE ON a\nBEGIN\n SELECT 1;\nEND;\n"
    assert len(statements(script)) == 2


def test_statements_refuse_unterminated_sql() -> None:
    """A migration missing its last semicolon fails loudly, not silently."""
    with pytest.raises(ValueError, match="Unterminated"):
        statements("CREATE TABLE a (x)")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"shopping: milk\n", "is not a SQLite database"),
        (b"SQLite format 3\x00" + b"\xff" * 200, "is not a SQLite database"),
    ],
)
async def test_a_file_that_is_not_a_database_is_refused_with_a_sentence(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    """Opening a text file or a damaged one names storage.path and the file, untouched."""
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    with pytest.raises(DatabaseUnusable) as refused:
        await Database.open(path)
    assert str(refused.value) == f"storage.path: {path} {reason}"
    assert path.read_bytes() == content


async def test_a_folder_is_refused_with_a_sentence(tmp_path: Path) -> None:
    """A folder at storage.path is named as a folder."""
    with pytest.raises(DatabaseUnusable, match="is a folder, not a SQLite database file"):
        await Database.open(tmp_path)


def test_a_pipe_is_refused_without_reading_it(tmp_path: Path) -> None:
    """A named pipe at storage.path is refused at once, not read (which would wait forever)."""
    pipe = tmp_path / "desk.db"
    os.mkfifo(pipe)
    assert unusable_reason(pipe) == "is not a regular file, so not a SQLite database"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
async def test_a_place_where_no_file_can_be_made_is_refused_with_a_sentence() -> None:
    """Where SQLite cannot create the file, the refusal names storage.path and says why."""
    path = Path("/proc/deskbot.db")
    with pytest.raises(DatabaseUnusable) as refused:
        await Database.open(path)
    assert str(refused.value) == (
        f"storage.path: {path} cannot be opened (unable to open database file)"
    )


async def test_pruning_inbound_keys_reads_them_from_the_index_on_age(
    store: SqliteStore,
) -> None:
    """A batch of old dedupe keys is found through `inbound_keys_by_age`, not a table scan."""
    plan = await store.database.run(
        lambda raw: [
            row[3]
            for row in raw.execute(f"EXPLAIN QUERY PLAN {PRUNE_INBOUND_KEYS}", ("2026-01-01", 1000))
        ]
    )
    assert any("USING COVERING INDEX inbound_keys_by_age" in step for step in plan), plan
