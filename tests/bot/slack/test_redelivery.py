"""Slack delivers at least once: retries and duplicate envelopes never make a second ticket."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.bot.slack.conftest import SlackDesk
from tests.fakes.slack import payloads

HTTP = pytest.mark.parametrize("mode", ["http"])


async def counts(d: SlackDesk) -> tuple[object, ...]:
    """Once the outbox is idle: how many tickets, messages (with the bot's) and notices."""
    await d.settle()
    (found,) = await d.rows(
        "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM messages),"
        " (SELECT count(*) FROM outbox)"
    )
    return found


@HTTP
async def test_http_retry_of_a_processed_event_changes_nothing(desk_on_slack: SlackDesk) -> None:
    """A redelivery with X-Slack-Retry-Num of an event already taken is acked and dropped."""
    d = desk_on_slack
    event = d.slack.user_posts(d.scene.support.id, d.scene.alice.id, "Printer on fire")
    first = await d.slack.post_event(d.url, event, event_id="Ev0RETRIED01")
    before = await counts(d)
    retry = await d.slack.post_event(
        d.url, event, event_id="Ev0RETRIED01", retry_num=1, retry_reason="http_timeout"
    )
    assert (first.status, retry.status) == (200, 200)
    assert await counts(d) == before == (1, 2, 2)


@HTTP
async def test_retry_whose_first_delivery_never_arrived_is_processed(
    desk_on_slack: SlackDesk,
) -> None:
    """A retry is not skipped: when the first delivery was lost, the retry opens the ticket."""
    d = desk_on_slack
    event = d.slack.user_posts(d.scene.support.id, d.scene.alice.id, "Printer on fire")
    answer = await d.slack.post_event(d.url, event, retry_num=2, retry_reason="http_error")
    assert answer.status == 200
    assert await d.rows("SELECT subject FROM tickets") == [("Printer on fire",)]


async def test_duplicate_socket_envelope_opens_one_ticket(desk_on_slack: SlackDesk) -> None:
    """The same envelope twice over Socket Mode: both acked, one ticket, one ack, one card."""
    d = desk_on_slack
    event = d.slack.user_posts(d.scene.support.id, d.scene.alice.id, "Printer on fire")
    envelope = payloads.events_api_envelope(payloads.event_callback(event))
    for _ in range(2):
        await d.slack.socket_send(envelope)
    await d.slack.socket_ack(envelope["envelope_id"])
    await d.slack.socket_ack(envelope["envelope_id"])
    assert await counts(d) == (1, 2, 2)  # the customer's message and the bot's ack
    assert len(d.replies(event)) == 1
    assert len(d.cards()) == 1


async def test_socket_redelivery_under_a_new_envelope_opens_one_ticket(
    desk_on_slack: SlackDesk,
) -> None:
    """Slack's socket retry (new envelope, same event, retry_attempt 1) changes nothing."""
    d = desk_on_slack
    event = d.slack.user_posts(d.scene.support.id, d.scene.alice.id, "Printer on fire")
    await d.deliver(event, event_id="Ev0SOCKETRE1")
    ack = await d.deliver(event, event_id="Ev0SOCKETRE1", retry=1)
    assert "envelope_id" in ack
    assert await counts(d) == (1, 2, 2)


async def test_edit_delivered_twice_is_recorded_once(desk_on_slack: SlackDesk) -> None:
    """An edit event redelivered (same event_id) is audited once."""
    d = desk_on_slack
    event = await d.post(d.scene.alice, "Printer on fir")
    edit = payloads.message_changed(event, "Printer on fire")
    await d.deliver(edit, event_id="Ev0EDITEDIT1")
    await d.deliver(edit, event_id="Ev0EDITEDIT1", retry=1)
    assert await d.rows("SELECT count(*) FROM events WHERE kind = 'message_edited'") == [(1,)]


FORGERIES: dict[str, dict[str, Any]] = {
    "forged signature": {"forge_signature": True},
    "stale timestamp": {"timestamp": int(time.time()) - 600},
}


@HTTP
@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
async def test_forged_or_stale_request_is_refused_and_changes_nothing(
    desk_on_slack: SlackDesk, forgery: dict[str, Any]
) -> None:
    """A request not signed by Slack just now gets 401, and nothing is stored or sent."""
    d = desk_on_slack
    event = d.slack.user_posts(d.scene.support.id, d.scene.alice.id, "Printer on fire")
    answer = await d.slack.post_event(d.url, event, **forgery)
    command = d.slack.command(d.scene.carol.id, d.scene.triage.id, "claim 1")
    refused_command = await d.slack.post_command(d.url, command, **forgery)
    assert (answer.status, refused_command.status) == (401, 401)
    assert await d.rows(
        "SELECT (SELECT count(*) FROM inbound_keys) + (SELECT count(*) FROM events)"
    ) == [(0,)]
    assert [call.method for call in d.slack.calls if call.method.startswith("chat.")] == []


@HTTP
async def test_url_verification_is_answered(desk_on_slack: SlackDesk) -> None:
    """Saving the Request URL in Slack's settings works: the challenge is echoed."""
    answer = await desk_on_slack.slack.post_url_verification(desk_on_slack.url, challenge="abc")
    assert answer.json() == {"challenge": "abc"}


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_event_the_desk_cannot_record_is_left_for_slack_to_redeliver(
    desk_on_slack: SlackDesk,
) -> None:
    """If the ticket cannot be committed the event is not acknowledged; the retry opens it."""
    d = desk_on_slack
    event = d.slack.user_posts(d.scene.support.id, d.scene.alice.id, "Printer on fire")
    await d.store.database.run(lambda raw: raw.execute("PRAGMA query_only = ON"))
    if d.mode == "http":
        refused = await d.slack.post_event(d.url, event, event_id="Ev0LOCKED001")
        assert refused.status == 500
    else:
        envelope = await d.slack.socket_send_event(event, event_id="Ev0LOCKED001")
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await d.slack.socket_ack(envelope)
    await d.store.database.run(lambda raw: raw.execute("PRAGMA query_only = OFF"))
    await d.deliver(event, event_id="Ev0LOCKED001", retry=1)
    assert await counts(d) == (1, 2, 2)
