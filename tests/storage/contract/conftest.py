"""The storage contract: every store implementation, each behind the same fixtures.

Each test here speaks only through the ports in `handlers.ports`, so any store that passes
the suite can stand in for SQLite. To add an implementation, write a factory like `sqlite`
(open it empty, yield it, close it) and add it to `IMPLEMENTATIONS`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from handlers.ports import Cursors, Store, ViewSource
from storage.cursors import ChannelCursors
from storage.store import SqliteStore


@dataclass(frozen=True)
class Storage:
    """One implementation's storage, opened empty for a test."""

    store: Store
    cursors: Cursors
    views: ViewSource  # the web view's reads, beside the writer


@asynccontextmanager
async def sqlite(tmp_path: Path) -> AsyncIterator[Storage]:
    """A SQLite store on a real file."""
    async with await SqliteStore.open(tmp_path / "contract.db") as store:
        yield Storage(store, ChannelCursors(store), store)


IMPLEMENTATIONS: dict[str, Callable[[Path], AbstractAsyncContextManager[Storage]]] = {
    "sqlite": sqlite,
}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    async with IMPLEMENTATIONS[request.param](tmp_path) as opened:
        yield opened


@pytest.fixture
def store(storage: Storage) -> Store:
    return storage.store


@pytest.fixture
def cursors(storage: Storage) -> Cursors:
    return storage.cursors


@pytest.fixture
def views(storage: Storage) -> ViewSource:
    return storage.views
