"""The ticket's life: which changes each status allows, as pure functions of a ticket.

open → claimed → waiting → resolved → closed; `reopen` and a customer's reply within the
reopen window bring a resolved ticket back. Each function returns the changed ticket or
raises a sentence saying why not; none of them writes anything.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from handlers.errors import AlreadyClaimed, IllegalTransition, NotAllowed, Unchanged
from handlers.models import Person, Priority, Status, Ticket
from handlers.texts import Refused

_FINISHED = frozenset({Status.RESOLVED, Status.CLOSED})


def _to(ticket: Ticket, status: Status, now: datetime, **changes: object) -> Ticket:
    """The ticket in `status` from `now` on (the status clock restarts only on a change)."""
    since = ticket.status_since if status is ticket.status else now
    return replace(ticket, status=status, status_since=since, updated_at=now, **changes)  # type: ignore[arg-type]


def _worked(ticket: Ticket) -> Status:
    """The status of a ticket someone is (or nobody is) working on."""
    return Status.CLAIMED if ticket.assignee else Status.OPEN


def _refuse_finished(ticket: Ticket, action: Refused) -> None:
    if ticket.status in _FINISHED:
        raise IllegalTransition(lambda texts: texts.finished_ticket(ticket, action))


def claim(ticket: Ticket, who: Person, now: datetime, *, force: bool) -> Ticket:
    """Give the ticket to `who`; taking it from someone else needs `force`."""
    _refuse_finished(ticket, "claim")
    if who.same_as(ticket.assignee):
        raise Unchanged(lambda texts: texts.already_yours(ticket))
    if ticket.assignee and not force:
        raise AlreadyClaimed(lambda texts: texts.claimed_by_other(ticket))
    status = Status.WAITING if ticket.status is Status.WAITING else Status.CLAIMED
    return _to(ticket, status, now, assignee=who)


def unclaim(ticket: Ticket, who: Person, now: datetime, *, may_force: bool) -> Ticket:
    """Put the ticket back in the queue; only its holder or a lead may."""
    _refuse_finished(ticket, "unclaim")
    if ticket.assignee is None:
        raise Unchanged(lambda texts: texts.not_claimed(ticket))
    if not who.same_as(ticket.assignee) and not may_force:
        raise NotAllowed(lambda texts: texts.only_holder_or_lead_unclaims(ticket))
    status = Status.WAITING if ticket.status is Status.WAITING else Status.OPEN
    return _to(ticket, status, now, assignee=None)


def assign(ticket: Ticket, to: Person, by: Person, now: datetime, *, may_force: bool) -> Ticket:
    """Give the ticket to `to`; only its holder or a lead may take it from its holder."""
    _refuse_finished(ticket, "assign")
    if to.same_as(ticket.assignee):
        raise Unchanged(lambda texts: texts.already_assigned(ticket))
    holder = ticket.assignee
    if holder and not by.same_as(holder) and not may_force:
        raise AlreadyClaimed(lambda texts: texts.claimed_by_other(ticket, reassigning=True))
    status = Status.WAITING if ticket.status is Status.WAITING else Status.CLAIMED
    return _to(ticket, status, now, assignee=to)


def set_priority(ticket: Ticket, priority: Priority, now: datetime) -> Ticket:
    """Change the ticket's priority (its SLA clocks follow)."""
    if ticket.status is Status.CLOSED:
        raise IllegalTransition(lambda texts: texts.finished_ticket(ticket, "priority"))
    if ticket.priority is priority:
        raise Unchanged(lambda texts: texts.priority_unchanged(ticket))
    return replace(ticket, priority=priority, updated_at=now)


def wait_on_customer(ticket: Ticket, now: datetime) -> Ticket:
    """Pause the ticket until the customer answers."""
    _refuse_finished(ticket, "wait")
    if ticket.status is Status.WAITING:
        raise Unchanged(lambda texts: texts.already_status(ticket))
    return _to(ticket, Status.WAITING, now)


def resolve(ticket: Ticket, now: datetime) -> Ticket:
    """Mark the ticket solved; the customer may still reopen it by replying."""
    if ticket.status is Status.RESOLVED:
        raise Unchanged(lambda texts: texts.already_status(ticket))
    if ticket.status is Status.CLOSED:
        raise IllegalTransition(lambda texts: texts.finished_ticket(ticket, "resolve"))
    return _to(ticket, Status.RESOLVED, now, resolved_at=now)


def close(ticket: Ticket, now: datetime) -> Ticket:
    """Close a resolved ticket for good."""
    if ticket.status is Status.CLOSED:
        raise Unchanged(lambda texts: texts.already_status(ticket))
    if ticket.status is not Status.RESOLVED:
        raise IllegalTransition(lambda texts: texts.resolve_before_closing(ticket))
    return _to(ticket, Status.CLOSED, now, closed_at=now)


def reopen(ticket: Ticket, now: datetime) -> Ticket:
    """Bring a resolved or closed ticket back to whoever held it, or to the queue."""
    if ticket.status not in _FINISHED:
        raise IllegalTransition(lambda texts: texts.only_finished_reopen(ticket))
    return _to(ticket, _worked(ticket), now, resolved_at=None, closed_at=None)


def customer_replied(ticket: Ticket, now: datetime, reopen_window: timedelta) -> Ticket:
    """Return the ticket as a customer's reply leaves it (waiting ends, resolved may reopen)."""
    if ticket.status is Status.WAITING:
        return _to(ticket, _worked(ticket), now)
    if ticket.status is Status.RESOLVED and within_reopen_window(ticket, now, reopen_window):
        return reopen(ticket, now)
    return replace(ticket, updated_at=now)


def within_reopen_window(ticket: Ticket, now: datetime, reopen_window: timedelta) -> bool:
    resolved_at = ticket.resolved_at
    return resolved_at is not None and now - resolved_at <= reopen_window
