"""The App Home tab: each viewer's own tickets and, for agents, the unclaimed queue."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bot.slack.conftest import SlackDesk
from tests.fakes.slack import payloads
from tests.fakes.slack.blocks import validate_view_blocks
from tests.fakes.slack.state import User


async def open_home(d: SlackDesk, user: User) -> list[str]:
    """`user` opens deskbot's Home tab; return the texts it shows, top to bottom."""
    await d.deliver(payloads.app_home_opened(user.id, d.slack.dm_channel(user.id).id))
    view = d.slack.home_view(user.id)
    assert view is not None
    return [_text(block) for block in view["blocks"] if block["type"] != "divider"]


def _text(block: dict[str, Any]) -> str:
    if "text" in block:
        return str(block["text"]["text"])
    return " ".join(str(element["text"]) for element in block["elements"])


async def test_customer_sees_their_open_requests(desk_on_slack: SlackDesk) -> None:
    """A customer's Home lists their own active tickets, and nobody else's."""
    d = desk_on_slack
    await d.post(d.scene.alice, "Printer on fire")
    await d.post(d.scene.dave, "Coffee machine empty")
    shown = await open_home(d, d.scene.alice)
    assert shown[2] == "Your open requests"
    assert shown[3].startswith("#1 · open · normal · alice · unclaimed · Printer on fire · <https")
    assert not any("Coffee" in text for text in shown)


async def test_agent_sees_their_tickets_and_the_unclaimed_queue(desk_on_slack: SlackDesk) -> None:
    """An agent's Home shows what they hold and what nobody has claimed yet."""
    d = desk_on_slack
    await d.post(d.scene.alice, "Printer on fire")
    await d.post(d.scene.dave, "Coffee machine empty")
    await d.command(d.scene.bob, "claim 2")
    shown = await open_home(d, d.scene.bob)
    assert [text.split(" · ")[0] for text in shown[2:]] == [
        "Tickets you hold", "#2", "Unclaimed tickets", "#1"
    ]  # fmt: skip


async def test_empty_shelves_say_so(desk_on_slack: SlackDesk) -> None:
    """With nothing to show, each shelf says there is nothing, and the view is valid."""
    d = desk_on_slack
    shown = await open_home(d, d.scene.erin)
    assert shown[2:] == [
        "*Tickets you hold: none right now.*", "*Unclaimed tickets: none right now.*"
    ]  # fmt: skip


async def test_long_queue_fits_in_a_home_view(desk_on_slack: SlackDesk) -> None:
    """Forty unclaimed tickets still make a valid view that says how many more there are."""
    d = desk_on_slack
    for number in range(40):
        await d.post(d.scene.alice, f"Problem number {number}")
    shown = await open_home(d, d.scene.bob)
    view = d.slack.home_view(d.scene.bob.id)
    assert view is not None
    assert validate_view_blocks(view["blocks"]) == []
    assert shown[-1] == "…and 25 more. /ticket list shows them all."


@pytest.mark.parametrize("slack_overrides", [{"home_tab": False}])
async def test_home_tab_can_be_turned_off(desk_on_slack: SlackDesk) -> None:
    """With slack.home_tab false nothing is published."""
    d = desk_on_slack
    await d.deliver(payloads.app_home_opened(d.scene.bob.id, d.slack.dm_channel(d.scene.bob.id).id))
    assert d.slack.calls_to("views.publish") == []
