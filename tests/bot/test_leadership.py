"""The lease: one process per database sweeps and sends; a crash or a stop hands it on."""

from __future__ import annotations

import contextlib
import logging
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from io import StringIO
from pathlib import Path

import pytest

from bot import app
from bot.config import Config
from bot.leadership import Leadership
from storage.store import SqliteStore
from tests.bot.instances import two_instances
from tests.clock import FakeClock
from tests.conftest import OpenStore

ROOT = Path(__file__).resolve().parents[2]


def leases(db_path: Path) -> list[tuple[str, str]]:
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        return db.execute("SELECT name, holder FROM leases").fetchall()


@pytest.mark.both_stores
async def test_a_crashed_holders_lease_passes_on_within_ten_seconds(
    open_store: OpenStore, clock: FakeClock
) -> None:
    """The survivor of a crash takes over once the lease, renewed for ~10 s at a time, ends."""
    async with two_instances(open_store, clock) as (_, first, _, second):
        assert await first.renew()
        clock.advance(seconds=9)
        assert not await second.renew()
        clock.advance(seconds=1.5)
        assert await second.renew()
        assert not await first.renew()


@pytest.mark.both_stores
async def test_waiting_is_logged_once_and_the_takeover_too(
    open_store: OpenStore, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A process kept waiting says once whose lease it waits for, then that it took it over."""
    async with two_instances(open_store, clock, ttl=10, renew_every=3) as (_, first, _, second):
        with caplog.at_level(logging.INFO, logger="bot.leadership"):
            for _ in range(4):  # both renew every 3 s; the first keeps the lease
                assert await first.renew()
                assert not await second.renew()
                clock.advance(seconds=3)
            clock.advance(seconds=10)  # the first crashed: it renews no more
            assert await second.renew()
            assert await second.renew()
    said = [record.getMessage() for record in caplog.records if record.name == "bot.leadership"]
    waiting = [line for line in said if line.startswith("Waiting for the lease")]
    assert waiting == [
        "Waiting for the lease held by first until 2026-11-24 10:00:10 UTC; this process"
        " (second) records events but sweeps and sends nothing meanwhile"
    ]
    assert said[-1].startswith("Took over the lease from first: this process (second)")


@pytest.mark.both_stores
async def test_released_lease_is_free_at_once(open_store: OpenStore, clock: FakeClock) -> None:
    """A clean shutdown hands the lease over without waiting for it to expire."""
    async with two_instances(open_store, clock) as (_, first, _, second):
        await first.renew()
        assert not await second.renew()
        await first.release()
        assert await second.renew()


def test_renewing_less_often_than_the_lease_lasts_is_refused(
    store: SqliteStore, clock: FakeClock
) -> None:
    """A lease that would expire between two renewals is a configuration mistake."""
    with pytest.raises(ValueError, match="more often than it lasts"):
        Leadership(store, clock, ttl=3, renew_every=3)


def console_config(db_path: Path) -> Config:
    return Config.model_validate({"storage": {"path": str(db_path)}})


async def test_run_releases_the_lease_when_the_console_input_ends(db_path: Path) -> None:
    """`deskbot run` whose input runs out leaves the lease free for the next one."""

    async def lines() -> AsyncIterator[str]:
        yield "alice: my printer is on fire"

    await app.run(console_config(db_path), lines=lines(), out=StringIO())
    assert leases(db_path) == []


def test_run_releases_the_lease_on_sigterm(tmp_path: Path) -> None:
    """A `deskbot run` stopped by SIGTERM leaves the lease free for its successor."""
    config, db_path = tmp_path / "config.yaml", tmp_path / "desk.db"
    config.write_text("storage: {path: desk.db}\n")
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        stdin=subprocess.PIPE,  # kept open: the console waits for input until the signal
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    ) as running:
        try:
            wait_for_a_lease(db_path, within=30)
            running.send_signal(signal.SIGTERM)
            _, errors = running.communicate(timeout=30)
        finally:
            running.kill()
    assert running.returncode == 0, errors.decode()
    assert leases(db_path) == []


def wait_for_a_lease(db_path: Path, *, within: float) -> None:
    deadline = time.monotonic() + within
    while True:
        with contextlib.suppress(sqlite3.OperationalError):  # not created or migrated yet
            if db_path.exists() and leases(db_path):
                return
        assert time.monotonic() < deadline, "deskbot never took the lease"
        time.sleep(0.1)
