"""`/ticket` on Slack: every verb of the core, answered only to whoever typed it."""

from __future__ import annotations

import pytest

from tests.bot.slack.conftest import SlackDesk

BOTH_MODES = pytest.mark.parametrize("mode", ["socket", "http"])


@BOTH_MODES
async def test_claim_by_command_is_answered_ephemerally(desk_on_slack: SlackDesk) -> None:
    """An agent's `/ticket claim 1` claims the ticket; only they see the answer."""
    d = desk_on_slack
    await d.open_ticket()
    answer = await d.command_answer(d.scene.bob, "claim 1")
    assert answer == {"text": "You claimed #1 Printer on fire.", "response_type": "ephemeral"}
    assert await d.rows("SELECT status, assignee_key FROM tickets") == [
        ("claimed", f"slack:{d.scene.bob.id}")
    ]


async def test_claim_by_command_tells_the_thread_and_edits_the_card(
    desk_on_slack: SlackDesk,
) -> None:
    """After a claim the customer's thread hears who picked it up; the one card shows it."""
    d = desk_on_slack
    event = await d.open_ticket()
    await d.command(d.scene.bob, "claim 1")
    await d.settle()
    assert d.replies(event)[-1] == "bob has picked up ticket #1."
    fields = [field["text"] for field in d.card(1)["blocks"][1]["fields"]]
    assert "*Assignee*\nbob" in fields


@BOTH_MODES
async def test_refusal_is_answered_ephemerally_and_changes_nothing(
    desk_on_slack: SlackDesk,
) -> None:
    """A customer's claim is refused, privately, and the ticket stays open."""
    d = desk_on_slack
    await d.open_ticket()
    answer = await d.command_answer(d.scene.alice, "claim 1", channel=d.scene.support)
    assert answer == {"text": "/ticket claim is for agents.", "response_type": "ephemeral"}
    assert await d.rows("SELECT status FROM tickets") == [("open",)]


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_command_text_saying_payload_works(desk_on_slack: SlackDesk) -> None:
    """`/ticket note 1 the payload was empty` is not lost to Bolt's HTTP body parsing."""
    d = desk_on_slack
    await d.open_ticket()
    answer = await d.command(d.scene.bob, "note 1 the payload was empty")
    assert answer == "Internal note added to ticket #1 (customers don't see it)."
    assert await d.rows("SELECT text FROM messages WHERE internal = 1") == [
        ("the payload was empty",)
    ]


@pytest.mark.parametrize("mode", ["http"])
async def test_command_from_a_channel_named_payload_works(desk_on_slack: SlackDesk) -> None:
    """A command typed in a channel whose name contains "payload" still reaches the desk."""
    d = desk_on_slack
    room = d.slack.add_channel("payload-team", members=[d.scene.bob.id])
    answer = await d.command(d.scene.bob, "list", channel=room)
    assert answer == "No tickets (active)."


@pytest.mark.parametrize("slack_overrides", [{"command": "/helpdesk"}])
async def test_answers_name_the_configured_command(desk_on_slack: SlackDesk) -> None:
    """With slack.command set to /helpdesk, answers show /helpdesk, never /ticket."""
    d = desk_on_slack
    answer = await d.command(d.scene.bob, "help")
    assert "/helpdesk claim [id] [--force]" in answer
    assert "/ticket" not in answer


async def test_assign_to_a_mentioned_agent(desk_on_slack: SlackDesk) -> None:
    """`/ticket assign 1 @bob` (sent by Slack as <@U…|bob>) gives bob the ticket."""
    d = desk_on_slack
    await d.open_ticket()
    answer = await d.command(d.scene.erin, f"assign 1 <@{d.scene.bob.id}|bob>")
    assert answer == "Ticket #1 is now assigned to bob."


@pytest.mark.parametrize(
    ("who", "role"),
    [("bob", "agent through @support-agents"), ("erin", "agent by user id"),
     ("carol", "lead by user id")],
)  # fmt: skip
async def test_configured_people_and_groups_are_staff(
    desk_on_slack: SlackDesk, who: str, role: str
) -> None:
    """Roles come from config: user ids and members of the configured user groups."""
    d = desk_on_slack
    await d.open_ticket()
    answer = await d.command(getattr(d.scene, who), "claim 1")
    assert answer.startswith("You claimed #1"), role


async def test_user_group_membership_is_refreshed(desk_on_slack: SlackDesk) -> None:
    """Someone added to the agents' group works tickets once the cached membership ages."""
    d = desk_on_slack
    await d.open_ticket()
    assert await d.command(d.scene.dave, "claim 1") == "/ticket claim is for agents."
    d.scene.agents.users.append(d.scene.dave.id)
    d.clock.advance(minutes=11)
    assert (await d.command(d.scene.dave, "claim 1")).startswith("You claimed #1")


async def test_answers_are_escaped_for_slack(desk_on_slack: SlackDesk) -> None:
    """A subject with <, > and & is shown as text in answers, never as markup."""
    d = desk_on_slack
    await d.open_ticket("&lt;!channel&gt; fix A &amp; B")
    answer = await d.command(d.scene.bob, "status 1")
    assert answer.startswith("#1 &lt;!channel&gt; fix A &amp; B\nStatus: open")


async def test_reply_from_triage_speaks_in_the_ticket_thread(desk_on_slack: SlackDesk) -> None:
    """`/ticket reply 1 …` typed in triage posts `bob: …` in the customer's thread, once."""
    d = desk_on_slack
    event = await d.open_ticket()
    answer = await d.command(d.scene.bob, "reply 1 try the other tray")
    assert answer == "Your reply is posted in ticket #1's thread."
    await d.settle()
    assert d.replies(event)[-1] == "bob: try the other tray"
    assert await d.rows("SELECT role FROM messages ORDER BY id") == [
        ("customer",),
        ("bot",),
        ("agent",),
    ]
