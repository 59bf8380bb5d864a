"""The sweep: armed at the earliest due time, run by one process per database, in real time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.leadership import Leadership
from bot.outbox import OutboxWorker
from bot.scheduler import Scheduler
from handlers.desk import Desk
from handlers.models import Notice
from handlers.settings import DeskSettings, EscalationSettings, Reminder
from storage.rows import from_db
from storage.store import SqliteStore
from tests import builders
from tests.bot.instances import two_instances
from tests.builders import ALICE, DAVE, post, rows
from tests.clock import FakeClock
from tests.conftest import OpenStore


def unclaimed_after(seconds: float) -> DeskSettings:
    return builders.settings(
        escalation=EscalationSettings(unclaimed=Reminder(timedelta(seconds=seconds)))
    )


@pytest.mark.both_stores
async def test_only_the_lease_holder_sweeps(open_store: OpenStore, clock: FakeClock) -> None:
    """Two processes on one database: one reminder is queued, by the lease holder."""
    settings = unclaimed_after(60)
    async with two_instances(open_store, clock) as (
        first_store,
        first,
        second_store,
        second,
    ):
        assert await first.renew()
        assert not await second.renew()
        await post(Desk(first_store, clock, settings), ALICE, "printer on fire")
        clock.advance(minutes=2)
        assert await first.renew()  # as its scheduler does every few seconds meanwhile
        fired = await asyncio.gather(
            Scheduler(first_store, clock, settings, first).sweep(),
            Scheduler(second_store, clock, settings, second).sweep(),
        )
        assert sorted(fired) == [0, 1]
        assert await rows(first_store, "SELECT count(*) FROM outbox WHERE kind = 'reminder'") == [
            (1,)
        ]


async def test_outbox_of_a_process_without_the_lease_sends_nothing(
    store: SqliteStore, clock: FakeClock
) -> None:
    """Only the lease holder delivers, so two processes never send a notice twice."""
    await store.transact(
        lambda tx: tx.take_lease(
            "leader", "someone-else", clock.now(), clock.now() + timedelta(minutes=1)
        )
    )
    leadership = Leadership(store, clock, holder="me")
    await leadership.renew()
    await post(Desk(store, clock, builders.settings()), ALICE, "printer on fire")
    assert await OutboxWorker(store, clock, {}, leadership=leadership).deliver_due() == 0


async def test_reminder_arrives_in_real_time(store: SqliteStore) -> None:
    """With a one-second delay, the armed sweep fires and the outbox delivers the reminder."""
    clock = SystemClock()
    settings = unclaimed_after(1)
    reminded = asyncio.Event()

    class Console:
        platform = "console"

        async def deliver(self, notice: Notice, edit_of: str | None) -> str:
            if "nobody on it" in notice.text:
                reminded.set()
            return "m"

    leadership = Leadership(store, clock)
    outbox = OutboxWorker(store, clock, {"console": Console()}, leadership=leadership, poll=0.1)
    scheduler = Scheduler(store, clock, settings, leadership, on_swept=outbox.wake)
    desk = Desk(store, clock, settings, on_notices=outbox.wake, on_scheduled=scheduler.arm)
    await leadership.renew()
    scheduler.start()
    delivering = asyncio.create_task(outbox.run())
    try:
        opened = datetime.now(UTC)
        await post(desk, ALICE, "printer on fire")
        async with asyncio.timeout(10):
            await reminded.wait()
        assert datetime.now(UTC) - opened >= timedelta(seconds=1)
    finally:
        await scheduler.shutdown()
        delivering.cancel()
        await asyncio.gather(delivering, return_exceptions=True)


async def reminders(store: SqliteStore) -> int:
    (found,) = await rows(store, "SELECT count(*) FROM outbox WHERE kind = 'reminder'")
    return int(str(found[0]))


async def wait_for_reminders(
    store: SqliteStore, swept: asyncio.Event, count: int, *, within: float
) -> bool:
    """Wait for sweeps (`swept` is set by `on_swept`) to queue `count` reminders in time."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(within):
            while True:
                swept.clear()  # before counting: a sweep ending after the count sets it again
                if await reminders(store) >= count:
                    return True
                await swept.wait()
    return False


async def test_a_step_falling_due_during_a_sweep_is_swept_right_after(
    store: SqliteStore, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A due time that passes while a sweep runs gets another sweep at once, never a skip."""
    clock = SystemClock()
    settings = unclaimed_after(1)
    leadership = Leadership(store, clock)
    await leadership.renew()
    swept = asyncio.Event()
    scheduler = Scheduler(store, clock, settings, leadership, on_swept=swept.set, backstop=60)
    desk = Desk(store, clock, settings, on_scheduled=scheduler.arm)
    scheduler.start()
    try:
        with caplog.at_level(logging.WARNING, logger="apscheduler"):
            opened = time.monotonic()
            await post(desk, ALICE, "printer on fire")  # its reminder is due at 1 s
            await asyncio.sleep(0.5)
            await post(desk, DAVE, "scanner on fire")  # and this one's at 1.5 s
            # Another process writes from 0.6 s to 2.5 s: the sweep due at 1 s waits for it
            # and finishes after the second due time has passed.
            with contextlib.closing(sqlite3.connect(db_path, isolation_level=None)) as other:
                other.execute("BEGIN IMMEDIATE")
                await asyncio.sleep(2.5 - (time.monotonic() - opened))
                other.execute("COMMIT")
            assert await wait_for_reminders(store, swept, 2, within=10)
        assert "skipped" not in caplog.text
    finally:
        await scheduler.shutdown()


@pytest.mark.both_stores
async def test_holder_fires_a_reminder_the_other_instance_recorded_on_time(
    open_store: OpenStore,
) -> None:
    """Two instances on one file: the holder fires a step the other recorded within ~2 s."""
    clock = SystemClock()
    settings = unclaimed_after(2)
    async with two_instances(open_store, clock, ("holder", "other")) as (
        holder_store,
        holder,
        other_store,
        other,
    ):
        assert await holder.renew()
        assert not await other.renew()
        swept = asyncio.Event()
        schedulers = [
            Scheduler(
                holder_store,
                clock,
                settings,
                holder,
                on_swept=swept.set,
                backstop=60,
                watch_every=0.25,
            ),
            Scheduler(other_store, clock, settings, other, backstop=60, watch_every=0.25),
        ]
        for scheduler in schedulers:
            scheduler.start()
        try:
            # Let the holder's first sweep (at start) end before the ticket exists: from then
            # on, only the other instance's arming knows of its due time.
            await asyncio.sleep(0.5)
            desk = Desk(other_store, clock, settings, on_scheduled=schedulers[1].arm)
            await post(desk, ALICE, "printer on fire")
            assert await wait_for_reminders(holder_store, swept, 1, within=15)
            ((due, fired),) = await rows(holder_store, "SELECT due_at, fired_at FROM timers")
        finally:
            for scheduler in schedulers:
                await scheduler.shutdown()
    late = from_db(str(fired)) - from_db(str(due))
    assert timedelta() <= late < timedelta(seconds=2)


async def test_a_process_taking_the_lease_over_sweeps_at_once(store: SqliteStore) -> None:
    """The survivor of a crashed holder fires what fell due as soon as the lease is its own."""
    clock = SystemClock()
    settings = unclaimed_after(0.5)
    crashed = clock.now() + timedelta(seconds=1)  # its lease runs out then, never renewed
    await store.transact(lambda tx: tx.take_lease("leader", "crashed", clock.now(), crashed))
    leadership = Leadership(store, clock, ttl=2, renew_every=0.2)
    assert not await leadership.renew()
    swept = asyncio.Event()
    scheduler = Scheduler(store, clock, settings, leadership, on_swept=swept.set, backstop=60)
    desk = Desk(store, clock, settings, on_scheduled=scheduler.arm)
    scheduler.start()
    try:
        await post(desk, ALICE, "printer on fire")  # due at 0.5 s, while the lease is not ours
        assert await wait_for_reminders(store, swept, 1, within=10)
        ((fired,),) = await rows(store, "SELECT fired_at FROM timers")
    finally:
        await scheduler.shutdown()
    assert from_db(str(fired)) - crashed < timedelta(seconds=2)
