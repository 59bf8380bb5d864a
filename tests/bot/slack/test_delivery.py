"""Notices reach Slack through the real outbox: rate limits delay them, nothing is lost,
and what Slack will never accept is logged once with the config key to fix."""

from __future__ import annotations

import logging

import pytest

from tests.bot.slack.conftest import SlackDesk


async def burst(d: SlackDesk, count: int) -> list[dict[str, object]]:
    return [await d.post(d.scene.alice, f"Problem {number}") for number in range(1, count + 1)]


async def test_rate_limit_storm_delays_but_loses_no_notice(desk_on_slack: SlackDesk) -> None:
    """Under a run of 429s with Retry-After, every notice goes out, in order, no sooner."""
    d = desk_on_slack
    d.slack.fail("chat.postMessage", status=429, retry_after=30, times=8)
    events = await burst(d, 3)
    await d.outbox.deliver_due()
    assert await d.rows("SELECT count(*) FROM outbox WHERE status = 'sent'") == [(0,)]
    for _ in range(20):
        if not await d.outbox.pending():
            break
        d.clock.advance(seconds=31)
        await d.outbox.deliver_due()
    assert await d.rows("SELECT DISTINCT status FROM outbox") == [("sent",)]
    # No notice went out before the Retry-After of each 429 it met had passed.
    assert await d.rows(
        "SELECT DISTINCT (julianday(sent_at) - julianday(created_at)) * 86400"
        " >= 30 * (attempts - 1) FROM outbox"
    ) == [(1,)]
    assert await d.rows("SELECT max(attempts) FROM outbox") == [(5,)]
    acks = [d.replies(event) for event in events]
    assert [len(replies) for replies in acks] == [1, 1, 1]
    assert all(f"ticket #{number}." in replies[0] for number, replies in enumerate(acks, 1))
    delivered = [c for c in d.slack.calls_to("chat.postMessage") if c.ok]
    in_support = [c.args["thread_ts"] for c in delivered if c.args["channel"] == d.scene.support.id]
    assert in_support == [event["ts"] for event in events]
    assert [card["metadata"]["event_payload"]["ticket_id"] for card in d.cards()] == [1, 2, 3]
    rate_limited = [c for c in d.slack.calls_to("chat.postMessage") if c.status == 429]
    assert len(rate_limited) == 8


async def test_rate_limit_waits_are_recorded_from_retry_after(desk_on_slack: SlackDesk) -> None:
    """A 429's Retry-After becomes the notice's next attempt time, kept in the database."""
    d = desk_on_slack
    d.slack.fail("chat.postMessage", status=429, retry_after=120, times=None)
    await d.post(d.scene.alice, "Printer on fire")
    await d.outbox.deliver_due()
    assert await d.rows(
        "SELECT kind, attempts, last_error, (julianday(next_attempt_at) - julianday(created_at))"
        " * 86400 >= 120 FROM outbox ORDER BY id"
    ) == [("ack", 1, "rate limited by Slack", 1), ("card", 1, "rate limited by Slack", 1)]


async def test_short_rate_limit_is_waited_out_in_place(desk_on_slack: SlackDesk) -> None:
    """A 429 with a short Retry-After is retried by the web client; the outbox never sees it."""
    d = desk_on_slack
    d.slack.fail("chat.postMessage", status=429, retry_after=0, channel=d.scene.triage.id)
    await d.post(d.scene.alice, "Printer on fire")
    await d.settle()
    assert await d.rows("SELECT kind, attempts, last_error FROM outbox ORDER BY id") == [
        ("ack", 1, None), ("card", 1, None)
    ]  # fmt: skip


@pytest.mark.parametrize("status", [500, 503])
async def test_server_error_is_retried(desk_on_slack: SlackDesk, status: int) -> None:
    """Slack's 5xx is retried (by the client, then by the outbox) until the card is up."""
    d = desk_on_slack
    d.slack.fail("chat.postMessage", status=status, times=1, channel=d.scene.triage.id)
    await d.post(d.scene.alice, "Printer on fire")
    await d.settle()
    assert len(d.cards()) == 1


async def test_unreachable_slack_is_retried_later(desk_on_slack: SlackDesk) -> None:
    """A 502 the client does not retry leaves the notice pending for the outbox's backoff."""
    d = desk_on_slack
    d.slack.fail("chat.postMessage", status=502, times=1, channel=d.scene.triage.id)
    await d.post(d.scene.alice, "Printer on fire")
    await d.outbox.deliver_due()
    assert await d.rows("SELECT status, last_error FROM outbox WHERE kind = 'card'") == [
        ("pending", "Slack answered HTTP 502")
    ]
    d.clock.advance(seconds=5)
    await d.settle()
    assert len(d.cards()) == 1


PERMANENT = {
    "channel_not_found": "correct slack.triage_channel",
    "not_in_channel": "Invite the bot to",
    "is_archived": "point slack.triage_channel at another channel",
    "invalid_auth": "Check slack.bot_token",
    "missing_scope": "Add the chat:write scope",
}


@pytest.mark.parametrize(("error", "fix"), PERMANENT.items(), ids=PERMANENT.keys())
async def test_permanent_error_is_logged_once_with_what_to_fix(
    desk_on_slack: SlackDesk, caplog: pytest.LogCaptureFixture, error: str, fix: str
) -> None:
    """Cards Slack refuses for good fail visibly: one log line naming the fix, rows kept."""
    d = desk_on_slack
    d.slack.fail("chat.postMessage", error=error, channel=d.scene.triage.id, times=None)
    await burst(d, 3)
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        await d.settle()
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.outbox"]
    assert len(logged) == 1
    assert f"Slack refused it: {error}" in logged[0]
    assert fix in logged[0]
    assert await d.rows("SELECT kind, status, count(*) FROM outbox GROUP BY kind, status") == [
        ("ack", "sent", 3), ("card", "failed", 3)
    ]  # fmt: skip
