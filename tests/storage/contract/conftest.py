"""The storage contract: every store implementation, each behind the same fixtures.

Each test here speaks only through the ports in `handlers.ports`, so any store that passes
the suite can stand in for SQLite. To add an implementation, write a factory like `sqlite`
(open it empty, yield it, close it; it may ask for any fixture) and add it to
`IMPLEMENTATIONS`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from handlers.ports import Cursors, Store, ViewSource
from storage.cursors import ChannelCursors
from storage.postgres.cursors import PostgresCursors
from storage.postgres.store import PostgresStore
from storage.store import SqliteStore


@dataclass(frozen=True)
class Storage:
    """One implementation's storage, opened empty for a test."""

    store: Store
    cursors: Cursors
    views: ViewSource  # the web view's reads, beside the writer


@asynccontextmanager
async def sqlite(request: pytest.FixtureRequest) -> AsyncIterator[Storage]:
    """A SQLite store on a real file."""
    tmp_path: Path = request.getfixturevalue("tmp_path")
    async with await SqliteStore.open(tmp_path / "contract.db") as store:
        yield Storage(store, ChannelCursors(store), store)


@asynccontextmanager
async def postgres(request: pytest.FixtureRequest) -> AsyncIterator[Storage]:
    """A PostgreSQL store on a fresh database of the session's throwaway cluster."""
    url: str = request.getfixturevalue("postgres_url")
    async with await PostgresStore.open(url) as store:
        yield Storage(store, PostgresCursors(store), store)


IMPLEMENTATIONS: dict[
    str, Callable[[pytest.FixtureRequest], AbstractAsyncContextManager[Storage]]
] = {
    "sqlite": sqlite,
    "postgres": postgres,
}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
async def storage(request: pytest.FixtureRequest) -> AsyncIterator[Storage]:
    async with IMPLEMENTATIONS[request.param](request) as opened:
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
