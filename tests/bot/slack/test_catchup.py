"""Catch-up: what was posted on Slack while deskbot was down is answered when it is back.

Each test runs deskbot on the fake Slack, stops it, has people write (recorded by Slack,
never delivered), and starts deskbot again on the same database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import pytest

from bot.adapters.slack import catchup
from bot.adapters.slack.catchup import ts_number, ts_text
from storage.cursors import ChannelCursors
from storage.store import SqliteStore
from tests.bot.slack.conftest import Deskbot, Scene, running
from tests.fakes.slack import FakeSlack, payloads
from tests.fakes.slack.ids import next_ts
from tests.fakes.slack.state import StoredMessage

BOTH_MODES = pytest.mark.parametrize("mode", ["socket", "http"])
Pause = Callable[[float], Awaitable[None]]


def write(slack: FakeSlack, scene: Scene, text: str, thread: str | None = None) -> str:
    """Alice writes in the support channel while nobody listens; return the ts."""
    return str(slack.user_posts(scene.support.id, scene.alice.id, text, thread_ts=thread)["ts"])


async def cursor(store: SqliteStore, slack: FakeSlack, channel: str) -> str | None:
    positions = await ChannelCursors(store).positions(f"slack:{slack.identity.team_id}")
    return ts_text(positions[channel]) if channel in positions else None


def caught_up(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("Caught up ")]


def test_slack_ts_and_cursor_convert_both_ways() -> None:
    """A Slack ts and the cursor's integer are the same instant, microsecond for microsecond."""
    assert ts_number("1712345678.000042") == 1_712_345_678_000_042
    assert ts_text(1_712_345_678_000_042) == "1712345678.000042"
    assert ts_number("1712345678.5") == 1_712_345_678_500_000


@BOTH_MODES
async def test_messages_posted_while_down_become_tickets_once_on_start(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    """Two messages written while deskbot was down: two tickets, acked and carded, once."""
    async with running(deskbot()):
        pass
    posted = [write(slack, scene, "Printer on fire"), write(slack, scene, "VPN is down")]
    with caplog.at_level(logging.INFO):
        async with running(deskbot()) as d:
            assert await d.rows("SELECT thread, subject FROM tickets ORDER BY id") == [
                (posted[0], "Printer on fire"),
                (posted[1], "VPN is down"),
            ]
            assert [len(slack.thread(scene.support.id, ts)) for ts in posted] == [2, 2]
            assert len(d.cards()) == 2
        async with running(deskbot()) as d:
            assert await d.rows("SELECT count(*) FROM tickets") == [(2,)]
    assert caught_up(caplog)[-2:] == [
        "Caught up 2 message(s) in 1 Slack channel(s)",
        "Caught up 0 message(s) in 1 Slack channel(s)",
    ]


async def test_restart_with_nothing_new_reads_only_past_the_cursor(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene, store: SqliteStore
) -> None:
    """A restart asks Slack only for what came after the newest message deskbot took."""
    async with running(deskbot()) as d:
        event = await d.open_ticket()
    assert await cursor(store, slack, scene.support.id) == event["ts"]
    calls = len(slack.calls_to("conversations.history"))
    async with running(deskbot()) as d:
        (read,) = slack.calls_to("conversations.history")[calls:]
        assert read.args["oldest"] == event["ts"]
        assert read.response is not None and read.response["messages"] == []
        assert await d.rows("SELECT count(*) FROM tickets") == [(1,)]


async def test_first_start_leaves_a_channels_past_alone(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene, store: SqliteStore
) -> None:
    """What a support channel held before deskbot first connected never becomes tickets."""
    write(slack, scene, "An old question")
    newest = write(slack, scene, "Another old one")
    async with running(deskbot()) as d:
        assert await d.rows("SELECT count(*) FROM tickets") == [(0,)]
    assert await cursor(store, slack, scene.support.id) == newest


async def test_thread_replies_posted_while_down_join_their_ticket(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene
) -> None:
    """A customer's and an agent's replies written meanwhile join the open ticket, in order."""
    async with running(deskbot()) as d:
        root = (await d.open_ticket())["ts"]
    write(slack, scene, "It beeps now too", thread=root)
    slack.user_posts(scene.support.id, scene.bob.id, "Unplug it, please", thread_ts=root)
    async with running(deskbot()) as d:
        assert await d.rows("SELECT text, role FROM messages WHERE role != 'bot' ORDER BY id") == [
            ("Printer on fire", "customer"),
            ("It beeps now too", "customer"),
            ("Unplug it, please", "agent"),
        ]
        (first_response,) = await d.rows("SELECT first_response_at FROM tickets")
        assert first_response != (None,)


async def test_replies_to_a_message_posted_while_down_join_its_new_ticket(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene
) -> None:
    """A message and the replies in its thread, all written meanwhile: one ticket with all."""
    async with running(deskbot()):
        pass
    root = write(slack, scene, "Printer on fire")
    slack.user_posts(scene.support.id, scene.erin.id, "On my way", thread_ts=root)
    async with running(deskbot()) as d:
        assert await d.rows(
            "SELECT ticket_id, text FROM messages WHERE role != 'bot' ORDER BY id"
        ) == [
            (1, "Printer on fire"),
            (1, "On my way"),
        ]


async def test_message_both_delivered_live_and_read_from_history_is_one_ticket(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene
) -> None:
    """Slack delivers a missed message while the catch-up is reading it: still one ticket."""
    async with running(deskbot()):
        pass
    event = slack.user_posts(scene.support.id, scene.alice.id, "Printer on fire")

    async def deliver_meanwhile(seconds: float) -> None:
        await d.deliver(event)  # while the catch-up waits out a rate limit

    slack.fail("conversations.history", status=429, retry_after=5)
    d = deskbot(deliver_meanwhile)
    async with running(d):
        read = slack.calls_to("conversations.history")[-1].response or {}
        assert [m["ts"] for m in read["messages"]] == [event["ts"]]
        assert await d.rows("SELECT thread FROM tickets") == [(event["ts"],)]
        assert len(d.replies(event)) == 1
        assert len(d.cards()) == 1


async def test_rate_limit_during_catch_up_is_waited_out(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene
) -> None:
    """A 429 while reading history is waited out for as long as Retry-After says."""
    async with running(deskbot()):
        pass
    write(slack, scene, "Printer on fire")
    waits: list[float] = []

    async def pause(seconds: float) -> None:
        waits.append(seconds)

    slack.fail("conversations.history", status=429, retry_after=30, times=2)
    async with running(deskbot(pause)) as d:
        assert await d.rows("SELECT subject FROM tickets") == [("Printer on fire",)]
    assert waits == [30.0, 30.0]
    statuses = [call.status for call in slack.calls_to("conversations.history")[-3:]]
    assert statuses == [429, 429, 200]


async def test_history_longer_than_a_page_is_read_page_by_page(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More missed messages than a page holds: every page is read, every message a ticket."""
    monkeypatch.setattr(catchup, "PAGE", 2)  # paging works alike at 200; 201 tickets are slow
    async with running(deskbot()):
        pass
    posted = [write(slack, scene, f"Problem {n}") for n in range(5)]
    calls = len(slack.calls_to("conversations.history"))
    async with running(deskbot()) as d:
        threads = await d.rows("SELECT thread FROM tickets ORDER BY id")
        assert [thread for (thread,) in threads] == posted
    pages = [call.args for call in slack.calls_to("conversations.history")[calls:]]
    assert [(int(page["limit"]), bool(page.get("cursor"))) for page in pages] == [
        (2, False),
        (2, True),
        (2, True),
    ]


async def test_socket_reconnect_catches_up(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene
) -> None:
    """Socket Mode connecting again after a drop reads what the drop kept from deskbot."""
    async with running(deskbot()) as d:
        missed = write(slack, scene, "Printer on fire")  # its event never arrives
        await slack.socket_disconnect("refresh_requested")
        await slack.socket_wait_connected(2)
        await d.caught_up(runs=2)
        assert await d.rows("SELECT thread FROM tickets") == [(missed,)]


async def test_channel_join_is_not_caught_up(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene
) -> None:
    """A channel_join read from history, like anything that is not conversation, opens nothing."""
    async with running(deskbot()):
        pass
    slack.workspace.store(
        StoredMessage(
            channel=scene.support.id,
            ts=next_ts(),
            text=f"<@{scene.dave.id}> has joined the channel",
            user=scene.dave.id,
            team=slack.identity.team_id,
            subtype="channel_join",
        )
    )
    async with running(deskbot()) as d:
        assert await d.rows("SELECT count(*) FROM tickets") == [(0,)]


async def test_live_message_during_catch_up_does_not_move_the_cursor_past_unread_ones(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene, store: SqliteStore
) -> None:
    """Stopped while catching up, after a live message: the missed one is read next time."""
    async with running(deskbot()):
        pass
    start = await cursor(store, slack, scene.support.id)
    missed = write(slack, scene, "Printer on fire")
    live = slack.user_posts(scene.support.id, scene.dave.id, "VPN is down")
    stuck = asyncio.Event()

    async def stall(seconds: float) -> None:
        await d.deliver(live)
        stuck.set()
        await asyncio.Event().wait()  # a long rate limit: deskbot is stopped meanwhile

    slack.fail("conversations.history", status=429, retry_after=600)
    d = deskbot(stall)
    starting = asyncio.create_task(d.start())
    async with asyncio.timeout(5):
        await stuck.wait()
    starting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await starting
    await d.stop()
    assert await cursor(store, slack, scene.support.id) == start
    async with running(deskbot()) as d:
        assert await d.rows("SELECT thread FROM tickets ORDER BY thread") == sorted(
            [(missed,), (live["ts"],)]
        )


async def test_live_reply_to_a_message_being_caught_up_joins_its_ticket(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene
) -> None:
    """A reply delivered live before the catch-up made its thread a ticket still joins it."""
    async with running(deskbot()) as d:
        old = (await d.open_ticket())["ts"]  # an open ticket: its thread is read too
    root = write(slack, scene, "VPN is down")

    async def reply_meanwhile(seconds: float) -> None:
        # History was read before this reply existed; its thread is no ticket until fed.
        await d.deliver(slack.user_posts(scene.support.id, scene.bob.id, "Looking", thread_ts=root))

    slack.fail("conversations.replies", status=429, retry_after=5)
    d = deskbot(reply_meanwhile)
    async with running(d):
        assert await d.rows("SELECT thread FROM tickets ORDER BY id") == [(old,), (root,)]
        texts = "SELECT text FROM messages WHERE ticket_id = 2 AND role != 'bot' ORDER BY id"
        assert await d.rows(texts) == [
            ("VPN is down",),
            ("Looking",),
        ]


async def test_replies_before_a_ticket_reaction_stay_out_of_its_ticket_after_a_restart(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene
) -> None:
    """A 🎫 ticket's thread is caught up from the reaction on, not from the message's time."""
    root = slack.user_posts(scene.elsewhere.id, scene.dave.id, "VPN is down")["ts"]
    slack.user_posts(scene.elsewhere.id, scene.erin.id, "same here", thread_ts=root)
    async with running(deskbot()) as d:
        await d.deliver(payloads.reaction_added(scene.bob.id, "ticket", scene.elsewhere.id, root))
        await d.settle()
    slack.user_posts(scene.elsewhere.id, scene.dave.id, "still down", thread_ts=root)
    async with running(deskbot()) as d:
        assert await d.rows("SELECT text FROM messages WHERE role != 'bot' ORDER BY id") == [
            ("VPN is down",),
            ("still down",),
        ]


async def test_slack_trouble_during_catch_up_is_tried_again_a_minute_later(
    deskbot: Deskbot, slack: FakeSlack, scene: Scene
) -> None:
    """Slack failing (503) past the client's own retries: the catch-up is tried again later."""
    async with running(deskbot()):
        pass
    write(slack, scene, "Printer on fire")
    waits: list[float] = []

    async def pause(seconds: float) -> None:
        waits.append(seconds)

    slack.fail("conversations.history", status=503, times=3)  # the first try and two retries
    async with running(deskbot(pause)) as d:
        await d.caught_up(runs=2)
        assert await d.rows("SELECT subject FROM tickets") == [("Printer on fire",)]
    assert waits == [catchup.RETRY_DELAY]
