"""Similar tickets on the Slack card, and the ack's "This solved it" button, on real bolt."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import Config, KnowledgeConfig
from storage.store import SqliteStore
from tests.bot.slack.conftest import Scene, SlackDesk
from tests.clock import FakeClock
from tests.fakes.slack import FakeSlack, payloads

PASSWORD = "Password reset email never arrives"


@pytest.fixture
async def suggesting(
    slack: FakeSlack, scene: Scene, config: Config, store: SqliteStore, clock: FakeClock
) -> AsyncIterator[SlackDesk]:
    """deskbot on Slack with `knowledge.suggest_to_customers` on."""
    knowing = config.model_copy(update={"knowledge": KnowledgeConfig(suggest_to_customers=True)})
    running = SlackDesk(slack, scene, knowing, store, clock)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def _solved_before(d: SlackDesk) -> None:
    await d.open_ticket(PASSWORD, user=d.scene.dave)
    await d.command(d.scene.erin, "resolve 1 whitelisted our domain")
    await d.settle()


async def _click(d: SlackDesk, user: Any, ack: dict[str, Any]) -> None:
    """`user` clicks "This solved it" under the ack in the support channel's thread."""
    action = payloads.button("deskbot:solved", "2", text="This solved it")
    payload = d.slack.block_action(user.id, d.scene.support.id, ack["ts"], action)
    await d.slack.socket_ack(await d.slack.socket_send_interaction(payload))
    await d.settle()


def _ack(d: SlackDesk, event: dict[str, Any]) -> dict[str, Any]:
    (ack, *_) = d.slack.thread(event["channel"], event["ts"])[1:]
    return ack


async def test_the_card_links_similar_resolved_tickets(desk_on_slack: SlackDesk) -> None:
    """A new ticket's card has a section naming the resolved ticket like it, linked."""
    d = desk_on_slack
    await _solved_before(d)
    await d.open_ticket("my password reset email never arrives")
    blocks = d.card(2)["blocks"]
    (similar,) = [b for b in blocks if "Solved before" in b.get("text", {}).get("text", "")]
    text = similar["text"]["text"]
    assert "whitelisted our domain" in text
    assert text.count("<https://") == 1  # the line links to #1's conversation
    assert "#1 Password reset email never arrives" in text


async def test_this_solved_it_on_the_ack_resolves_the_ticket_as_deflected(
    suggesting: SlackDesk,
) -> None:
    """The ack offers answers and a button; the customer's click resolves, counted deflected."""
    d = suggesting
    await _solved_before(d)
    event = await d.open_ticket(f"{PASSWORD} again")
    ack = _ack(d, event)
    assert "these answers helped others" in ack["text"]
    (actions,) = [b for b in ack["blocks"] if b["type"] == "actions"]
    (button,) = actions["elements"]
    assert (button["action_id"], button["value"]) == ("deskbot:solved", "2")
    assert button["text"]["text"] == "This solved it"
    await _click(d, d.scene.alice, ack)
    assert await d.rows("SELECT status FROM tickets WHERE id = 2") == [("resolved",)]
    deflected = "SELECT count(*) FROM events WHERE kind = 'resolved' AND data ->> 'deflected'"
    assert await d.rows(deflected) == [(1,)]


async def test_someone_else_clicking_this_solved_it_is_refused(suggesting: SlackDesk) -> None:
    """Only the ticket's customer may say an answer solved it; others are told privately."""
    d = suggesting
    await _solved_before(d)
    event = await d.open_ticket(f"{PASSWORD} again")
    await _click(d, d.scene.bob, _ack(d, event))
    await _click(d, d.scene.dave, _ack(d, event))
    assert await d.rows("SELECT status FROM tickets WHERE id = 2") == [("open",)]
    assert d.slack.response_url_posts[0].body["text"] == (
        "Only the person who asked can mark ticket #2 solved by an answer."
    )
    assert d.slack.response_url_posts[1].body["text"] == "No ticket #2 in this workspace."
