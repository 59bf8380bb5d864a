"""Two deskbot processes on one database file, as an operator might run them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from bot.leadership import Leadership
from handlers.ports import Clock
from storage.store import SqliteStore

Instances = tuple[SqliteStore, Leadership, SqliteStore, Leadership]


@contextlib.asynccontextmanager
async def two_instances(
    db_path: Path, clock: Clock, names: tuple[str, str] = ("first", "second"), **lease: float
) -> AsyncIterator[Instances]:
    """Open the file twice, each store with its own would-be lease holder, named `names`."""
    async with (
        await SqliteStore.open(db_path) as one_store,
        await SqliteStore.open(db_path) as other_store,
    ):
        one = Leadership(one_store, clock, holder=names[0], **lease)
        other = Leadership(other_store, clock, holder=names[1], **lease)
        yield one_store, one, other_store, other
