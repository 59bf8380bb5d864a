"""A restart in the middle of a burst: every message becomes a ticket once, every notice goes.

deskbot runs through its composition root (`bot.app.run`) on a real SQLite file; it is
stopped while envelopes are still arriving, started again on the same file, and Slack
redelivers what was never acknowledged (and, being at-least-once, some that were).
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from bot import app
from bot.config import Config
from storage.store import SqliteStore
from tests.bot.slack.conftest import Scene, make_config
from tests.builders import rows
from tests.clock import FakeClock
from tests.fakes.slack import FakeSlack, payloads

BURST = 16


@contextlib.asynccontextmanager
async def running(config: Config, slack: FakeSlack, clock: FakeClock, connection: int) -> Any:
    """deskbot as `deskbot run` starts it, until the block ends (like a SIGTERM)."""
    task = asyncio.create_task(app.run(config, clock=clock))
    try:
        await slack.socket_wait_connected(connection)
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_restart_mid_burst_makes_every_message_one_ticket(
    slack: FakeSlack, scene: Scene, db_path: Path
) -> None:
    """Stopped mid-burst and restarted on the same file: N messages, N tickets, N acks, N cards."""
    config, clock = make_config(slack, scene, db_path, "socket"), FakeClock()
    people = [scene.alice, scene.dave]
    events = [
        slack.user_posts(scene.support.id, people[n % 2].id, f"Problem {n}") for n in range(BURST)
    ]
    envelopes = [payloads.events_api_envelope(payloads.event_callback(e)) for e in events]
    sent_before_stop = envelopes[: BURST // 2]

    def acked(envelope: dict[str, Any]) -> bool:
        return bool(slack.socket_acks(envelope["envelope_id"]))

    async with running(config, slack, clock, connection=1):
        for envelope in sent_before_stop:
            await slack.socket_send(envelope)
        await slack.socket_ack(sent_before_stop[1]["envelope_id"])
        # Stopping now: the rest of the first half is still in flight, the second unsent.
    unacked = [envelope for envelope in envelopes if not acked(envelope)]
    assert len(unacked) >= BURST // 2

    async with running(config, slack, clock, connection=2):
        again = [*unacked, *[envelope for envelope in envelopes[:2] if acked(envelope)]]
        redelivered = [
            await slack.socket_send_event(
                envelope["payload"]["event"],
                event_id=envelope["payload"]["event_id"],
                retry_attempt=int(envelope in sent_before_stop),
                retry_reason="timeout" if envelope in sent_before_stop else "",
            )
            for envelope in again
        ]
        for envelope_id in redelivered:
            await slack.socket_ack(envelope_id)

    async with await SqliteStore.open(db_path) as store:
        tickets = await rows(store, "SELECT thread FROM tickets ORDER BY id")
        outbox = await rows(store, "SELECT status, count(*) FROM outbox GROUP BY status")
    assert sorted(str(thread) for (thread,) in tickets) == sorted(e["ts"] for e in events)
    assert outbox == [("sent", 2 * BURST)]
    assert [len(slack.thread(scene.support.id, e["ts"])) for e in events] == [2] * BURST
    cards = [m for m in slack.messages(scene.triage.id) if m.get("metadata")]
    ticket_ids = sorted(card["metadata"]["event_payload"]["ticket_id"] for card in cards)
    assert ticket_ids == list(range(1, BURST + 1))
