"""Shared fixtures: a real SQLite file per test, a hand-turned clock, a console desk, and
a throwaway PostgreSQL cluster (`tests.postgres`) with a fresh database per test that asks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from handlers.desk import FINDING_SIMILAR, Desk
from handlers.settings import DeskSettings
from storage.postgres.database import migrate
from storage.postgres.store import PostgresStore
from storage.store import SqliteStore
from tests import builders, postgres
from tests.clock import FakeClock


def pytest_report_header() -> str:
    return postgres.header()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if postgres.binaries() is None and not postgres.required():
        terminalreporter.write_line(postgres.header(), yellow=True, bold=True)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[postgres.Cluster]:
    """The session's PostgreSQL cluster, with a migrated template database to copy."""
    if postgres.binaries() is None:
        if postgres.required():
            pytest.fail(f"PostgreSQL is not installed, and {postgres.REQUIRE} is set.")
        pytest.skip("PostgreSQL is not installed")
    cluster = postgres.Cluster.start()
    try:
        url = cluster.create(postgres.TEMPLATE)
        migrate(url)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: postgres.Cluster) -> Iterator[str]:
    """A fresh, migrated database of its own for one test."""
    url = postgres_cluster.lend()
    yield url
    postgres_cluster.give_back(url)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "desk.db"


STORES = ("sqlite", "postgres")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "both_stores: run the test once on SQLite and once on PostgreSQL"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `both_stores` whose fixtures reach the store runs on each store."""
    if metafunc.definition.get_closest_marker("both_stores") and (
        "store_kind" in metafunc.fixturenames
    ):
        metafunc.parametrize("store_kind", STORES, indirect=True)


@pytest.fixture
def store_kind(request: pytest.FixtureRequest) -> str:
    """Which store the test's `store` is: SQLite, unless the test runs on both."""
    return str(getattr(request, "param", "sqlite"))


# Opens the test's storage again; `async with await open_store() as store`.
OpenStore = Callable[[], Awaitable[Any]]


@pytest.fixture
def open_store(store_kind: str, request: pytest.FixtureRequest, db_path: Path) -> OpenStore:
    """Open the test's storage (another connection to it, as a second instance would)."""
    if store_kind == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return lambda: PostgresStore.open(url)
    return lambda: SqliteStore.open(db_path)


@pytest.fixture
async def store(open_store: OpenStore) -> AsyncIterator[Any]:
    async with await open_store() as opened:
        yield opened
        # A desk finds similar tickets after its units, beside them: let that end first.
        behind = [t for t in asyncio.all_tasks() if t.get_name() == FINDING_SIMILAR]
        if behind:
            await asyncio.wait(behind)


@pytest.fixture
def settings() -> DeskSettings:
    return builders.settings()


@pytest.fixture
def desk(store: SqliteStore, clock: FakeClock, settings: DeskSettings) -> Desk:
    return Desk(store, clock, settings)
