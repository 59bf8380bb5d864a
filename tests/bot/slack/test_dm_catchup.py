"""Catch-up of direct messages: what a customer wrote to the app while deskbot was down.

Each test runs deskbot on the fake Slack, stops it, has alice write to the app (recorded by
Slack, never delivered), and starts deskbot again on the same database.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.bot.slack.conftest import Deskbot, Scene, running
from tests.fakes.slack import FakeSlack

BOTH_MODES = pytest.mark.parametrize("mode", ["socket", "http"])
Pause = Callable[[float], Awaitable[None]]


def write(slack: FakeSlack, scene: Scene, text: str) -> dict[str, Any]:
    """Alice writes to the app while nobody listens; return the event Slack did not deliver."""
    return slack.user_posts(slack.dm_channel(scene.alice.id).id, scene.alice.id, text)


def said_by_bot(slack: FakeSlack, scene: Scene) -> list[str]:
    bot = slack.identity.bot_user_id
    dm = slack.messages(slack.dm_channel(scene.alice.id).id)
    return [str(m["text"]) for m in dm if m.get("user") == bot]


CUSTOMER_MESSAGES = "SELECT ticket_id, text FROM messages WHERE role = 'customer' ORDER BY id"


@BOTH_MODES
async def test_a_dm_written_while_down_opens_its_private_ticket_on_start(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene
) -> None:
    """A customer's first DM, written while deskbot was stopped: a private ticket, acked once."""
    async with running(deskbot()):
        pass
    write(slack, scene, "My invoice shows someone else's address")
    async with running(deskbot()) as d:
        assert await d.rows("SELECT id, private FROM tickets") == [(1, 1)]
        [ack] = said_by_bot(slack, scene)
        assert "This is ticket #1" in ack
    async with running(deskbot()) as d:
        assert await d.rows("SELECT count(*) FROM tickets") == [(1,)]
        assert len(said_by_bot(slack, scene)) == 1


async def test_a_dm_written_while_down_joins_the_open_private_ticket(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene
) -> None:
    """A follow-up DM written while deskbot was stopped is a message of the open ticket."""
    async with running(deskbot()) as d:
        await d.deliver(write(slack, scene, "My invoice is wrong"))
        await d.settle()
    write(slack, scene, "Invoice number 4711")
    async with running(deskbot()) as d:
        assert await d.rows(CUSTOMER_MESSAGES) == [
            (1, "My invoice is wrong"),
            (1, "Invoice number 4711"),
        ]
        assert len(said_by_bot(slack, scene)) == 1


async def test_a_dm_delivered_live_and_read_by_the_catch_up_is_one_message(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene
) -> None:
    """Slack delivers a missed DM while the catch-up is under way: one ticket, one message."""
    async with running(deskbot()):
        pass
    event = write(slack, scene, "My invoice is wrong")

    async def deliver_meanwhile(seconds: float) -> None:
        await d.deliver(event)  # while the catch-up waits out a rate limit

    slack.fail("conversations.history", status=429, retry_after=5)
    d = deskbot(deliver_meanwhile)
    async with running(d):
        dm = slack.dm_channel(scene.alice.id).id
        read = [c for c in slack.calls_to("conversations.history") if c.args["channel"] == dm]
        assert [m["ts"] for m in (read[-1].response or {})["messages"]] == [event["ts"]]
        assert await d.rows(CUSTOMER_MESSAGES) == [(1, "My invoice is wrong")]
        assert len(said_by_bot(slack, scene)) == 1
        assert len(d.cards()) == 1


async def test_dms_there_before_deskbot_first_read_any_are_left_alone(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene
) -> None:
    """Turning the catch-up of DMs on does not turn the DMs' past into tickets."""
    write(slack, scene, "An old message to the app")
    async with running(deskbot()) as d:
        assert await d.rows("SELECT count(*) FROM tickets") == [(0,)]
    async with running(deskbot()) as d:
        assert await d.rows("SELECT count(*) FROM tickets") == [(0,)]


@pytest.mark.parametrize("slack_overrides", [{"direct_messages": False}])
async def test_with_dms_off_the_catch_up_reads_no_dms(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene
) -> None:
    """No DM is listed or read, and nothing written there becomes a ticket."""
    async with running(deskbot()):
        pass
    write(slack, scene, "hello?")
    async with running(deskbot()) as d:
        assert await d.rows("SELECT count(*) FROM tickets") == [(0,)]
    dm = slack.dm_channel(scene.alice.id).id
    assert slack.calls_to("conversations.list") == []
    assert [c for c in slack.calls_to("conversations.history") if c.args["channel"] == dm] == []


async def test_without_the_scope_to_list_dms_support_channels_are_still_caught_up(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    """An app set up before im:read: the log says so, and the channels' messages are read."""
    async with running(deskbot()):
        pass
    slack.user_posts(scene.support.id, scene.alice.id, "Printer on fire")
    slack.fail("conversations.list", error="missing_scope")
    with caplog.at_level(logging.WARNING):
        async with running(deskbot()) as d:
            assert await d.rows("SELECT subject, private FROM tickets") == [("Printer on fire", 0)]
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "Cannot list the Slack DMs to catch up on (missing_scope)" in " ".join(warned)
    assert "im:read" in " ".join(warned)
