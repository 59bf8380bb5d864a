"""What the web view reads: the queue a page at a time, a ticket's page, the operators' counts.

The queue pages by key (the last row's sort key), never by offset, so the thousandth page
costs what the first does. Filters and sorts are closed sets: a value outside them is refused
where the request is read, never passed on to storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from handlers.models import ClockKind, Message, Priority, SlaClock, Status, Ticket

PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class QueueSort(StrEnum):
    OLDEST = "oldest"  # longest waiting first
    NEWEST = "newest"
    PRIORITY = "priority"  # urgent first, then the oldest
    UPDATED = "updated"  # most recently changed first


@dataclass(frozen=True)
class After:
    """Where the next page starts: the sort key of the last row shown (and its id)."""

    key: int | str
    id: int


@dataclass(frozen=True)
class QueueQuery:
    workspace: str
    statuses: frozenset[Status]
    sort: QueueSort = QueueSort.OLDEST
    priority: Priority | None = None
    assignee_key: str | None = None
    unassigned: bool = False
    customer_key: str | None = None  # a customer's queue: their own tickets only
    after: After | None = None
    limit: int = 50


@dataclass(frozen=True)
class QueueRow:
    """A ticket in the queue, with its earliest SLA due time among its running clocks."""

    ticket: Ticket
    due_at: datetime | None
    breached: bool

    def after(self, sort: QueueSort) -> After:
        """The key the page after this row starts from, under `sort`."""
        ticket = self.ticket
        if sort is QueueSort.PRIORITY:
            return After(PRIORITY_RANK[ticket.priority], ticket.id)
        if sort is QueueSort.UPDATED:
            return After(ticket.updated_at.isoformat(), ticket.id)
        return After(ticket.id, ticket.id)


@dataclass(frozen=True)
class AuditEntry:
    """One event of a ticket's audit trail, as the timeline shows it."""

    at: datetime
    actor_name: str | None
    kind: str
    data: dict[str, object]


@dataclass(frozen=True)
class TicketPage:
    """Everything a ticket's page shows, read in one snapshot."""

    ticket: Ticket
    messages: tuple[Message, ...]
    events: tuple[AuditEntry, ...]
    clocks: dict[ClockKind, SlaClock]


@dataclass(frozen=True)
class Totals:
    """Running totals for the operators' metrics: audit events by kind, the outbox by state,
    breached promises, and when the oldest notice still waiting to go out was queued."""

    events: dict[str, int]
    outbox: dict[str, int]
    open_breaches: int
    oldest_pending: datetime | None
