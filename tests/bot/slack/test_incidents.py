"""Incidents on Slack, on real bolt: declare, link, update every thread, resolve them all."""

from __future__ import annotations

from tests.bot.slack.conftest import JsonDict, SlackDesk
from tests.fakes.slack import payloads


def _banners(d: SlackDesk) -> list[str]:
    """The texts of the bot's top-level messages in the support channel (its banners)."""
    return [
        str(m["text"])
        for m in d.slack.messages(d.scene.support.id)
        if m.get("bot_id") and not m.get("thread_ts")
    ]


async def test_an_incident_runs_from_declaration_to_resolution_on_slack(
    desk_on_slack: SlackDesk,
) -> None:
    """Customers are told at once, get the update in their threads, and are resolved together."""
    d = desk_on_slack
    alice = await d.open_ticket("Checkout returns 500")
    dave = await d.open_ticket("Checkout broken for me too", user=d.scene.dave)
    answer = await d.command(d.scene.bob, "incident declare Checkout returns 500")
    assert answer.startswith("Declared INC-1: Checkout returns 500.")
    assert await d.command(d.scene.bob, "incident link INC-1 1 2") == (
        "Linked 2 tickets to INC-1 (2 linked in all)."
    )
    await d.settle()
    for event in (alice, dave):
        assert d.replies(event)[-1] == (
            "This is part of a known problem (INC-1: Checkout returns 500)."
            " We will post updates here."
        )
    card = d.card(1)
    buttons = [
        e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert "deskbot:claim" not in buttons
    assert "Part of INC-1: Checkout returns 500" in str(card["blocks"])
    [banner] = _banners(d)
    assert banner.startswith("⚠️ Known problem — INC-1: Checkout returns 500 (investigating).")

    await d.command(d.scene.bob, "incident update INC-1 Rolling back the deploy")
    await d.settle()
    for event in (alice, dave):
        assert d.replies(event)[-1] == (
            "Update on INC-1 (Checkout returns 500) from bob: Rolling back the deploy"
        )
    [banner] = _banners(d)  # edited in place, never posted again
    assert banner.endswith("Latest: Rolling back the deploy")
    shown = await d.command(d.scene.carol, "incident show INC-1")
    assert "(delivered to 2 of 2 tickets)" in shown

    answer = await d.command(d.scene.bob, "incident resolve INC-1 Fixed by the rollback")
    assert answer.startswith("INC-1 is resolved:")
    await d.settle()
    assert await d.rows("SELECT status FROM tickets ORDER BY id") == [
        ("resolved",),
        ("resolved",),
    ]
    replies = d.replies(alice)
    assert "INC-1 (Checkout returns 500) is resolved. bob: Fixed by the rollback" in replies
    assert any(reply.startswith("Ticket #1 was resolved by bob.") for reply in replies)
    [banner] = _banners(d)
    assert banner == "✅ Resolved — INC-1: Checkout returns 500. Fixed by the rollback"


async def test_a_customer_is_refused_incident_commands_on_slack(desk_on_slack: SlackDesk) -> None:
    """Only agents and leads run incidents; the refusal is a sentence, shown to them alone."""
    d = desk_on_slack
    answer = await d.command_answer(
        d.scene.alice, "incident declare Broken", channel=d.scene.support
    )
    assert answer == {"text": "/ticket incident is for agents.", "response_type": "ephemeral"}
    assert await d.rows("SELECT count(*) FROM incidents") == [(0,)]


async def test_a_spike_alert_declares_its_incident_with_one_click(desk_on_slack: SlackDesk) -> None:
    """Five checkout reports: one alert in #leads; carol's click declares INC-1 and links them."""
    d = desk_on_slack
    for n in range(5):
        await d.open_ticket(
            f"Checkout returns 500 on order {n}", user=(d.scene.alice, d.scene.dave)[n % 2]
        )
    [alert] = [m for m in d.slack.messages(d.scene.leads.id) if "Spike:" in str(m.get("text"))]
    (actions,) = [b for b in alert["blocks"] if b["type"] == "actions"]
    (button,) = actions["elements"]
    assert (button["action_id"], button["value"]) == ("deskbot:incident", "1")
    assert button["text"]["text"] == "Declare incident"
    action = payloads.button("deskbot:incident", "1", text="Declare incident")
    await d.click(d.scene.carol, alert["ts"], action, channel=d.scene.leads)
    await d.settle()
    assert await d.rows("SELECT count(*) FROM incident_links WHERE held = 1") == [(5,)]
    [edited] = [m for m in d.slack.messages(d.scene.leads.id) if m["ts"] == alert["ts"]]
    assert edited["text"].endswith("declared as INC-1.")
    assert not [b for b in edited.get("blocks", []) if b["type"] == "actions"]


async def _suggested(d: SlackDesk) -> tuple[JsonDict, JsonDict]:
    """INC-1 open, a new checkout ticket: the triage suggestion and its one button."""
    await d.command(d.scene.bob, "incident declare Checkout returns 500")
    await d.open_ticket("Getting a 500 at checkout", user=d.scene.dave)
    [said] = [m for m in d.slack.messages(d.scene.triage.id) if "looks like" in str(m["text"])]
    (actions,) = [b for b in said["blocks"] if b["type"] == "actions"]
    (button,) = actions["elements"]
    return said, button


async def test_a_new_ticket_like_an_open_incident_is_linked_with_one_click_on_slack(
    desk_on_slack: SlackDesk,
) -> None:
    """carol presses **Link to INC-1**: the ticket is linked, its customer told, the button gone."""
    d = desk_on_slack
    said, button = await _suggested(d)
    assert (button["action_id"], button["value"]) == ("deskbot:incident:1", "1 1")
    assert button["text"]["text"] == "Link to INC-1"
    click = payloads.button(button["action_id"], button["value"], text="Link to INC-1")
    await d.click(d.scene.carol, said["ts"], click)
    await d.settle()
    assert await d.rows("SELECT ticket_id FROM incident_links WHERE held = 1") == [(1,)]
    assert "Part of INC-1: Checkout returns 500" in str(d.card(1)["blocks"])
    [edited] = [m for m in d.slack.messages(d.scene.triage.id) if m["ts"] == said["ts"]]
    assert edited["text"] == "New ticket #1 was linked to INC-1 (Checkout returns 500) by carol."
    assert not [b for b in edited.get("blocks", []) if b["type"] == "actions"]


async def test_a_customer_pressing_link_to_an_incident_is_refused_on_slack(
    desk_on_slack: SlackDesk,
) -> None:
    """dave, a customer, is told privately the button is for agents; nothing is linked."""
    d = desk_on_slack
    said, button = await _suggested(d)
    d.scene.triage.members.add(d.scene.dave.id)
    click = payloads.button(button["action_id"], button["value"], text="Link to INC-1")
    await d.click(d.scene.dave, said["ts"], click)
    await d.settle()
    assert d.slack.response_url_posts[0].body["text"] == "/ticket incident is for agents."
    assert await d.rows("SELECT count(*) FROM incident_links") == [(0,)]
