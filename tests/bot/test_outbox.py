"""The outbox: delivered in order per channel, retried with backoff, never lost."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.outbox import OutboxWorker
from bot.sending import EditTargetGone, PermanentDeliveryError, TransientDeliveryError
from handlers.desk import Desk
from handlers.models import Notice, NoticeKind, Place
from handlers.settings import DeskSettings
from storage.rows import from_db
from storage.store import SqliteStore
from tests import builders
from tests.bot.instances import two_instances
from tests.builders import ALICE, BOB, open_ticket, post, rows, run
from tests.clock import FakeClock
from tests.conftest import OpenStore
from tests.sending import RecordingSender


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def worker(store: SqliteStore, clock: FakeClock, sender: RecordingSender) -> OutboxWorker:
    return OutboxWorker(store, clock, {"console": sender}, backoff_base=10, backoff_cap=600)


async def test_queued_notices_are_delivered_and_recorded(
    desk: Desk, worker: OutboxWorker, sender: RecordingSender, store: SqliteStore
) -> None:
    """Ack and card go out; each row records the platform's message id."""
    await open_ticket(desk)
    await worker.drain()
    assert sorted(sender.kinds()) == ["ack", "card"]
    assert await rows(store, "SELECT status, message_id IS NOT NULL FROM outbox") == [
        ("sent", 1),
        ("sent", 1),
    ]


async def test_what_the_bot_says_in_a_thread_joins_the_conversation(
    desk: Desk, worker: OutboxWorker, store: SqliteStore
) -> None:
    """Delivered thread notices are stored as the bot's messages in the ticket."""
    await open_ticket(desk)
    await worker.drain()
    messages = await store.read(lambda tx: tx.messages(1, include_internal=False))
    assert [str(m.role) for m in messages] == ["customer", "bot"]


async def test_card_updates_edit_the_first_card_message(
    desk: Desk, worker: OutboxWorker, sender: RecordingSender
) -> None:
    """Later card versions edit the message the first card became, never post anew."""
    await open_ticket(desk)
    await worker.drain()
    await run(desk, BOB, "claim 1")
    await worker.drain()
    cards = [(n.card, edit_of) for n, edit_of in sender.delivered if n.kind is NoticeKind.CARD]
    first_id = "msg-2" if sender.delivered[1][0].kind is NoticeKind.CARD else "msg-1"
    assert [edit_of for _, edit_of in cards] == [None, first_id]
    assert cards[-1][0] is not None and cards[-1][0].assignee == "bob"


async def test_transient_failure_is_retried_after_backoff(
    desk: Desk,
    worker: OutboxWorker,
    sender: RecordingSender,
    clock: FakeClock,
    store: SqliteStore,
) -> None:
    """A rate limit keeps the notice; it goes out once its Retry-After has passed."""
    sender.failing_channels["support"] = TransientDeliveryError("ratelimited", retry_after=30)
    await open_ticket(desk)
    await worker.deliver_due()
    assert sender.kinds() == ["card"]
    del sender.failing_channels["support"]
    clock.advance(seconds=29)
    assert await worker.deliver_due() == 0
    clock.advance(seconds=1)
    assert await worker.deliver_due() == 1
    assert sender.kinds() == ["card", "ack"]
    assert await rows(store, "SELECT attempts FROM outbox WHERE kind = 'ack'") == [(2,)]


async def test_backoff_grows_when_the_platform_gives_no_retry_after(
    desk: Desk,
    worker: OutboxWorker,
    sender: RecordingSender,
    clock: FakeClock,
    store: SqliteStore,
) -> None:
    """Without Retry-After, waits double from the base: 10s, 20s, 40s."""
    sender.failing_channels["support"] = TransientDeliveryError("HTTP 503")
    await open_ticket(desk)
    waits = []
    for _ in range(3):
        tried_at = clock.now()
        await worker.deliver_due()
        ((due,),) = await rows(store, "SELECT next_attempt_at FROM outbox WHERE kind = 'ack'")
        clock.set(from_db(str(due)))
        waits.append((clock.now() - tried_at).total_seconds())
    assert waits == [10, 20, 40]


async def test_a_failing_channel_does_not_hold_up_others(
    desk: Desk, worker: OutboxWorker, sender: RecordingSender
) -> None:
    """The triage card is delivered while the support channel is backing off."""
    sender.failing_channels["support"] = TransientDeliveryError("HTTP 500")
    await open_ticket(desk)
    await worker.deliver_due()
    assert sender.kinds() == ["card"]


async def test_order_within_a_channel_is_kept_across_retries(
    desk: Desk, worker: OutboxWorker, sender: RecordingSender, clock: FakeClock
) -> None:
    """A later notice to the same channel waits for the earlier one's retry."""
    await post(desk, ALICE, "printer on fire", message_id="root")
    await run(desk, BOB, "resolve 1")
    sender.failures.append(TransientDeliveryError("network down"))
    for _ in range(4):
        await worker.deliver_due()
        clock.advance(seconds=60)
    texts = [n.text for n, _ in sender.delivered if n.place.channel == "support"]
    assert texts[0].startswith("Thanks, alice!")
    assert "resolved by bob" in texts[1]


async def test_permanent_failure_is_marked_and_logged_once(
    desk: Desk,
    worker: OutboxWorker,
    sender: RecordingSender,
    store: SqliteStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An impossible delivery is marked failed, kept, and logged once per channel and reason."""
    sender.failing_channels["triage"] = PermanentDeliveryError(
        "channel_not_found", fix="Check slack.triage_channel."
    )
    with caplog.at_level(logging.ERROR):
        await open_ticket(desk)
        await open_ticket(desk)
        await worker.drain()
    assert await rows(store, "SELECT count(*) FROM outbox WHERE status = 'failed'") == [(2,)]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "Check slack.triage_channel." in errors[0].getMessage()


async def test_vanished_card_is_posted_again(
    desk: Desk, worker: OutboxWorker, sender: RecordingSender
) -> None:
    """If the card message was deleted, the next update posts a fresh card."""
    await open_ticket(desk)
    await worker.drain()
    sender.failures.append(EditTargetGone("message_not_found"))
    await run(desk, BOB, "claim 1")
    await worker.drain()
    cards = [edit_of for n, edit_of in sender.delivered if n.kind is NoticeKind.CARD]
    assert cards[-1] is None


async def test_unexpected_error_keeps_the_notice(
    desk: Desk,
    worker: OutboxWorker,
    sender: RecordingSender,
    store: SqliteStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bug in a sender is logged and the notice retried, never dropped."""
    sender.failures.append(KeyError("oops"))
    with caplog.at_level(logging.ERROR):
        await open_ticket(desk)
        await worker.deliver_due()
    assert await rows(store, "SELECT count(*) FROM outbox WHERE status = 'pending'") == [(1,)]
    assert "raised unexpectedly" in caplog.text


async def test_notices_queued_before_a_restart_are_delivered_after(
    db_path: Path, clock: FakeClock, settings: DeskSettings
) -> None:
    """Stop with notices queued; a new process on the same file delivers them."""
    async with await SqliteStore.open(db_path) as store:
        await open_ticket(Desk(store, clock, settings))
    sender = RecordingSender()
    async with await SqliteStore.open(db_path) as store:
        await OutboxWorker(store, clock, {"console": sender}).drain()
    assert sorted(sender.kinds()) == ["ack", "card"]


async def test_notice_for_a_platform_not_running_waits(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Without a sender for its platform, a notice stays pending, untouched, until one runs."""
    worker = OutboxWorker(store, clock, {})
    await open_ticket(desk)
    assert await worker.deliver_due() == 0
    assert await rows(store, "SELECT status, attempts FROM outbox") == [("pending", 0)] * 2
    worker.add_sender(RecordingSender())
    assert await worker.deliver_due() == 2


async def test_drain_does_not_wait_for_platforms_not_running_here(
    desk: Desk, worker: OutboxWorker, store: SqliteStore, clock: FakeClock
) -> None:
    """A Slack notice left from an earlier run doesn't hold up draining the console."""
    slack_notice = Notice(NoticeKind.THREAD, Place("slack:T1", "C1", "1.2"), "hello")
    await store.transact(lambda tx: tx.enqueue(slack_notice, clock.now()))
    await open_ticket(desk)
    async with asyncio.timeout(1):
        await worker.drain()
    assert await worker.pending() == 0
    assert await rows(store, "SELECT status FROM outbox WHERE workspace = 'slack:T1'") == [
        ("pending",)
    ]


@pytest.mark.both_stores
async def test_holder_delivers_what_the_other_instance_queued_within_seconds(
    open_store: OpenStore, sender: RecordingSender
) -> None:
    """Two instances on one file: the ack the non-holder queued goes out through the holder."""
    clock = SystemClock()
    async with two_instances(open_store, clock, ("holder", "other")) as (
        holder_store,
        holder,
        other_store,
        other,
    ):
        assert await holder.renew()
        assert not await other.renew()
        holder_outbox = OutboxWorker(holder_store, clock, {"console": sender}, leadership=holder)
        other_outbox = OutboxWorker(
            other_store, clock, {"console": RecordingSender()}, leadership=other
        )
        delivering = [asyncio.create_task(o.run()) for o in (holder_outbox, other_outbox)]
        try:
            desk = Desk(other_store, clock, builders.settings(), on_notices=other_outbox.wake)
            await post(desk, ALICE, "printer on fire")
            queued = time.monotonic()
            async with asyncio.timeout(10):
                while len(sender.delivered) < 2:  # the ack and the triage card
                    await sender.sent.wait()
                    sender.sent.clear()
            assert time.monotonic() - queued < 2.5
        finally:
            for task in delivering:
                task.cancel()
            await asyncio.gather(*delivering, return_exceptions=True)
