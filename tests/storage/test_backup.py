"""`deskbot backup PATH`: an online, checked copy of a live desk, and restoring it."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from handlers.models import NewTicket, Place, Priority
from storage import search
from storage.backup import BackupRefused, backup
from storage.database import migrations, statements
from storage.store import SqliteStore
from tests.builders import ALICE, SUPPORT
from tests.clock import START

BODY = "my printer is on fire " * 100  # a desk of some megabytes, so the copy takes a while


def new_ticket(n: int) -> NewTicket:
    place = Place(SUPPORT.workspace, SUPPORT.channel, f"{n}.0")
    return NewTicket(place, ALICE, f"ticket {n}", BODY, Priority.NORMAL, START)


async def open_tickets(store: SqliteStore, first: int, count: int) -> None:
    await store.transact(
        lambda tx: [tx.insert_ticket(new_ticket(n)) for n in range(first, first + count)]
    )


async def restored_ids(copy: Path, where: Path) -> set[int]:
    """Restore as an operator does (the file put at storage.path, deskbot started)."""
    where.parent.mkdir()
    shutil.copyfile(copy, where)
    async with await SqliteStore.open(where) as store:
        found = await store.database.run(
            lambda raw: raw.execute("SELECT id FROM tickets").fetchall()
        )
    return {int(row[0]) for row in found}


async def test_a_backup_of_a_live_desk_restores_every_committed_ticket(tmp_path: Path) -> None:
    """Tickets keep being committed during the copy; the restored copy holds every one
    committed before it began, and is one consistent moment (numbers 1..n, no gap)."""
    desk, copy = tmp_path / "desk.db", tmp_path / "copy.db"
    committed: list[int] = []
    async with await SqliteStore.open(desk) as store:
        await open_tickets(store, 1, 5000)
        committed += range(1, 5001)
        stop = asyncio.Event()

        async def keep_writing() -> None:
            n = 5001
            while not stop.is_set():
                ticket = await store.transact(lambda tx, n=n: tx.insert_ticket(new_ticket(n)))
                assert ticket is not None
                committed.append(ticket.id)
                n += 1

        writer = asyncio.create_task(keep_writing())
        await asyncio.sleep(0.05)
        before = list(committed)
        copied = await asyncio.to_thread(backup, desk, copy)
        during = committed[len(before) :]
        stop.set()
        await writer
    assert during, "the bot's writes went on while the copy was taken"
    found = await restored_ids(copy, tmp_path / "restored" / "desk.db")
    assert set(before) <= found
    assert found == set(range(1, len(found) + 1))
    assert copied.counts["tickets"] == len(found)
    assert copied.integrity == "ok"


async def test_a_restored_backup_of_an_older_desk_is_migrated_on_start(tmp_path: Path) -> None:
    """A copy taken by an older deskbot opens and migrates like any desk."""
    desk, copy = tmp_path / "desk.db", tmp_path / "copy.db"
    raw = sqlite3.connect(desk, isolation_level=None)
    search.register(raw)  # migration 0007 cuts text with it
    for number, script in migrations()[:10]:
        for statement in statements(script):
            raw.execute(statement)
        raw.execute(f"PRAGMA user_version = {number}")
    raw.close()
    backup(desk, copy)
    where = tmp_path / "restored" / "desk.db"
    await restored_ids(copy, where)
    migrated = sqlite3.connect(where)
    assert migrated.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0]
    migrated.close()


def test_a_backup_never_overwrites_a_file(tmp_path: Path) -> None:
    """An existing file at PATH is left as it was, and the backup is refused."""
    desk, copy = tmp_path / "desk.db", tmp_path / "copy.db"
    sqlite3.connect(desk).close()
    copy.write_text("keep me")
    with pytest.raises(BackupRefused, match="never overwrites"):
        backup(desk, copy)
    assert copy.read_text() == "keep me"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["copy.db", "desk.db"]


async def test_deskbot_backup_prints_what_it_wrote_and_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command names the copy, its tables' rows and the integrity check."""
    async with await SqliteStore.open(tmp_path / "desk.db") as store:
        await open_tickets(store, 1, 3)
    config = tmp_path / "config.yaml"
    config.write_text("storage: {path: desk.db}\n")
    target = tmp_path / "copy.db"
    code = await asyncio.to_thread(main, ["backup", str(target), "--config", str(config)])
    out = capsys.readouterr().out
    assert code == 0
    assert f"Wrote {target}: a copy of {tmp_path / 'desk.db'}" in out
    assert "integrity check says ok" in out
    assert "  tickets: 3\n" in out
    assert "To restore: stop deskbot" in out


def test_deskbot_backup_of_a_postgresql_desk_says_to_use_pg_dump(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A desk in PostgreSQL is not copied: the command gives the pg_dump line and exits 1."""
    config = tmp_path / "config.yaml"
    config.write_text("storage: {url: 'postgresql://deskbot:secret@db:5432/deskbot'}\n")
    code = main(["backup", "desk.dump", "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 1
    assert "pg_dump --format=custom --file=desk.dump postgresql://deskbot@db:5432/deskbot" in err
    assert "secret" not in err
    assert not (tmp_path / "desk.dump").exists()
