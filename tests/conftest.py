"""Shared fixtures: a real SQLite file per test, a hand-turned clock, a console desk."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.desk import Desk
from handlers.settings import DeskSettings
from storage.store import SqliteStore
from tests import builders
from tests.clock import FakeClock


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
