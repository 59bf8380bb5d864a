"""The outbox worker stops when cancelled, even as it is being woken."""

from __future__ import annotations

import asyncio

from bot.outbox import OutboxWorker
from storage.store import SqliteStore
from tests.clock import FakeClock


async def test_worker_stops_when_cancelled_just_as_it_is_woken(
    store: SqliteStore, clock: FakeClock
) -> None:
    """A wake-up racing the cancellation (a platform stopping mid-work) does not swallow it."""
    outbox = OutboxWorker(store, clock, poll=60.0)
    worker = asyncio.create_task(outbox.run())
    for _ in range(100):  # let the worker look at the (empty) queue and go to sleep
        if outbox._wake._waiters:
            break
        await asyncio.sleep(0)
    outbox.wake()
    await asyncio.sleep(0)  # the wake-up completes; the worker has not run yet
    worker.cancel()
    done, _ = await asyncio.wait({worker}, timeout=1.0)
    assert worker in done and worker.cancelled()
