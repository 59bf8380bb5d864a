"""Run the real scheduler beside a running desk, on the wall clock, for real-time tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from bot.clock import SystemClock
from bot.config import Config
from bot.desk_settings import desk_settings
from bot.leadership import Leadership
from bot.outbox import OutboxWorker
from bot.scheduler import Scheduler
from handlers.desk import Desk
from storage.store import SqliteStore


def fast_reminders(config: Config) -> Config:
    """Unclaimed reminders after 1s; a 2-second first-response promise, warned at half
    time and escalated when it breaks."""
    changes = Config.model_validate(
        {
            "escalation": {"unclaimed": {"after": "1s"}, "breach": {}, "warn_before_breach": "50%"},
            "sla": {"policies": {"normal": {"first_response": "2s"}}},
        }
    )
    return config.model_copy(update={"escalation": changes.escalation, "sla": changes.sla})


@contextlib.asynccontextmanager
async def sweeping(
    store: SqliteStore, config: Config, desk: Desk, outbox: OutboxWorker
) -> AsyncIterator[Scheduler]:
    """Sweep due steps as the app does: leased, armed by the desk, waking the outbox."""
    clock = SystemClock()
    leadership = Leadership(store, clock)
    await leadership.renew()
    scheduler = Scheduler(store, clock, desk_settings(config), leadership, on_swept=outbox.wake)
    desk.on_scheduled = scheduler.arm
    scheduler.start()
    try:
        yield scheduler
    finally:
        await scheduler.shutdown()
