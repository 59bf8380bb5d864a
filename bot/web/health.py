"""`/readyz`: is this process doing its work, not merely alive? Each check says what it saw.

- **database**: a write transaction commits (a probe row written and removed again);
- **platform:<name>**: each enabled platform is still serving;
- **scheduler**: the timers' scheduler runs and its last sweep ended recently;
- **notices**: the oldest notice waiting to go out is younger than the threshold.

A health check that says "fine" while the worker is dead is worse than none: each check
looks at the thing itself, not at the process around it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.scheduler import Scheduler
from handlers import texts
from handlers.ports import Clock, LeaseTx, Store, ViewSource
from handlers.views import Totals

PROBE_TIMEOUT = 5.0
OK = "ok"


@dataclass(frozen=True)
class Readiness:
    """The checks behind `/readyz`, over what the composition root started."""

    store: Store
    views: ViewSource
    clock: Clock
    scheduler: Scheduler | None
    platforms: Callable[[], Awaitable[Mapping[str, str]]]  # each platform's finding
    sweep_within: timedelta
    notices_within: timedelta

    async def checks(self) -> dict[str, str]:
        """Each check's finding: "ok", or what is wrong."""
        found = {"database": await self._database()}
        for name, finding in sorted((await self.platforms()).items()):
            found[f"platform:{name}"] = finding
        found["scheduler"] = self._scheduler(self.clock.now())
        found["notices"] = await self._notices()
        return found

    async def _database(self) -> str:
        holder = f"readyz-{uuid.uuid4().hex}"

        def probe(tx: LeaseTx) -> None:
            now = self.clock.now()
            tx.take_lease("readyz-probe", holder, now, now)
            tx.release_lease("readyz-probe", holder)

        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                await self.store.transact(probe)
        except TimeoutError:
            return f"no write committed within {PROBE_TIMEOUT:g}s"
        except Exception as error:
            return f"a write failed: {type(error).__name__}"
        return OK

    def instance(self) -> dict[str, object]:
        """Which deskbot answers, and which one leads: sweeps timers and sends notices."""
        if self.scheduler is None:
            return {}
        leadership = self.scheduler.leadership
        return {
            "instance": leadership.holder,
            "leads": leadership.held,
            "leader": leadership.leader,
        }

    def _scheduler(self, now: datetime) -> str:
        scheduler = self.scheduler
        if scheduler is None or not scheduler.running:
            return "not running"
        if not scheduler.leadership.held:
            # A standby sweeps nothing until it takes over: it is ready to, which is the point.
            return OK
        last = scheduler.last_swept_at
        if last is None:
            return "no sweep has finished yet"
        if now - last > self.sweep_within:
            return f"last sweep ended {texts.duration(now - last)} ago"
        return OK

    async def _notices(self) -> str:
        try:
            totals: Totals = await self.views.view(lambda views: views.totals(()))
        except Exception as error:
            return f"the outbox could not be read: {type(error).__name__}"
        oldest = totals.oldest_pending
        if oldest is not None and self.clock.now() - oldest > self.notices_within:
            age = texts.duration(self.clock.now() - oldest)
            return f"the oldest pending notice was queued {age} ago"
        return OK
