"""What a person's own dashboard shows (Slack's App Home): their tickets and, for staff, the queue.

The core decides what is on it and in which words; a platform only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from handlers.models import ACTIVE_STATUSES, Person, Role, Status, TicketQuery
from handlers.ports import Tx
from handlers.settings import DeskSettings
from handlers.texts import Texts

SHELF_LIMIT = 15


@dataclass(frozen=True)
class HomeItem:
    """One ticket on a shelf: its line of text and where the conversation is."""

    ticket_id: int
    line: str
    permalink: str | None


@dataclass(frozen=True)
class Shelf:
    """A titled list of tickets; `more` counts those left off, and `more_text` says so."""

    title: str
    items: tuple[HomeItem, ...]
    more: int
    empty: str
    more_text: str | None = None


@dataclass(frozen=True)
class Home:
    heading: str
    hint: str
    shelves: tuple[Shelf, ...]


def build(tx: Tx, viewer: Person, workspace: str, settings: DeskSettings) -> Home:
    """Lay out `viewer`'s dashboard: agents see what they hold and the unclaimed queue."""
    active = TicketQuery(workspace, ACTIVE_STATUSES, limit=SHELF_LIMIT)
    texts = settings.texts_for(viewer.platform)
    if settings.role_of(viewer).at_least(Role.AGENT):
        unclaimed = replace(active, statuses=frozenset({Status.OPEN}), unassigned=True)
        wanted = [
            (texts.home_assigned(), replace(active, assignee_key=viewer.key)),
            (texts.home_unclaimed(), unclaimed),
        ]
    else:
        wanted = [(texts.home_requests(), replace(active, customer_key=viewer.key))]
    shelves = tuple(_shelf(tx, texts, title, query) for title, query in wanted)
    return Home(texts.home_heading(viewer.name), texts.home_hint(), shelves)


def _shelf(tx: Tx, texts: Texts, title: str, query: TicketQuery) -> Shelf:
    tickets, total = tx.tickets(query)
    items = tuple(
        HomeItem(ticket.id, texts.ticket_line(ticket), ticket.permalink) for ticket in tickets
    )
    more = total - len(items)
    more_text = texts.home_more(more) if more else None
    return Shelf(title, items, more, texts.home_empty(title), more_text)
