"""Slack delivers at least once: retries, duplicate envelopes and replays change things once."""

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


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_replayed_slash_command_runs_once(desk_on_slack: SlackDesk) -> None:
    """The same signed `/ticket note` twice (one trigger_id) adds one note; the replay is told."""
    d = desk_on_slack
    await d.open_ticket()
    fields = d.slack.command(d.scene.bob.id, d.scene.triage.id, "note 1 checked the toner")
    answers = [await command_answer(d, fields) for _ in range(2)]
    assert [answer["text"] for answer in answers] == [
        "Internal note added to ticket #1 (customers don't see it).",
        "That /ticket command was run already; it was not run again.",
    ]
    assert await d.rows("SELECT text FROM messages WHERE internal = 1") == [("checked the toner",)]


async def command_answer(d: SlackDesk, fields: dict[str, str]) -> dict[str, Any]:
    """Deliver one slash command's fields as they are (a replay reuses them)."""
    if d.mode == "http":
        answer = await d.slack.post_command(d.url, fields)
        assert answer.status == 200, answer
        found: dict[str, Any] = answer.json()
        return found
    ack = await d.slack.socket_ack(await d.slack.socket_send_command(fields))
    payload: dict[str, Any] = ack["payload"]
    return payload


@HTTP
async def test_replayed_click_changes_nothing_and_says_nothing(desk_on_slack: SlackDesk) -> None:
    """A card's Claim click sent twice claims once and answers the clicker once."""
    d = desk_on_slack
    await d.open_ticket()
    card = d.card(1)
    action = payloads.button("deskbot:claim", "1", text="Claim")
    payload = d.slack.block_action(d.scene.bob.id, d.scene.triage.id, card["ts"], action)
    for _ in range(2):
        assert (await d.slack.post_interaction(d.url, payload)).status == 200
    assert await d.rows("SELECT count(*) FROM events WHERE kind = 'claimed'") == [(1,)]
    assert len(d.slack.response_url_posts) == 1
