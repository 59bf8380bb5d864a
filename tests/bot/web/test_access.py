"""One permission model for chat and web: each case is checked on both surfaces at once."""

from __future__ import annotations

import aiohttp
import pytest

from handlers.models import Person
from tests.bot.web.conftest import Site
from tests.bot.web.signing import sign_in
from tests.builders import ALICE, BOB, CAROL, DAVE, open_ticket, run

# These read the store through its ports: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

# Who asks · sees Alice's ticket · sees its internal note · sees the figures.
CASES = [
    (ALICE, True, False, False),  # the customer whose ticket it is
    (DAVE, False, False, False),  # another customer
    (BOB, True, True, False),  # an agent
    (CAROL, True, True, True),  # a lead
]


@pytest.mark.parametrize(
    ("viewer", "sees_ticket", "sees_note", "sees_figures"),
    CASES,
    ids=["own-customer", "other-customer", "agent", "lead"],
)
async def test_chat_and_web_show_the_same_people_the_same_things(
    site: Site,
    http: aiohttp.ClientSession,
    viewer: Person,
    sees_ticket: bool,
    sees_note: bool,
    sees_figures: bool,
) -> None:
    """`/ticket status` and `/ticket digest` agree with the ticket page and the metrics page."""
    ticket = await open_ticket(site.desk, ALICE, "printer on fire")
    await run(site.desk, BOB, f"note {ticket} the customer is a VIP")
    chat_status = await run(site.desk, viewer, f"status {ticket}")
    chat_digest = await run(site.desk, viewer, "digest")
    await sign_in(http, site.desk, viewer)
    async with http.get(f"{site.url}/w/console:local/tickets/{ticket}") as answer:
        web_ticket, page = answer.status == 200, await answer.text()
    async with http.get(f"{site.url}/w/console:local/metrics") as answer:
        web_figures = answer.status == 200

    assert (chat_status.ok, web_ticket) == (sees_ticket, sees_ticket)
    # `/ticket status` counts the messages it may show: a note counts for staff only.
    counted_note = "2 messages" in chat_status.text
    assert (counted_note, "VIP" in page) == (sees_note, sees_note)
    assert (chat_digest.ok, web_figures) == (sees_figures, sees_figures)
