"""Who a customer is to the desk: on the triage card, and with `/ticket history`."""

from __future__ import annotations

import json

import pytest

from handlers.desk import Desk
from handlers.models import CustomerHistory
from handlers.settings import SatisfactionSettings
from handlers.texts import ENGLISH
from storage.store import SqliteStore
from tests import builders
from tests.builders import ALICE, BOB, DAVE, open_ticket, rows, run
from tests.clock import FakeClock

# These exercise the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores


async def last_card(store: SqliteStore) -> str:
    found = await rows(store, "SELECT payload FROM outbox WHERE kind = 'card' ORDER BY id")
    return str(json.loads(str(found[-1][0]))["text"])


async def test_a_first_ticket_card_says_nothing_of_history(desk: Desk, store: SqliteStore) -> None:
    """A customer new to the desk gets no history line: there is none to read."""
    await open_ticket(desk, ALICE, "printer on fire")
    assert await last_card(store) == "#1 · printer on fire · open · normal · from alice · unclaimed"


async def test_a_returning_customer_is_recognised_on_the_card(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """The card counts the customer's tickets in 30 days and their others still open."""
    await open_ticket(desk, ALICE, "printer on fire")
    await open_ticket(desk, DAVE, "not alice")
    clock.advance(days=2)
    await open_ticket(desk, ALICE, "scanner too")
    assert (await last_card(store)).endswith(" · 2 tickets in 30 days, 1 other open")
    await run(desk, BOB, "resolve 1")
    await open_ticket(desk, ALICE, "and the fax")
    assert (await last_card(store)).endswith(" · 3 tickets in 30 days, 1 other open")


async def test_tickets_older_than_the_window_are_not_recent(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Thirty-one days on, the first ticket no longer counts; it still counts while open."""
    await open_ticket(desk, ALICE, "printer on fire")
    await run(desk, BOB, "resolve 1")
    clock.advance(days=31)
    await open_ticket(desk, ALICE, "again")
    assert await last_card(store) == "#2 · again · open · normal · from alice · unclaimed"


async def test_history_lists_a_customers_tickets_and_how_they_ended(
    desk: Desk, clock: FakeClock
) -> None:
    """Agents see each ticket's status, when it was opened and, once solved, when it ended."""
    await open_ticket(desk, ALICE, "printer on fire")
    clock.advance(hours=1)
    await run(desk, BOB, "resolve 1")
    await open_ticket(desk, ALICE, "scanner too")
    answer = await run(desk, BOB, "history @alice", mentions=(ALICE,))
    assert answer.text.splitlines() == [
        "alice: 2 tickets",
        "#2 · open · scanner too · opened Tue 24 Nov 11:00 UTC",
        "#1 · resolved · printer on fire · opened Tue 24 Nov 10:00 UTC"
        " · ended Tue 24 Nov 11:00 UTC",
    ]


async def test_history_is_for_agents(desk: Desk) -> None:
    """A customer cannot look up another customer."""
    answer = await run(desk, DAVE, "history @alice", mentions=(ALICE,))
    assert answer.text == "/ticket history is for agents."


def test_counts_at_the_cap_read_as_at_least() -> None:
    """A customer with a hundred tickets or more is shown as `100+`, not a false exact count."""
    history = CustomerHistory(recent=100, other_open=100, cap=100)
    assert ENGLISH.customer_history(history) == "100+ tickets in 30 days, 100+ others open"
    assert ENGLISH.customer_history(CustomerHistory(2, 0)) == "2 tickets in 30 days"


async def test_the_card_says_the_customers_last_rating(
    store: SqliteStore, clock: FakeClock
) -> None:
    """A customer who rated a ticket 2/5 is carded with that rating next time."""
    rating = builders.settings(satisfaction=SatisfactionSettings(enabled=True))
    desk = Desk(store, clock, rating)
    await open_ticket(desk, ALICE, "printer on fire")
    await run(desk, BOB, "resolve 1")
    await run(desk, ALICE, "rate 1 2 too slow")
    clock.advance(days=40)  # long enough for the count alone to say nothing
    await open_ticket(desk, ALICE, "scanner too")
    assert (await last_card(store)).endswith(
        " · from alice · unclaimed · 1 ticket in 30 days · last rating 2/5"
    )


async def test_history_shows_how_each_ticket_was_rated(
    store: SqliteStore, clock: FakeClock
) -> None:
    """A rated ticket's line ends with its rating."""
    desk = Desk(store, clock, builders.settings(satisfaction=SatisfactionSettings(enabled=True)))
    await open_ticket(desk, ALICE, "printer on fire")
    await run(desk, BOB, "resolve 1")
    await run(desk, ALICE, "rate 1 4")
    answer = await run(desk, BOB, "history @alice", mentions=(ALICE,))
    assert answer.text.splitlines()[1].endswith(" · rated 4/5")
