"""Similar past cases, found beside the writer once a ticket is opened or re-worded.

The similar-tickets query reads a large part of the index on a big desk, so it never runs
inside a unit of work: a unit that opens or re-words a ticket commits without it (its card
posted with the similar tickets found so far), then the desk runs the query on the reports'
connection, beside the writer, and a small follow-up unit keeps what it found and edits the
card, and the acknowledgement when it offers customers answers that helped others
(`knowledge.suggest_to_customers`). Later changes to the card read the kept tickets by key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from handlers import changes, knowledge, notices
from handlers.models import Found, Notice, Status, Ticket, Unmatched
from handlers.ports import Reports, TicketsTx, Tx
from handlers.settings import DeskSettings


@dataclass(frozen=True)
class Matched:
    """What the similar-tickets query found for a ticket, beside the writer."""

    ticket: Ticket
    found: tuple[Found, ...]


def unmatched(tx: TicketsTx) -> list[Unmatched]:
    """The tickets this unit opened or re-worded, as it wrote them (nothing is read)."""
    return [tx.unmatched[ticket_id] for ticket_id in sorted(tx.unmatched)]


def match(reports: Reports, tickets: Sequence[Unmatched]) -> list[Matched]:
    """Run the similar-tickets query for each ticket; keep those whose card may change.

    A new ticket like none before shows nothing, as it did: no unit needed to say so.
    """
    matched = []
    for unmatched in tickets:
        found = tuple(reports.search(knowledge.similar_query(unmatched.ticket)))
        if found or not unmatched.opened:
            matched.append(Matched(unmatched.ticket, found))
    return matched


def show(tx: Tx, matched: Sequence[Matched], now: datetime, settings: DeskSettings) -> None:
    """Keep what was found for each ticket; edit its card (and ack) to show it."""
    for one in matched:
        current = tx.ticket(one.ticket.id)
        if current is None or _reworded(one.ticket, current):
            continue  # re-worded meanwhile: the query for its new words follows that unit
        tx.remember_similar(current.id, [hit.ticket.id for hit in one.found])
        card = changes.card_now(tx, current, now, settings)
        notices.send(tx, now, _suggesting(current, one.found, settings), card)


def _reworded(searched: Ticket, current: Ticket) -> bool:
    return (searched.subject, searched.body) != (current.subject, current.body)


def _suggesting(ticket: Ticket, found: Sequence[Found], settings: DeskSettings) -> Notice | None:
    """The ack again, offering answers that helped others, while nobody has answered yet."""
    if ticket.status is not Status.OPEN or ticket.first_response_at is not None:
        return None
    helped = knowledge.helpful(ticket, found, settings)
    if not helped:
        return None
    texts = settings.texts_for(ticket.place.platform)
    return knowledge.suggest(notices.ack(ticket, settings), helped, texts)
