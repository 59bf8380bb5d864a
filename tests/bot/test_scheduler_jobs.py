"""The scheduler's jobs: each one awaited, and allowed to finish when the bot stops."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest
from apscheduler.triggers.date import DateTrigger

from bot.digest_job import DigestJob
from bot.leadership import Leadership
from bot.scheduler import DIGEST, Scheduler
from handlers.settings import DigestSettings
from storage.store import SqliteStore
from tests import builders
from tests.builders import rows
from tests.clock import FakeClock


async def started_scheduler(store: SqliteStore, clock: FakeClock) -> Scheduler:
    leadership = Leadership(store, clock)
    await leadership.renew()
    scheduler = Scheduler(store, clock, builders.settings(), leadership)
    scheduler.start()
    return scheduler


async def test_shutdown_lets_a_running_job_finish(
    store: SqliteStore, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Stopping waits for a job in flight instead of cancelling it and logging a traceback."""
    started, release, finished = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def slow() -> None:
        started.set()
        await release.wait()
        finished.set()

    scheduler = await started_scheduler(store, clock)
    scheduler.add_cron("slow", slow, DateTrigger(datetime.now(UTC)))
    async with asyncio.timeout(10):
        await started.wait()
    stopping = asyncio.create_task(scheduler.shutdown())
    await asyncio.sleep(0.05)
    assert not stopping.done()
    release.set()
    async with asyncio.timeout(10):
        await stopping
    assert finished.is_set()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_the_digest_job_is_awaited_when_its_cron_fires(
    store: SqliteStore, clock: FakeClock
) -> None:
    """The daily digest, a callable object, is really run by the scheduler and posted."""
    settings = builders.settings(digest=DigestSettings(skip_when_empty=False))
    leadership = Leadership(store, clock)
    await leadership.renew()
    posted = asyncio.Event()
    job = DigestJob(
        store, clock, settings, leadership, lambda: {"console": "console:local"}, posted.set
    )
    scheduler = Scheduler(store, clock, settings, leadership)
    scheduler.start()
    try:
        scheduler.add_cron(DIGEST, job, DateTrigger(datetime.now(UTC)))
        async with asyncio.timeout(10):
            await posted.wait()
    finally:
        await scheduler.shutdown()
    assert await rows(store, "SELECT count(*) FROM outbox WHERE kind = 'digest'") == [(1,)]
