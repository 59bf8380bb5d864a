"""Reactions: 🎫 by anyone opens a ticket from any message; 👀 and ✅ by staff claim, resolve."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bot.slack.conftest import SlackDesk
from tests.fakes.slack import payloads
from tests.fakes.slack.state import User


async def react(d: SlackDesk, user: User, emoji: str, channel: str, ts: str) -> None:
    await d.deliver(payloads.reaction_added(user.id, emoji, channel, ts))
    await d.settle()


async def test_ticket_reaction_opens_ticket_from_any_channel(desk_on_slack: SlackDesk) -> None:
    """🎫 on a message in a non-support channel makes it a ticket, acked in its thread."""
    d = desk_on_slack
    event = d.slack.user_posts(d.scene.elsewhere.id, d.scene.alice.id, "VPN is down again")
    await react(d, d.scene.dave, "ticket", d.scene.elsewhere.id, event["ts"])
    assert await d.rows("SELECT channel, thread, customer_name, subject FROM tickets") == [
        (d.scene.elsewhere.id, event["ts"], "alice", "VPN is down again")
    ]
    assert await d.rows("SELECT actor_name, data ->> 'via' FROM events") == [("dave", "reaction")]
    assert "ticket #1" in d.replies(event)[0]


async def test_ticket_reaction_on_a_thread_reply_opens_its_thread(
    desk_on_slack: SlackDesk,
) -> None:
    """🎫 on a reply makes a ticket whose thread is the reply's thread."""
    d = desk_on_slack
    root = d.slack.user_posts(d.scene.elsewhere.id, d.scene.dave.id, "anyone else?")
    reply = d.slack.user_posts(
        d.scene.elsewhere.id, d.scene.alice.id, "my laptop won't boot", thread_ts=root["ts"]
    )
    await react(d, d.scene.bob, "ticket", d.scene.elsewhere.id, reply["ts"])
    assert await d.rows("SELECT thread, customer_name, subject FROM tickets") == [
        (root["ts"], "alice", "my laptop won't boot")
    ]


async def test_ticket_reaction_redelivered_opens_one_ticket(desk_on_slack: SlackDesk) -> None:
    """The same 🎫 event delivered twice opens one ticket and says nothing the second time."""
    d = desk_on_slack
    event = d.slack.user_posts(d.scene.elsewhere.id, d.scene.alice.id, "VPN is down")
    reaction = payloads.reaction_added(d.scene.dave.id, "ticket", d.scene.elsewhere.id, event["ts"])
    await d.deliver(reaction, event_id="Ev0TICKETRE1")
    await d.deliver(reaction, event_id="Ev0TICKETRE1", retry=1)
    assert await d.rows("SELECT count(*) FROM tickets") == [(1,)]
    assert d.ephemerals(d.scene.dave) == []


async def test_ticket_reaction_on_a_ticket_says_so_privately(desk_on_slack: SlackDesk) -> None:
    """🎫 on a message that already is a ticket tells the reactor which one, privately."""
    d = desk_on_slack
    event = await d.open_ticket()
    await react(d, d.scene.dave, "ticket", d.scene.support.id, event["ts"])
    assert d.ephemerals(d.scene.dave) == ["That message is already ticket #1."]
    assert await d.rows("SELECT count(*) FROM tickets") == [(1,)]


async def test_ticket_reaction_on_an_unreadable_message_says_why(desk_on_slack: SlackDesk) -> None:
    """When Slack will not show the bot the message, the reactor is told, privately."""
    d = desk_on_slack
    event = d.slack.user_posts(d.scene.elsewhere.id, d.scene.alice.id, "VPN is down")
    d.slack.fail("conversations.history", error="missing_scope")
    await react(d, d.scene.dave, "ticket", d.scene.elsewhere.id, event["ts"])
    assert d.ephemerals(d.scene.dave)[0].startswith("I can't read that message")
    assert await d.rows("SELECT count(*) FROM tickets") == [(0,)]


WHERE: dict[str, Any] = {
    "the customer's message": lambda d, event: (d.scene.support.id, event["ts"]),
    "the triage card": lambda d, event: (d.scene.triage.id, d.card(1)["ts"]),
    "a reply in the thread": lambda d, event: (
        d.scene.support.id,
        d.slack.user_posts(d.scene.support.id, d.scene.alice.id, "?", thread_ts=event["ts"])["ts"],
    ),
}


@pytest.mark.parametrize("where", WHERE.values(), ids=WHERE.keys())
async def test_eyes_by_an_agent_claims(desk_on_slack: SlackDesk, where: Any) -> None:
    """👀 by an agent on the ticket's message, its card or a reply in its thread claims it."""
    d = desk_on_slack
    channel, ts = where(d, await d.open_ticket())
    await react(d, d.scene.bob, "eyes", channel, ts)
    assert await d.rows("SELECT status, assignee_name FROM tickets") == [("claimed", "bob")]
    assert d.ephemerals(d.scene.bob) == ["You claimed #1 Printer on fire."]


async def test_check_mark_by_an_agent_resolves(desk_on_slack: SlackDesk) -> None:
    """✅ by an agent on the ticket's message resolves it."""
    d = desk_on_slack
    event = await d.open_ticket()
    await react(d, d.scene.erin, "white_check_mark", d.scene.support.id, event["ts"])
    assert await d.rows("SELECT status FROM tickets") == [("resolved",)]


@pytest.mark.parametrize("emoji", ["eyes", "white_check_mark"])
async def test_staff_emoji_from_customers_are_just_reactions(
    desk_on_slack: SlackDesk, emoji: str
) -> None:
    """A customer's 👀 or ✅, even on their own ticket, changes nothing and says nothing."""
    d = desk_on_slack
    event = await d.open_ticket()
    calls = len(d.slack.calls)
    await react(d, d.scene.alice, emoji, d.scene.support.id, event["ts"])
    assert await d.rows("SELECT status FROM tickets") == [("open",)]
    assert [call.method for call in d.slack.calls[calls:]] == []


async def test_eyes_by_an_agent_on_ordinary_chatter_does_nothing(
    desk_on_slack: SlackDesk,
) -> None:
    """👀 by an agent on a message that is no ticket's is just a reaction."""
    d = desk_on_slack
    event = d.slack.user_posts(d.scene.elsewhere.id, d.scene.alice.id, "cake in the kitchen")
    await react(d, d.scene.bob, "eyes", d.scene.elsewhere.id, event["ts"])
    assert d.ephemerals(d.scene.bob) == []


async def test_eyes_redelivered_claims_once_and_answers_once(desk_on_slack: SlackDesk) -> None:
    """Slack's retry of a 👀 event is the same reaction: one claim, one answer."""
    d = desk_on_slack
    event = await d.open_ticket()
    reaction = payloads.reaction_added(d.scene.bob.id, "eyes", d.scene.support.id, event["ts"])
    await d.deliver(reaction, event_id="Ev0EYESRE1")
    await d.deliver(reaction, event_id="Ev0EYESRE1", retry=1)
    await d.settle()
    assert await d.rows("SELECT count(*) FROM events WHERE kind = 'claimed'") == [(1,)]
    assert d.ephemerals(d.scene.bob) == ["You claimed #1 Printer on fire."]


async def test_eyes_on_a_claimed_ticket_explains_privately(desk_on_slack: SlackDesk) -> None:
    """👀 by a second agent is refused with who holds it, only to that agent."""
    d = desk_on_slack
    event = await d.open_ticket()
    await react(d, d.scene.bob, "eyes", d.scene.support.id, event["ts"])
    await react(d, d.scene.erin, "eyes", d.scene.support.id, event["ts"])
    assert d.ephemerals(d.scene.erin)[0].startswith("Ticket #1 is already claimed by bob.")


@pytest.mark.parametrize(
    "slack_overrides", [{"reactions": {"claim": ":raising_hand:", "resolve": "heavy_check_mark"}}]
)
async def test_reaction_emoji_are_configurable(desk_on_slack: SlackDesk) -> None:
    """slack.reactions renames the emoji: 🙋 claims, ✔️ resolves, 👀 is just a reaction."""
    d = desk_on_slack
    event = await d.open_ticket()
    await react(d, d.scene.bob, "eyes", d.scene.support.id, event["ts"])
    assert await d.rows("SELECT status FROM tickets") == [("open",)]
    await react(d, d.scene.bob, "raising_hand", d.scene.support.id, event["ts"])
    await react(d, d.scene.bob, "heavy_check_mark", d.scene.support.id, event["ts"])
    assert await d.rows("SELECT status, assignee_name FROM tickets") == [("resolved", "bob")]


async def test_skin_toned_reaction_counts(desk_on_slack: SlackDesk) -> None:
    """A skin-toned variant of the claim emoji claims like the plain one."""
    d = desk_on_slack
    event = await d.open_ticket()
    await react(d, d.scene.bob, "eyes::skin-tone-3", d.scene.support.id, event["ts"])
    assert await d.rows("SELECT status FROM tickets") == [("claimed",)]
