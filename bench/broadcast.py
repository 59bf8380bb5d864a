"""Broadcast pacing: thousands of thread replies through Slack's per-channel post limit.

    .venv/bin/python bench/broadcast.py [--notices 5000] [--channels 20] [--interval 1.0]

An incident update is one thread reply per linked ticket, spread over the support channels.
The bench queues `--notices` such replies round-robin across `--channels` channels in the
outbox, then delivers them with the real outbox worker, the real Slack sender and
slack_sdk's web client against the loopback fake Slack, which enforces Slack's special
limit on `chat.postMessage`: one post per channel per `--interval` seconds (Slack's own
figure is one second), 429 with Retry-After beyond it. With a smaller `--interval` the
sender's pace is scaled alike, for a quicker run; the ratio then also carries each post's
round trip (the next post in a channel goes a full interval after Slack answered the last),
which does not scale down with the limit.

The baseline is the fastest schedule the limit allows, every channel taking its share at
one post per interval: ceil(notices / channels) x interval. The figure is the time until
the last reply is posted, as a ratio to that (target <= 1.2), with the number of 429s the
fake answered. The bench also checks that each channel received its replies in the order
they were queued and that none was posted twice.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the clone's tests/ (the fake)

from bot.adapters.slack.client import close_connections, pool_connections, web_client
from bot.adapters.slack.outbound import SLACK_PACE, SlackSender
from bot.clock import SystemClock
from bot.config import SlackConfig
from bot.outbox import OutboxWorker
from handlers.models import Notice, NoticeKind, Place
from handlers.ports import Tx
from handlers.texts import texts_in
from storage.store import SqliteStore
from tests.fakes.slack import FakeSlack

TIMEOUT_FACTOR = 5  # give up when delivery takes five times the fastest schedule


class Posts:
    """Follow the fake's calls as they come: accepted posts per channel (their texts and the
    threads they went to, None for the channel itself), and when the last was."""

    def __init__(self, slack: FakeSlack) -> None:
        self.slack = slack
        self.seen = 0
        self.accepted: dict[str, list[str]] = {}
        self.threads: dict[str, list[str | None]] = {}
        self.count = 0
        self.last_at = 0.0

    def catch_up(self) -> None:
        calls = self.slack.calls
        for call in calls[self.seen :]:
            if call.method == "chat.postMessage" and call.ok:
                channel = call.args["channel"]
                self.accepted.setdefault(channel, []).append(call.args["text"])
                self.threads.setdefault(channel, []).append(call.args.get("thread_ts"))
                self.count += 1
                self.last_at = time.monotonic()
        self.seen = len(calls)


def reply(number: int) -> str:
    return f"Update on the outage, for ticket {number}: we are restoring service."


async def queue(store: SqliteStore, slack: FakeSlack, notices: int, channels: int) -> None:
    """Queue one thread reply per ticket, round-robin over the channels, in one transaction."""
    workspace = f"slack:{slack.identity.team_id}"
    customer = slack.add_user("customer")
    rooms = [slack.add_channel(f"support-{n}", members=[customer.id]) for n in range(channels)]
    places = []
    for number in range(notices):
        room = rooms[number % channels]
        root = slack.workspace.add_message(room.id, customer.id, f"ticket {number} is down")
        places.append(Place(workspace, room.id, root.ts))
    now = SystemClock().now()

    def enqueue(tx: Tx) -> None:
        for number, place in enumerate(places):
            tx.enqueue(Notice(NoticeKind.THREAD, place, reply(number)), now)

    await store.transact(enqueue)


def sender_for(slack: FakeSlack, interval: float) -> SlackSender:
    """The Slack sender, its pace scaled like the fake's limit (Slack's own is one second)."""
    config = SlackConfig(
        enabled=True,
        bot_token=slack.bot_token,
        app_token=slack.app_token,
        api_url=slack.api_url,
    )
    pace = replace(SLACK_PACE, per=SLACK_PACE.per * interval)
    sender = SlackSender(web_client(config), config, texts_in("en"), pace)
    pool_connections(sender.client)  # as the Slack adapter does when it starts
    sender.accept()
    return sender


async def deliver(
    store: SqliteStore,
    slack: FakeSlack,
    notices: int,
    interval: float,
    limit: float,
    check: Callable[[Posts, int], None] | None = None,
) -> float:
    """Run the outbox until `notices` posts are made, then `check` them (this bench's replies
    by default); return the seconds until the last post."""
    posts = Posts(slack)
    sender = sender_for(slack, interval)
    worker = OutboxWorker(store, SystemClock(), {"slack": sender})
    started = time.monotonic()
    running = asyncio.create_task(worker.run(), name="outbox")
    try:
        async with asyncio.timeout(limit):
            while posts.count < notices:
                await asyncio.sleep(0.01)
                posts.catch_up()
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await close_connections(sender.client)
    (check or in_order)(posts, notices)
    return posts.last_at - started


def in_order(posts: Posts, notices: int) -> None:
    """Each channel got its replies once each, in the order they were queued."""
    for channel, texts in posts.accepted.items():
        numbers = [int(text.split("ticket ")[1].split(":")[0]) for text in texts]
        if numbers != sorted(set(numbers)):
            raise SystemExit(f"Channel {channel} got its replies out of order or twice.")
    if posts.count != notices:
        raise SystemExit(f"{posts.count} replies were posted for {notices} queued.")


async def bench(notices: int, channels: int, interval: float, folder: Path) -> None:
    fastest = math.ceil(notices / channels) * interval
    async with await SqliteStore.open(folder / "broadcast.db") as store, FakeSlack() as slack:
        await queue(store, slack, notices, channels)
        slack.limit_posts(interval)
        took = await deliver(store, slack, notices, interval, fastest * TIMEOUT_FACTOR + 10)
        refused = slack.rate_limited_calls()
    print(f"{notices} thread replies across {channels} channels, one post per {interval}s each")
    print(f"  fastest schedule the limit allows: {fastest:.2f}s")
    print(f"  last reply posted after:           {took:.2f}s")
    print(f"  ratio: {took / fastest:.2f}x (target <= 1.2)")
    print(f"  429s answered by Slack: {refused}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=5000)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds per post, per channel")
    parser.add_argument("--dir", type=Path, default=None, help="where the database goes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        asyncio.run(bench(args.notices, args.channels, args.interval, Path(folder)))


if __name__ == "__main__":
    main()
