"""Private tickets on Slack: a DM to the app opens one; the DM is the ticket's conversation."""

from __future__ import annotations

from typing import Any

import pytest

from bot.adapters.slack.manifest import manifest
from bot.config import SlackConfig
from tests.bot.slack.conftest import SlackDesk
from tests.fakes.slack import payloads
from tests.fakes.slack.state import Channel, User

BOTH_MODES = pytest.mark.parametrize("mode", ["socket", "http"])


async def dm(d: SlackDesk, text: str, user: User | None = None) -> dict[str, Any]:
    """A customer (alice, unless told) writes to the app directly; wait for what follows."""
    event = await d.post(user or d.scene.alice, text, channel=im(d, user))
    await d.settle()
    return event


def im(d: SlackDesk, user: User | None = None) -> Channel:
    return d.slack.dm_channel((user or d.scene.alice).id)


def conversation(d: SlackDesk, user: User | None = None) -> list[dict[str, Any]]:
    """The DM as the customer sees it, oldest first."""
    return d.slack.messages(im(d, user).id)


def said_by_bot(d: SlackDesk, user: User | None = None) -> list[str]:
    bot = d.slack.identity.bot_user_id
    return [str(m["text"]) for m in conversation(d, user) if m.get("user") == bot]


def press(card: dict[str, Any], action_id: str) -> dict[str, Any]:
    (button,) = [e for e in card["blocks"][-1]["elements"] if e["action_id"] == action_id]
    return payloads.button(action_id, button["value"], text=button["text"]["text"])


@BOTH_MODES
async def test_a_dm_opens_a_private_ticket_answered_in_the_dm(desk_on_slack: SlackDesk) -> None:
    """The ack arrives in the DM itself, not in a thread under the customer's message."""
    d = desk_on_slack
    await dm(d, "My invoice shows someone else's address")
    [ack] = said_by_bot(d)
    assert "This is ticket #1" in ack and "only you and our agents see it" in ack
    assert all(m.get("thread_ts") is None for m in conversation(d))
    assert await d.rows("SELECT id, private FROM tickets") == [(1, 1)]


async def test_the_card_marks_the_ticket_private(desk_on_slack: SlackDesk) -> None:
    """Agents see the private mark on the card; Reply is among its buttons."""
    d = desk_on_slack
    await dm(d, "My invoice shows someone else's address")
    card = d.card(1)
    context = next(b for b in card["blocks"] if b["type"] == "context")
    assert context["elements"][0]["text"].startswith("🔒 Private (direct message)")
    actions = [e["action_id"] for e in card["blocks"][-1]["elements"]]
    assert actions == ["deskbot:claim", "deskbot:reply", "deskbot:resolve", "deskbot:priority"]


async def test_a_further_dm_joins_the_open_ticket(desk_on_slack: SlackDesk) -> None:
    """The customer's next DM is a message of the same ticket, and is not acknowledged anew."""
    d = desk_on_slack
    await dm(d, "My invoice is wrong")
    await dm(d, "Invoice number 4711")
    assert await d.rows("SELECT ticket_id, text FROM messages WHERE role = 'customer'") == [
        (1, "My invoice is wrong"),
        (1, "Invoice number 4711"),
    ]
    assert len(said_by_bot(d)) == 1


async def test_an_agents_reply_lands_in_the_dm(desk_on_slack: SlackDesk) -> None:
    """`/ticket reply` from triage posts the answer into the customer's DM."""
    d = desk_on_slack
    await dm(d, "My invoice is wrong")
    answer = await d.command(d.scene.bob, "reply 1 corrected, sorry!")
    await d.settle()
    assert "posted" in answer
    assert said_by_bot(d)[-1] == "bob: corrected, sorry!"


@BOTH_MODES
async def test_the_cards_reply_button_opens_a_modal_that_answers_in_the_dm(
    desk_on_slack: SlackDesk,
) -> None:
    """Reply opens a modal; what bob submits reaches alice's DM as his answer."""
    d = desk_on_slack
    await dm(d, "My invoice is wrong")
    await d.click(d.scene.bob, d.card(1)["ts"], press(d.card(1), "deskbot:reply"))
    [modal] = d.slack.open_modals(d.scene.bob.id)
    assert modal.view["title"]["text"] == "Reply to the customer"
    ack = await d.submit(str(modal.view["id"]), {"answer": "We fixed the address."})
    await d.settle()
    assert ack is not None and ack["response_action"] == "update"
    assert said_by_bot(d)[-1] == "bob: We fixed the address."
    assert await d.rows("SELECT role, author_key FROM messages WHERE role = 'agent'") == [
        ("agent", f"slack:{d.scene.bob.id}")
    ]


async def test_a_customer_cannot_answer_through_the_reply_modal(desk_on_slack: SlackDesk) -> None:
    """The desk refuses a customer's submission; the refusal shows on the form."""
    d = desk_on_slack
    await dm(d, "My invoice is wrong")
    await d.click(d.scene.dave, d.card(1)["ts"], press(d.card(1), "deskbot:reply"))
    [modal] = d.slack.open_modals(d.scene.dave.id)
    ack = await d.submit(str(modal.view["id"]), {"answer": "me too"})
    assert ack is not None and ack["response_action"] == "errors"
    assert said_by_bot(d) == [said_by_bot(d)[0]]


async def test_the_survey_lands_in_the_dm(desk_on_slack: SlackDesk) -> None:
    """Resolved, the private ticket's survey is asked in the DM, with its buttons."""
    d = desk_on_slack
    await dm(d, "My invoice is wrong")
    await d.command(d.scene.bob, "resolve 1 corrected")
    await d.settle()
    [survey] = [m for m in conversation(d) if "How did we do" in str(m.get("text"))]
    assert survey["blocks"][-1]["block_id"] == "deskbot-survey-1-1"


async def test_a_dm_after_the_resolution_opens_a_new_ticket(desk_on_slack: SlackDesk) -> None:
    """Once the ticket is resolved, the next DM is a new question: a new private ticket."""
    d = desk_on_slack
    await dm(d, "My invoice is wrong")
    await d.command(d.scene.bob, "resolve 1 corrected")
    await dm(d, "And my password expired")
    assert await d.rows("SELECT id, status, private FROM tickets ORDER BY id") == [
        (1, "resolved", 1),
        (2, "open", 1),
    ]


@pytest.mark.parametrize("slack_overrides", [{"direct_messages": False}])
async def test_with_dms_off_a_dm_is_told_to_use_the_support_channel(
    desk_on_slack: SlackDesk,
) -> None:
    """No ticket; the customer sees, privately, where to write instead."""
    d = desk_on_slack
    await dm(d, "hello?")
    assert await d.rows("SELECT count(*) FROM tickets") == [(0,)]
    [told] = d.ephemerals(d.scene.alice)
    assert "Please write in the support channel instead" in told


@pytest.mark.parametrize("on", [True, False])
def test_the_manifest_follows_direct_messages(on: bool) -> None:
    """On: the Messages tab, message.im, im:history and (to catch up) im:read; off: none."""
    made = manifest(SlackConfig(direct_messages=on))
    assert made["features"]["app_home"]["messages_tab_enabled"] is on
    assert ("message.im" in made["settings"]["event_subscriptions"]["bot_events"]) is on
    assert ("im:history" in made["oauth_config"]["scopes"]["bot"]) is on
    assert ("im:read" in made["oauth_config"]["scopes"]["bot"]) is on
