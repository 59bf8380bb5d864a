"""After forgetting, nothing removed stays readable in the SQLite file or its WAL."""

from __future__ import annotations

from pathlib import Path

from handlers import privacy
from handlers.desk import Desk
from storage.store import SqliteStore
from tests.builders import ALICE, BOB, CAROL, DAVE, open_ticket, post, run, settings
from tests.clock import FakeClock

SECRET = "zanzibarian"


def raw_bytes(path: Path) -> bytes:
    """The database file and its WAL, byte for byte, as anyone who copies them gets them."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_forgotten_text_is_not_in_the_file_or_the_wal(tmp_path: Path) -> None:
    """Freed cells and pages are zeroed, the index merged, the WAL checkpointed and emptied."""
    path, clock = tmp_path / "desk.db", FakeClock()
    async with await SqliteStore.open(path) as store:
        desk = Desk(store, clock, settings())
        for n in range(30):  # others' tickets around hers, so her pages are shared
            await open_ticket(desk, DAVE, f"dave's printer number {n} " + "jams " * 40)
        mine = await open_ticket(desk, ALICE, f"my {SECRET} account " + "details " * 200)
        ticket = await desk.ticket(mine)
        assert ticket is not None
        await post(desk, ALICE, f"{SECRET} again " * 50, place=ticket.place)
        assert (await run(desk, BOB, f"resolve {mine} {SECRET} sorted")).ok
        await store.database.run(
            lambda raw: raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        )
        assert SECRET.encode() in raw_bytes(path)
        done = await privacy.forget(store, ALICE.key, CAROL.key, clock.now())
        assert done.remains is None
        held = raw_bytes(path)
        assert SECRET.encode() not in held
        assert b"alice" not in held
    assert SECRET.encode() not in raw_bytes(path)
