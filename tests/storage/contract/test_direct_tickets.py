"""Private tickets: opened by a direct message, found again by their conversation."""

from __future__ import annotations

from dataclasses import replace

from handlers.models import NewTicket, Place, Priority, Status, Ticket
from handlers.ports import Store
from tests.builders import ALICE, WORKSPACE
from tests.clock import START

DM = Place(WORKSPACE, "dm-alice")


async def direct(store: Store, message: str, channel: str = DM.channel) -> Ticket:
    """Store a private ticket opened by `message` in a direct-message channel."""
    place = Place(WORKSPACE, channel, message)
    new = NewTicket(place, ALICE, "billing", "my card", Priority.NORMAL, START, private=True)
    ticket = await store.transact(lambda tx: tx.insert_ticket(new))
    assert ticket is not None
    return ticket


async def test_a_private_ticket_reads_back_private(store: Store) -> None:
    """The private flag survives the round trip, by number and by place."""
    ticket = await direct(store, "m1")
    assert ticket.private
    assert await store.read(lambda tx: tx.ticket(ticket.id)) == ticket
    assert await store.read(lambda tx: tx.ticket_at(ticket.place)) == ticket


async def test_the_active_private_ticket_of_a_conversation_is_found(store: Store) -> None:
    """A direct-message channel's active private ticket is found from the channel alone."""
    ticket = await direct(store, "m1")
    await direct(store, "m9", channel="dm-dave")
    assert await store.read(lambda tx: tx.direct_ticket(DM)) == ticket


async def test_a_resolved_private_ticket_is_no_longer_the_conversations(store: Store) -> None:
    """Once resolved, a private ticket no longer takes the conversation's next messages."""
    ticket = await direct(store, "m1")
    resolved = replace(ticket, status=Status.RESOLVED, resolved_at=START)
    await store.transact(lambda tx: tx.update_ticket(resolved))
    assert await store.read(lambda tx: tx.direct_ticket(DM)) is None


async def test_the_newest_active_private_ticket_wins(store: Store) -> None:
    """With two active private tickets in one conversation, the newer takes the messages."""
    await direct(store, "m1")
    newer = await direct(store, "m2")
    assert await store.read(lambda tx: tx.direct_ticket(DM)) == newer


async def test_a_channel_ticket_is_no_direct_ticket(store: Store) -> None:
    """A ticket opened in a channel is not private, and is not a conversation's."""
    place = Place(WORKSPACE, DM.channel, "c1")
    new = NewTicket(place, ALICE, "printer", "on fire", Priority.NORMAL, START)
    ticket = await store.transact(lambda tx: tx.insert_ticket(new))
    assert ticket is not None and not ticket.private
    assert await store.read(lambda tx: tx.direct_ticket(DM)) is None
