"""Shared fixtures: a real SQLite file per test, a hand-turned clock, a console desk, and
a throwaway PostgreSQL cluster (`tests.postgres`) with a fresh database per test that asks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from handlers.desk import Desk
from handlers.settings import DeskSettings
from storage.postgres.database import migrate
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


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SqliteStore]:
    async with await SqliteStore.open(db_path) as opened:
        yield opened


@pytest.fixture
def settings() -> DeskSettings:
    return builders.settings()


@pytest.fixture
def desk(store: SqliteStore, clock: FakeClock, settings: DeskSettings) -> Desk:
    return Desk(store, clock, settings)
