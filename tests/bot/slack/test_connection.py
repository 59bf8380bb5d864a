"""Staying connected: Socket Mode reconnects when Slack asks; stray events are acknowledged."""

from __future__ import annotations

import pytest

from bot.config import Config
from storage.store import SqliteStore
from tests.bot.slack.conftest import Scene, SlackDesk
from tests.clock import FakeClock
from tests.fakes.slack import AppResponse, FakeSlack, payloads


async def test_socket_reconnects_when_slack_asks_and_keeps_working(
    desk_on_slack: SlackDesk,
) -> None:
    """After Slack's `disconnect` the adapter reconnects and the next message still opens."""
    d = desk_on_slack
    await d.slack.socket_disconnect("refresh_requested")
    await d.slack.socket_wait_connected(connections_made=2)
    await d.post(d.scene.alice, "Printer on fire")
    assert await d.rows("SELECT count(*) FROM tickets") == [(1,)]


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_event_deskbot_does_not_use_is_still_acknowledged(desk_on_slack: SlackDesk) -> None:
    """An event the app is subscribed to but deskbot ignores is acked, so Slack stops resending."""
    d = desk_on_slack
    mention = payloads.app_mention(d.scene.support.id, d.scene.alice.id, "<@U0DESKBOT1> hi")
    answer = await d.deliver(mention)
    if isinstance(answer, AppResponse):
        assert answer.status == 200
    else:
        assert set(answer) == {"envelope_id"}
    assert await d.rows("SELECT count(*) FROM tickets") == [(0,)]


async def test_stopping_lets_events_in_flight_finish(desk_on_slack: SlackDesk) -> None:
    """Stopping waits for the events being handled, so what was taken is also acknowledged."""
    d = desk_on_slack
    events = [d.slack.user_posts(d.scene.support.id, d.scene.alice.id, f"#{n}") for n in range(5)]
    envelopes = [await d.slack.socket_send_event(event) for event in events]
    await d.slack.socket_ack(envelopes[0])
    await d.stop()
    acked = [bool(d.slack.socket_acks(envelope)) for envelope in envelopes]
    (tickets,) = await d.rows("SELECT count(*) FROM tickets")
    assert tickets == (sum(acked),)


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_the_adapter_says_whether_slack_reaches_it(
    slack: FakeSlack, scene: Scene, config: Config, store: SqliteStore, clock: FakeClock
) -> None:
    """Connected (socket up, or listening) while running; not before it starts nor after."""
    running = SlackDesk(slack, scene, config, store, clock)
    assert not await running.adapter.connected()
    await running.start()
    try:
        assert await running.adapter.connected()
    finally:
        await running.stop()
    assert not await running.adapter.connected()
