"""Each channel is a lane: sent at its own pace, held up by nothing another channel waits for."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import timedelta

from bot.clock import SystemClock
from bot.leadership import Leadership
from bot.outbox import OutboxWorker
from bot.sending import ChannelPace, TransientDeliveryError
from handlers.models import Notice, NoticeKind, Place
from handlers.ports import Tx
from storage.rows import from_db
from storage.store import SqliteStore
from tests.builders import rows
from tests.clock import FakeClock

WORKSPACE = "console:local"


class GatedSender:
    """Records deliveries; a channel whose gate is closed hangs in the call (as discord.py
    does while it waits out a rate limit), and failures can be planned per channel."""

    platform = "console"

    def __init__(self, pace: ChannelPace | None = None) -> None:
        if pace is not None:
            self.pace = pace
        self.delivered: list[tuple[str, str, float]] = []  # channel, text, when
        self.gates: dict[str, asyncio.Event] = {}
        self.failures: dict[str, list[Exception]] = {}
        self.sent = asyncio.Event()

    async def deliver(self, notice: Notice, edit_of: str | None) -> str:
        channel = notice.place.channel
        if channel in self.gates:
            await self.gates[channel].wait()
        if self.failures.get(channel):
            raise self.failures[channel].pop(0)
        self.delivered.append((channel, notice.text, time.monotonic()))
        self.sent.set()
        return f"msg-{len(self.delivered)}"

    def texts(self, channel: str) -> list[str]:
        return [text for where, text, _ in self.delivered if where == channel]

    async def until(self, delivered: int, within: float = 2.0) -> None:
        async with asyncio.timeout(within):
            while len(self.delivered) < delivered:
                self.sent.clear()
                await self.sent.wait()


async def queue(store: SqliteStore, clock: FakeClock | SystemClock, channel: str, n: int) -> None:
    notices = [
        Notice(NoticeKind.THREAD, Place(WORKSPACE, channel, f"{channel}-{i}"), f"{channel} {i}")
        for i in range(n)
    ]

    def enqueue(tx: Tx) -> None:
        for notice in notices:
            tx.enqueue(notice, clock.now())

    await store.transact(enqueue)


async def running(worker: OutboxWorker) -> asyncio.Task[None]:
    task = asyncio.create_task(worker.run())
    worker.wake()
    return task


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_channel_stuck_in_a_send_does_not_stall_the_others(
    store: SqliteStore, clock: FakeClock
) -> None:
    """While one channel's send hangs, every notice of the other channels goes out."""
    sender = GatedSender()
    sender.gates["stuck"] = asyncio.Event()
    await queue(store, clock, "stuck", 3)
    await queue(store, clock, "a", 5)
    await queue(store, clock, "b", 5)
    task = await running(OutboxWorker(store, clock, {"console": sender}, poll=60))
    try:
        await sender.until(10)
        assert sender.texts("stuck") == []
        sender.gates["stuck"].set()
        await sender.until(13)
    finally:
        await stop(task)
    assert sender.texts("stuck") == ["stuck 0", "stuck 1", "stuck 2"]
    assert sender.texts("a") == [f"a {i}" for i in range(5)]


async def test_each_channel_goes_at_its_own_pace_side_by_side(store: SqliteStore) -> None:
    """Paced at one post per 0.1 s per channel, three channels of four take about 0.3 s."""
    clock = SystemClock()
    sender = GatedSender(ChannelPace(posts=1, per=0.1))
    for channel in ("a", "b", "c"):
        await queue(store, clock, channel, 4)
    started = time.monotonic()
    task = await running(OutboxWorker(store, clock, {"console": sender}, poll=60))
    try:
        await sender.until(12, within=5)
    finally:
        await stop(task)
    took = time.monotonic() - started
    for channel in ("a", "b", "c"):
        times = [when for where, _, when in sender.delivered if where == channel]
        assert all(later - earlier >= 0.1 for earlier, later in itertools.pairwise(times))
    assert 0.3 <= took < 0.9


async def test_retry_after_is_honoured_as_given_not_grown_by_backoff(
    store: SqliteStore, clock: FakeClock
) -> None:
    """The platform's Retry-After is the wait, even after earlier failures grew the backoff."""
    sender = GatedSender()
    sender.failures["a"] = [TransientDeliveryError("HTTP 503")] * 3 + [
        TransientDeliveryError("rate limited", retry_after=2)
    ]
    await queue(store, clock, "a", 1)
    worker = OutboxWorker(store, clock, {"console": sender}, backoff_base=10)
    waits = []
    for _ in range(4):
        tried_at = clock.now()
        await worker.deliver_due()
        ((due,),) = await rows(store, "SELECT next_attempt_at FROM outbox")
        clock.set(from_db(str(due)))
        waits.append((clock.now() - tried_at).total_seconds())
    assert waits == [10, 20, 40, 2]


async def test_a_short_retry_after_is_tried_again_when_due_not_at_the_next_poll(
    store: SqliteStore,
) -> None:
    """A rate limit of 50 ms is retried about then, though the worker polls once a minute."""
    clock = SystemClock()
    sender = GatedSender()
    sender.failures["a"] = [TransientDeliveryError("rate limited", retry_after=0.05)]
    await queue(store, clock, "a", 2)
    task = await running(OutboxWorker(store, clock, {"console": sender}, poll=60))
    try:
        await sender.until(2, within=2)
    finally:
        await stop(task)
    assert sender.texts("a") == ["a 0", "a 1"]


async def test_a_notice_waiting_its_turn_when_the_lease_moves_on_is_left_to_the_holder(
    store: SqliteStore, clock: FakeClock
) -> None:
    """The first notice goes; while the second waits out the channel's pace, another process
    takes the lease: the second is not sent here, and stays queued for the new holder."""
    sender = GatedSender(ChannelPace(posts=1, per=0.5))
    here = Leadership(store, clock, holder="here")
    assert await here.renew()
    await queue(store, clock, "a", 2)
    task = await running(OutboxWorker(store, clock, {"console": sender}, poll=60, leadership=here))
    try:
        await sender.until(1)
        later = FakeClock(clock.now() + timedelta(minutes=5))  # here's lease has run out
        assert await Leadership(store, later, holder="there").renew()
        assert not await here.renew()  # the renewal here sees it
        await asyncio.sleep(0.8)  # past the second notice's turn
    finally:
        await stop(task)
    assert sender.texts("a") == ["a 0"]
    assert await rows(store, "SELECT count(*) FROM outbox WHERE status = 'pending'") == [(1,)]
