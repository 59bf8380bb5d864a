"""What a person's own dashboard shows (Slack's App Home): their tickets and, for staff, the queue.

The core decides what is on it and in which words; a platform only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from handlers import texts
from handlers.models import ACTIVE_STATUSES, Person, Role, Status, Ticket, TicketQuery
from handlers.ports import Tx
from handlers.settings import DeskSettings

SHELF_LIMIT = 15


@dataclass(frozen=True)
class HomeItem:
    """One ticket on a shelf: its line of text and where the conversation is."""

    ticket_id: int
    line: str
    permalink: str | None


@dataclass(frozen=True)
class Shelf:
    """A titled list of tickets; `more` counts those left off."""

    title: str
    items: tuple[HomeItem, ...]
    more: int
    empty: str

    @property
    def more_text(self) -> str | None:
        return texts.home_more(self.more) if self.more else None


@dataclass(frozen=True)
class Home:
    heading: str
    hint: str
    shelves: tuple[Shelf, ...]


def build(tx: Tx, viewer: Person, workspace: str, settings: DeskSettings) -> Home:
    """Lay out `viewer`'s dashboard: agents see what they hold and the unclaimed queue."""
    active = TicketQuery(workspace, ACTIVE_STATUSES, limit=SHELF_LIMIT)
    if settings.role_of(viewer).at_least(Role.AGENT):
        unclaimed = replace(active, statuses=frozenset({Status.OPEN}), unassigned=True)
        wanted = [
            (texts.home_assigned(), replace(active, assignee_key=viewer.key)),
            (texts.home_unclaimed(), unclaimed),
        ]
    else:
        wanted = [(texts.home_requests(), replace(active, customer_key=viewer.key))]
    shelves = tuple(_shelf(tx, title, query) for title, query in wanted)
    return Home(texts.home_heading(viewer.name), texts.home_hint(), shelves)


def _shelf(tx: Tx, title: str, query: TicketQuery) -> Shelf:
    tickets, total = tx.tickets(query)
    items = tuple(_item(ticket) for ticket in tickets)
    return Shelf(title, items, total - len(items), texts.home_empty(title))


def _item(ticket: Ticket) -> HomeItem:
    return HomeItem(ticket.id, texts.ticket_line(ticket), ticket.permalink)
