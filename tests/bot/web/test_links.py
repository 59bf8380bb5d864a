"""The ack and the triage card link to the ticket's page when the web view is on."""

from __future__ import annotations

import json

import pytest

from bot.adapters.discord.views import card_view
from bot.adapters.slack.blocks import card_blocks
from handlers.desk import Desk
from handlers.models import NoticeKind, Queued
from handlers.texts import ENGLISH
from storage.store import SqliteStore
from tests.bot.web.conftest import Site
from tests.builders import ALICE, open_ticket

# These read the store through its ports: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores


async def queued(site: Site) -> dict[NoticeKind, Queued]:
    found = await site.store.read(lambda tx: tx.due_notices(site.clock.now(), 10))
    return {item.notice.kind: item for item in found}


async def test_the_ack_and_the_card_link_to_the_ticket_page(site: Site) -> None:
    """The customer's ack ends with the page's address; the card carries it as a link."""
    ticket = await open_ticket(site.desk, ALICE)
    url = f"{site.url}/w/console:local/tickets/{ticket}"
    notices = await queued(site)
    assert notices[NoticeKind.ACK].notice.text.endswith(f"\nOn the web: {url}")
    card = notices[NoticeKind.CARD].notice.card
    assert card is not None and card.web_url == url


async def test_without_the_web_view_nothing_links_to_it(desk: Desk, store: SqliteStore) -> None:
    """With the web view off the ack says nothing of it and the card has no link."""
    await open_ticket(desk, ALICE)
    found = await store.read(lambda tx: tx.due_notices(desk.clock.now(), 10))
    for item in found:
        assert "On the web" not in item.notice.text
        assert item.notice.card is None or item.notice.card.web_url is None


async def test_slack_and_discord_cards_show_the_link(site: Site) -> None:
    """Slack's card context and Discord's card buttons both offer the page."""
    ticket = await open_ticket(site.desk, ALICE)
    card = (await queued(site))[NoticeKind.CARD].notice.card
    assert card is not None and card.web_url is not None
    slack = json.dumps(card_blocks(card, ENGLISH))
    assert f"<{card.web_url}|Open on the web>" in slack
    buttons = [item for item in card_view(card, ENGLISH).children if getattr(item, "url", None)]
    assert [(button.label, button.url) for button in buttons] == [  # type: ignore[attr-defined]
        ("Open on the web", f"{site.url}/w/console:local/tickets/{ticket}")
    ]
