"""The triage card: Claim, Resolve and a priority menu, and one card per ticket, edited."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bot.slack.conftest import SlackDesk
from tests.fakes.slack import payloads

BOTH_MODES = pytest.mark.parametrize("mode", ["socket", "http"])


def element(card: dict[str, Any], action_id: str) -> dict[str, Any]:
    """The card's interactive element with `action_id`."""
    (found,) = [e for e in card["blocks"][-1]["elements"] if e["action_id"] == action_id]
    return found


def press(card: dict[str, Any], action_id: str) -> dict[str, Any]:
    """What Slack sends when someone presses the card's button."""
    button = element(card, action_id)
    return payloads.button(action_id, button["value"], text=button["text"]["text"])


def choose(card: dict[str, Any], label: str) -> dict[str, Any]:
    """What Slack sends when someone picks `label` in the card's priority menu."""
    menu = element(card, "deskbot:priority")
    (option,) = [o for o in menu["options"] if o["text"]["text"] == label]
    return payloads.static_select("deskbot:priority", option["value"], text=label)


async def carded(d: SlackDesk) -> dict[str, Any]:
    await d.open_ticket()
    return d.card(1)


@BOTH_MODES
async def test_claim_button_claims_and_edits_the_card(desk_on_slack: SlackDesk) -> None:
    """Claim on the card claims the ticket; the same card now offers Resolve, not Claim."""
    d = desk_on_slack
    card = await carded(d)
    await d.click(d.scene.bob, card["ts"], press(card, "deskbot:claim"))
    await d.settle()
    assert await d.rows("SELECT status, assignee_name FROM tickets") == [("claimed", "bob")]
    edited = d.card(1)
    assert edited["ts"] == card["ts"]
    assert [e["action_id"] for e in edited["blocks"][-1]["elements"]] == [
        "deskbot:reply", "deskbot:resolve", "deskbot:priority"
    ]  # fmt: skip


@BOTH_MODES
async def test_click_is_answered_only_to_the_clicker(desk_on_slack: SlackDesk) -> None:
    """The clicker alone is told what happened, through the click's response URL."""
    d = desk_on_slack
    card = await carded(d)
    await d.click(d.scene.bob, card["ts"], press(card, "deskbot:claim"))
    (post,) = d.slack.response_url_posts
    assert post.body == {
        "text": "You claimed #1 Printer on fire.",
        "response_type": "ephemeral",
        "replace_original": False,
    }


async def test_resolve_button_resolves_and_offers_reopen(desk_on_slack: SlackDesk) -> None:
    """Resolve on the card resolves the ticket and the card offers Reopen."""
    d = desk_on_slack
    card = await carded(d)
    await d.click(d.scene.erin, card["ts"], press(card, "deskbot:resolve"))
    await d.settle()
    assert await d.rows("SELECT status FROM tickets") == [("resolved",)]
    assert [e["action_id"] for e in d.card(1)["blocks"][-1]["elements"]] == ["deskbot:reopen"]


async def test_priority_menu_changes_the_priority(desk_on_slack: SlackDesk) -> None:
    """Picking High in the card's menu makes the ticket high priority, shown on the card."""
    d = desk_on_slack
    card = await carded(d)
    await d.click(d.scene.bob, card["ts"], choose(card, "High"))
    await d.settle()
    assert await d.rows("SELECT priority FROM tickets") == [("high",)]
    menu = element(d.card(1), "deskbot:priority")
    assert menu["initial_option"]["text"]["text"] == "High"


async def test_card_never_multiplies(desk_on_slack: SlackDesk) -> None:
    """Claim, reprioritise, resolve, reopen: still one card, posted once, edited in place."""
    d = desk_on_slack
    card = await carded(d)
    await d.click(d.scene.bob, card["ts"], press(card, "deskbot:claim"))
    await d.settle()
    await d.click(d.scene.bob, card["ts"], choose(d.card(1), "Urgent"))
    await d.settle()
    await d.click(d.scene.bob, card["ts"], press(d.card(1), "deskbot:resolve"))
    await d.settle()
    await d.click(d.scene.bob, card["ts"], press(d.card(1), "deskbot:reopen"))
    await d.settle()
    triage_posts = [
        call for call in d.slack.calls_to("chat.postMessage")
        if call.args["channel"] == d.scene.triage.id
    ]  # fmt: skip
    assert (len(d.cards()), len(triage_posts), len(d.slack.calls_to("chat.update"))) == (1, 1, 4)
    # The resolution's satisfaction survey is an editable message of its own.
    assert await d.rows("SELECT count(*) FROM posted WHERE edit_key LIKE 'card:%'") == [(1,)]


async def test_card_deleted_in_slack_is_posted_again(desk_on_slack: SlackDesk) -> None:
    """If someone deleted the card, the next change posts a fresh one and edits that after."""
    d = desk_on_slack
    card = await carded(d)
    d.slack.workspace.delete(d.scene.triage.id, card["ts"])
    await d.command(d.scene.bob, "claim 1")
    await d.settle()
    fresh = d.card(1)
    assert fresh["ts"] != card["ts"]
    assert await d.rows("SELECT message_id FROM posted WHERE edit_key LIKE 'card:%'") == [
        (fresh["ts"],)
    ]


async def test_click_by_a_customer_is_refused_privately(desk_on_slack: SlackDesk) -> None:
    """Someone who is not staff pressing Claim is told no, and the ticket stays open."""
    d = desk_on_slack
    card = await carded(d)
    d.scene.triage.members.add(d.scene.dave.id)
    await d.click(d.scene.dave, card["ts"], press(card, "deskbot:claim"))
    assert d.slack.response_url_posts[0].body["text"] == "/ticket claim is for agents."
    assert await d.rows("SELECT status FROM tickets") == [("open",)]
