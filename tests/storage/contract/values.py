"""Values the contract tests store: tickets, notices and times, through the ports only."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.models import NewTicket, Notice, NoticeKind, Place, Priority, Ticket
from handlers.ports import Store
from tests.builders import ALICE, SUPPORT
from tests.clock import START


def later(**delta: float) -> datetime:
    return START + timedelta(**delta)


def new_ticket(thread: str, priority: Priority = Priority.NORMAL) -> NewTicket:
    place = Place(SUPPORT.workspace, SUPPORT.channel, thread)
    return NewTicket(place, ALICE, f"subject {thread}", f"body {thread}", priority, START)


async def opened(store: Store, thread: str = "1.0") -> Ticket:
    """Store a new ticket and return it."""
    ticket = await store.transact(lambda tx: tx.insert_ticket(new_ticket(thread)))
    assert ticket is not None
    return ticket


def note(
    channel: str = "triage", text: str = "hello", workspace: str = SUPPORT.workspace
) -> Notice:
    return Notice(NoticeKind.THREAD, Place(workspace, channel), text)


def card(ticket_id: int, text: str) -> Notice:
    return Notice(NoticeKind.CARD, Place(SUPPORT.workspace, "triage"), text, ticket_id=ticket_id)
