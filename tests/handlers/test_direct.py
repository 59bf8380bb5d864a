"""Private tickets by direct message: a DM opens one, the DM is its conversation."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from handlers import delivery
from handlers.desk import Desk
from handlers.intake import Outcome
from handlers.models import Place, Status
from handlers.settings import DeskSettings, KnowledgeSettings, PlatformPlaces
from storage.store import SqliteStore
from tests import builders
from tests.builders import ALICE, BOB, DAVE, SUPPORT, WORKSPACE, message, open_ticket, rows, run
from tests.clock import FakeClock

# These exercise the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

DM = Place(WORKSPACE, "dm-alice")
TRIAGE = Place(WORKSPACE, "triage")
PLACES = PlatformPlaces(frozenset({"support"}), "triage", "leads", direct_messages=True)


@pytest.fixture
def settings() -> DeskSettings:
    return builders.settings(places={"console": PLACES})


async def dm(desk: Desk, text: str, author: builders.Person = ALICE, where: Place = DM) -> int:
    """Write to the bot directly; return the ticket the message went to."""
    link = f"https://chat.example/{where.channel}"
    result = await desk.receive(
        replace(message(author, text, place=where), direct=True, permalink=link)
    )
    assert result.ticket_id is not None, result
    return result.ticket_id


async def payloads(store: SqliteStore, kind: str) -> list[tuple[dict[str, object], object]]:
    """The queued notices of a kind: their payload, and the thread they go to."""
    found = await rows(
        store, "SELECT payload, channel, thread FROM outbox WHERE kind = ? ORDER BY id", kind
    )
    return [(json.loads(str(payload)), (channel, thread)) for payload, channel, thread in found]


async def test_a_direct_message_opens_a_private_ticket(desk: Desk, store: SqliteStore) -> None:
    """The DM becomes a private ticket, acknowledged in the DM itself, with no thread."""
    ticket_id = await dm(desk, "my invoice shows someone else's address")
    ticket = await desk.ticket(ticket_id)
    assert ticket is not None and ticket.private
    [(ack, where)] = await payloads(store, "ack")
    assert where == ("dm-alice", None)
    assert "only you and our agents see it" in str(ack["text"])
    assert "thread_title" not in ack


async def test_the_card_marks_a_private_ticket_and_offers_reply(
    desk: Desk, store: SqliteStore
) -> None:
    """The triage card says the ticket is private, and offers Reply beside Claim."""
    await dm(desk, "my invoice shows someone else's address")
    [(card, where)] = await payloads(store, "card")
    assert where == ("triage", None)
    assert str(card["text"]).startswith("🔒 Private (direct message): for agents only · #1")
    view = card["card"]
    assert isinstance(view, dict) and view["private"] is True
    assert view["permalink"] is None  # the customer's DM opens for nobody else
    assert view["actions"] == ["claim", "reply", "resolve", "priority"]


async def test_a_channel_ticket_is_not_marked_private(desk: Desk, store: SqliteStore) -> None:
    """A ticket opened in the support channel is public, as before."""
    await open_ticket(desk)
    [(card, _)] = await payloads(store, "card")
    assert "Private" not in str(card["text"])
    [(_, (channel, thread))] = await payloads(store, "ack")
    assert channel == SUPPORT.channel and thread is not None


async def test_a_further_direct_message_joins_the_open_ticket(
    desk: Desk, store: SqliteStore
) -> None:
    """While the private ticket is active, the customer's next DMs are its messages."""
    first = await dm(desk, "my invoice is wrong")
    second = await dm(desk, "here is the invoice number: 4711")
    assert second == first
    texts = await rows(store, "SELECT text FROM messages WHERE ticket_id = ? ORDER BY id", first)
    assert texts == [("my invoice is wrong",), ("here is the invoice number: 4711",)]


async def test_a_direct_message_after_the_resolution_opens_a_new_ticket(desk: Desk) -> None:
    """A resolved private ticket is not reopened by the next DM: that is a new question."""
    first = await dm(desk, "my invoice is wrong")
    await run(desk, BOB, f"resolve {first} corrected", place=TRIAGE)
    second = await dm(desk, "and now my password expired")
    assert second != first
    assert (await desk.ticket(first)).status is Status.RESOLVED  # type: ignore[union-attr]


async def test_each_customer_has_their_own_direct_ticket(desk: Desk) -> None:
    """Another customer's DM channel holds another ticket."""
    alices = await dm(desk, "my invoice is wrong")
    daves = await dm(desk, "my card was charged twice", DAVE, Place(WORKSPACE, "dm-dave"))
    assert alices != daves


async def test_an_agents_reply_lands_in_the_direct_message(desk: Desk, store: SqliteStore) -> None:
    """`/ticket reply` from triage posts the answer into the customer's DM, flat."""
    ticket_id = await dm(desk, "my invoice is wrong")
    answer = await run(desk, BOB, f"reply {ticket_id} fixed, sorry!", place=TRIAGE)
    assert answer.ok
    [(reply, where)] = await payloads(store, "reply")
    assert reply["text"] == "bob: fixed, sorry!" and where == ("dm-alice", None)


async def test_an_incident_update_lands_in_the_direct_message(
    desk: Desk, store: SqliteStore
) -> None:
    """A private ticket linked to an incident hears its update in the DM, flat, as any answer."""
    ticket_id = await dm(desk, "checkout returns 500 for me")
    await run(desk, BOB, "incident declare Checkout returns 500", place=TRIAGE)
    assert (await run(desk, BOB, f"incident link INC-1 {ticket_id}", place=TRIAGE)).ok
    await run(desk, BOB, "incident update INC-1 Rolling back", place=TRIAGE)
    [(update, where)] = await payloads(store, "reply")
    assert "Rolling back" in str(update["text"]) and where == ("dm-alice", None)


async def test_the_survey_lands_in_the_direct_message(
    store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """The resolved private ticket's survey is asked in the DM."""
    asking = replace(settings, satisfaction=replace(settings.satisfaction, enabled=True))
    desk = Desk(store, clock, asking)
    ticket_id = await dm(desk, "my invoice is wrong")
    await run(desk, BOB, f"resolve {ticket_id} corrected", place=TRIAGE)
    [(_, where)] = await payloads(store, "survey")
    assert where == ("dm-alice", None)


async def test_what_the_bot_says_in_the_direct_message_joins_the_conversation(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """A delivered ack in the DM is the bot's message in the ticket, as in a thread."""
    ticket_id = await dm(desk, "my invoice is wrong")
    due = await store.read(lambda tx: tx.due_notices(clock.now(), 10))
    [queued] = [q for q in due if q.notice.kind == "ack"]
    await store.transact(lambda tx: delivery.delivered(tx, queued, "bot-1", clock.now()))
    said = await rows(store, "SELECT role FROM messages WHERE ticket_id = ? ORDER BY id", ticket_id)
    assert said == [("customer",), ("bot",)]


async def test_direct_messages_switched_off_are_answered_and_not_kept(
    store: SqliteStore, clock: FakeClock
) -> None:
    """With direct messages off, a DM opens nothing and its author is told where to write."""
    desk = Desk(store, clock, builders.settings())
    result = await desk.receive(replace(message(ALICE, "hello?", place=DM), direct=True))
    assert result.outcome is Outcome.REFUSED
    assert result.reply is not None and "support channel" in result.reply
    assert await rows(store, "SELECT count(*) FROM tickets") == [(0,)]


async def test_a_private_answer_is_never_suggested_to_another_customer(
    store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Deflection leaves private tickets out: their subject and answer were for one person."""
    suggesting = replace(settings, knowledge=KnowledgeSettings(suggest_to_customers=True))
    desk = Desk(store, clock, suggesting)
    private = await dm(desk, "Password reset email never arrives")
    await run(desk, BOB, f"resolve {private} whitelisted our domain", place=TRIAGE)
    ticket_id = await open_ticket(desk, DAVE, "Password reset email never arrives, again")
    [ack] = [a for a, _ in await payloads(store, "ack") if f"#{ticket_id}" in str(a["text"])]
    assert "helped others" not in str(ack["text"]) and "actions" not in ack
