"""When time passes: the sweep that fires due timers, armed at the earliest due time.

Due times are rows in SQLite, never only in memory. One APScheduler job is re-armed to
the earliest due time, a backstop sweep runs every minute anyway, and the lease is renewed
on its own interval. Missed runs are never silently skipped (no misfire grace) and are
coalesced: after downtime the sweep runs once and fires every overdue step once.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.leadership import Leadership
from handlers import timers
from handlers.ports import Clock
from handlers.settings import DeskSettings
from storage.store import SqliteStore

log = logging.getLogger(__name__)

SWEEP, BACKSTOP, LEASE, DIGEST = "sweep", "backstop", "lease", "digest"


class Scheduler:
    def __init__(
        self,
        store: SqliteStore,
        clock: Clock,
        settings: DeskSettings,
        leadership: Leadership,
        *,
        on_swept: Callable[[], None] = lambda: None,
        backstop: float = 60.0,
        batch: int = 500,
    ) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self.leadership = leadership
        self.on_swept = on_swept
        self.backstop = backstop
        self.batch = batch
        self._aps = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        )
        self._sweeping = asyncio.Lock()
        self._running: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        """Start the jobs; the first sweep (catching up after downtime) runs at once."""
        self._aps.start()
        renew_every = max(self.leadership.ttl / 3, 0.05)
        # The lease was taken before start (the app, or the first sweep); keep renewing it.
        self._add(LEASE, self.leadership.renew, IntervalTrigger(seconds=renew_every))
        self._add(BACKSTOP, self.sweep, IntervalTrigger(seconds=self.backstop))
        self.arm(datetime.now(UTC))

    def add_cron(
        self, job_id: str, job: Callable[[], Awaitable[object]], trigger: BaseTrigger
    ) -> None:
        self._add(job_id, job, trigger)

    async def shutdown(self) -> None:
        """Start no more jobs, let the running ones finish, then stop."""
        if not self._aps.running:
            return
        # APScheduler's own shutdown cancels running jobs: a sweep cut off mid-transaction
        # and a traceback in the log on every quick exit.
        self._aps.pause()
        # A job submitted just before the pause takes its first step on this turn of the
        # loop; let it register so that it is waited for, not cancelled before it began.
        await asyncio.sleep(0)
        while self._running:
            await asyncio.wait(set(self._running))
        self._aps.shutdown(wait=False)

    def arm(self, at: datetime) -> None:
        """Make sure the sweep runs by `at` (earlier arming stays)."""
        armed = self._aps.get_job(SWEEP)
        # A job added before the scheduler starts has no next_run_time yet.
        when = getattr(armed, "next_run_time", None)
        if when is not None and when <= at:
            return
        self._add(SWEEP, self.sweep, DateTrigger(at))

    def _add(self, job_id: str, job: Callable[[], Awaitable[object]], trigger: BaseTrigger) -> None:
        self._aps.add_job(
            self._tracked(job), trigger, id=job_id, name=job_id, replace_existing=True
        )

    def _tracked(self, job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[object]]:
        """Wrap a job in a coroutine function that shutdown can wait for.

        APScheduler awaits only coroutine functions: a callable object with an async
        `__call__` (the digest job) would be called in a thread and its coroutine dropped.
        """

        async def tracked() -> object:
            task = asyncio.current_task()
            assert task is not None  # APScheduler runs coroutine jobs as tasks
            self._running.add(task)
            try:
                return await job()
            finally:
                self._running.discard(task)

        return tracked

    async def sweep(self) -> int:
        """Fire every due step (if this process holds the lease), then re-arm; return fired."""
        if not self.leadership.held and not await self.leadership.renew():
            return 0
        async with self._sweeping:
            fired = 0
            while True:
                fire = functools.partial(
                    timers.fire_due, now=self.clock.now(), settings=self.settings, limit=self.batch
                )
                batch = await self.store.transact(fire)
                fired += batch
                if batch < self.batch:
                    break
            if fired:
                log.info("Sweep handled %d due step(s)", fired)
                self.on_swept()
            following = await self.store.read(lambda tx: tx.next_timer_due())
        if following is not None:
            self.arm(following)
        return fired
