"""A broadcast of thread replies through Slack's per-channel post limit: the real outbox, the
real Slack sender and slack_sdk's web client against the fake, its limit scaled down."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.adapters.slack.client import close_connections, pool_connections, web_client
from bot.adapters.slack.outbound import SlackSender
from bot.clock import SystemClock
from bot.config import SlackConfig
from bot.outbox import OutboxWorker
from bot.sending import UNPACED, ChannelPace
from handlers.models import Notice, NoticeKind, Place
from handlers.ports import Tx
from handlers.texts import texts_in
from storage.store import SqliteStore
from tests.fakes.slack import FakeSlack

INTERVAL = 0.02  # Slack's one post per second per channel, scaled down fifty times
PACE = ChannelPace(posts=1, per=INTERVAL)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.limit_posts(INTERVAL)
        yield fake


@pytest.fixture
async def sender(slack: FakeSlack) -> AsyncIterator[SlackSender]:
    config = SlackConfig(
        enabled=True, bot_token=slack.bot_token, app_token=slack.app_token, api_url=slack.api_url
    )
    sender = SlackSender(web_client(config), config, texts_in("en"), PACE)
    pool_connections(sender.client)
    sender.accept()
    yield sender
    await close_connections(sender.client)


async def broadcast(store: SqliteStore, slack: FakeSlack, channels: int, each: int) -> list[str]:
    """Queue `each` thread replies in each of `channels` channels, interleaved; their ids."""
    customer = slack.add_user("customer")
    rooms = [slack.add_channel(f"support-{n}", members=[customer.id]).id for n in range(channels)]
    notices = []
    for number in range(channels * each):
        room = rooms[number % channels]
        root = slack.workspace.add_message(room, customer.id, f"ticket {number}")
        place = Place(f"slack:{slack.identity.team_id}", room, root.ts)
        notices.append(Notice(NoticeKind.THREAD, place, f"update {number}"))
    now = SystemClock().now()

    def enqueue(tx: Tx) -> None:
        for notice in notices:
            tx.enqueue(notice, now)

    await store.transact(enqueue)
    return rooms


def posted(slack: FakeSlack, channel: str) -> list[int]:
    """The numbers of the updates Slack accepted in `channel`, in the order it took them."""
    calls = slack.calls_to("chat.postMessage")
    return [int(c.args["text"].split()[1]) for c in calls if c.ok and c.args["channel"] == channel]


def accepted(slack: FakeSlack) -> int:
    return sum(1 for call in slack.calls_to("chat.postMessage") if call.ok)


async def until(done: Callable[[], bool], within: float) -> None:
    """Wait until `done()` holds."""
    async with asyncio.timeout(within):
        while True:
            if done():
                return
            await asyncio.sleep(0.01)  # the fake has no feed of its calls to wait on


@contextlib.asynccontextmanager
async def delivering(worker: OutboxWorker) -> AsyncIterator[None]:
    """Run the worker until the block ends."""
    task = asyncio.create_task(worker.run())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_broadcast_paced_at_the_channel_limit_meets_no_429(
    store: SqliteStore, slack: FakeSlack, sender: SlackSender
) -> None:
    """Posting each channel's replies as fast as its limit allows, Slack never says 429."""
    rooms = await broadcast(store, slack, channels=4, each=10)
    async with delivering(OutboxWorker(store, SystemClock(), {"slack": sender})):
        await until(lambda: accepted(slack) == 40, within=10)
    assert slack.rate_limited_calls() == 0
    for offset, room in enumerate(rooms):
        assert posted(slack, room) == list(range(offset, 40, 4))


async def test_order_per_thread_is_kept_under_a_429_storm(
    store: SqliteStore, slack: FakeSlack, sender: SlackSender
) -> None:
    """Unpaced into the limit, and with injected 429s besides: each reply once, in order."""
    sender.pace = UNPACED
    slack.fail("chat.postMessage", status=429, retry_after=0, times=15)
    rooms = await broadcast(store, slack, channels=3, each=10)
    async with delivering(OutboxWorker(store, SystemClock(), {"slack": sender})):
        await until(lambda: accepted(slack) == 30, within=20)
    assert slack.rate_limited_calls() > 15
    for offset, room in enumerate(rooms):
        assert posted(slack, room) == list(range(offset, 30, 3))


async def test_one_rate_limited_channel_does_not_stall_the_others(
    store: SqliteStore, slack: FakeSlack, sender: SlackSender
) -> None:
    """A channel answered 429 with Retry-After: 1 on every post holds up only itself."""
    rooms = await broadcast(store, slack, channels=3, each=10)
    slack.fail("chat.postMessage", status=429, retry_after=1, channel=rooms[0], times=None)
    async with delivering(OutboxWorker(store, SystemClock(), {"slack": sender})):
        await until(lambda: accepted(slack) == 20, within=1.0)  # one a second: ten seconds
        assert posted(slack, rooms[0]) == []
        slack.clear_faults()
        await until(lambda: accepted(slack) == 30, within=10)
    assert posted(slack, rooms[0]) == list(range(0, 30, 3))


async def test_a_restart_mid_broadcast_resumes_losing_nothing(
    db_path: Path, slack: FakeSlack, sender: SlackSender
) -> None:
    """Stopped mid-broadcast and started again on the same file: every reply is posted, in
    order, and only a reply in flight at the stop (one per channel at most) twice."""
    async with await SqliteStore.open(db_path) as store:
        rooms = await broadcast(store, slack, channels=4, each=10)
        async with delivering(OutboxWorker(store, SystemClock(), {"slack": sender})):
            await until(lambda: accepted(slack) >= 15, within=10)
    async with await SqliteStore.open(db_path) as store:
        worker = OutboxWorker(store, SystemClock(), {"slack": sender})
        async with asyncio.timeout(10):
            await worker.drain()
    sent = [posted(slack, room) for room in rooms]
    for offset, numbers in enumerate(sent):
        assert sorted(set(numbers)) == list(range(offset, 40, 4))
        assert numbers == sorted(numbers)  # a resent one right after itself, never out of order
    assert sum(map(len, sent)) - 40 <= len(rooms)
