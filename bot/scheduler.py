"""When time passes: the sweep that fires due timers, armed at the earliest due time.

Due times are rows in SQLite, never only in memory. One APScheduler job is re-armed to the
earliest due time this process knows of, and a backstop sweep runs every minute anyway.
Another process on the same database (see `bot.leadership`) records tickets whose due times
this one's arming never hears of, so the lease holder watches: every second it asks SQLite
whether anyone else committed (`Store.outside_changes`, next to free) and, if so,
re-arms the one sweep to the earliest pending due time. The lease is renewed on its own
interval; a process that takes the lease over sweeps at once, for what its predecessor left.

Runs are never dropped. Misfires: there is no misfire grace time, so a run that fell due
while the event loop was busy or the process suspended still runs, and missed runs are
coalesced: after downtime the sweep runs once and fires every overdue step once. Overlaps:
a sweep asked for while one runs (an arming falling due, the backstop) waits for it and
then sweeps once more, sharing that sweep with any other request made meanwhile; so these
jobs have no instance limit, rather than APScheduler skipping a run that finds one going.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.leadership import Leadership
from handlers import timers
from handlers.ports import Clock, Store
from handlers.settings import DeskSettings

log = logging.getLogger(__name__)

SWEEP, BACKSTOP, WATCH, LEASE, DIGEST = "sweep", "backstop", "watch", "lease", "digest"
# APScheduler skips a run when this many of the job are running; sweeps coalesce instead.
UNLIMITED = sys.maxsize


class Scheduler:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        settings: DeskSettings,
        leadership: Leadership,
        *,
        on_swept: Callable[[], None] = lambda: None,
        on_timed: Callable[[float], None] = lambda seconds: None,
        backstop: float = 60.0,
        watch_every: float = 1.0,
        batch: int = 500,
    ) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self.leadership = leadership
        self.on_swept = on_swept
        self.on_timed = on_timed  # told each sweep's duration, in seconds (for /metrics)
        self.last_swept_at: datetime | None = None  # when a sweep last ended (for /readyz)
        self.backstop = backstop
        self.watch_every = watch_every
        self.batch = batch
        self._aps = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        )
        self._sweeping = asyncio.Lock()
        self._requested = False
        self._seen: int | None = None
        self._watching = False
        self._running: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        """Start the jobs; the first sweep (catching up after downtime) runs at once."""
        self._aps.start()
        # The lease was taken before start (the app, or the first sweep); keep renewing it.
        self._add(LEASE, self._keep_lease, IntervalTrigger(seconds=self.leadership.renew_every))
        looks = IntervalTrigger(seconds=self.watch_every)
        self._add(WATCH, self.watch, looks, max_instances=UNLIMITED)
        backstop = IntervalTrigger(seconds=self.backstop)
        self._add(BACKSTOP, self.sweep, backstop, max_instances=UNLIMITED)
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
        self._add(SWEEP, self.sweep, DateTrigger(at), max_instances=UNLIMITED)

    def _add(
        self,
        job_id: str,
        job: Callable[[], Awaitable[object]],
        trigger: BaseTrigger,
        max_instances: int = 1,
    ) -> None:
        self._aps.add_job(
            self._tracked(job),
            trigger,
            id=job_id,
            name=job_id,
            replace_existing=True,
            max_instances=max_instances,
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

    async def _keep_lease(self) -> None:
        """Renew the lease; having just taken it over, sweep at once."""
        held = self.leadership.held
        if await self.leadership.renew() and not held:
            self.arm(datetime.now(UTC))  # the last holder stopped: catch up on what it left

    async def watch(self) -> None:
        """Re-arm the sweep if another process committed since the last look (lease holder)."""
        # One look at a time: one stuck behind a busy database sees the commits of this tick
        # too. None during a sweep: the sweep reads the earliest due time when it ends.
        if not self.leadership.held or self._watching or self._sweeping.locked():
            return
        self._watching = True
        try:
            seen = await self.store.outside_changes()
            if seen != self._seen:
                self._seen = seen
                following = await self.store.read(lambda tx: tx.next_timer_due())
                if following is not None:
                    self.arm(following)
        finally:
            self._watching = False

    async def sweep(self) -> int:
        """Fire every due step (if this process holds the lease), then re-arm; return fired.

        Called while a sweep runs, wait for it, then sweep again: a due time that passed
        meanwhile is never missed. Calls made together share that second sweep.
        """
        self._requested = True
        async with self._sweeping:
            if not self._requested:
                return 0  # a sweep that began after this call has done its work
            self._requested = False
            started = time.perf_counter()
            fired = await self._sweep()
            self.last_swept_at = self.clock.now()
            self.on_timed(time.perf_counter() - started)
            return fired

    @property
    def running(self) -> bool:
        """Whether jobs are being started (not before `start`, nor after `shutdown`)."""
        return bool(self._aps.running) and self._aps.state == STATE_RUNNING

    async def _sweep(self) -> int:
        if not self.leadership.held and not await self.leadership.renew():
            return 0
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
