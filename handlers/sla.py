"""The desk's promises: business-time clocks for first response, next response, resolution.

Every ticket has a first-response and a resolution clock from the moment it opens, and a
next-response clock for each customer message that follows an answer. A clock counts
business time on its priority's calendar while the ticket is worked (open or claimed); it
pauses while the ticket waits on the customer; an agent's public answer stops the response
clocks and the resolution stops the resolution clock (a reopen resumes it). A priority
without a policy still has clocks, on `24x7` with no target: the digest measures every
ticket, and a later priority change knows how much time was used.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from handlers.business_time import ALWAYS_OPEN
from handlers.models import ClockKind, SlaClock, Status, Ticket
from handlers.ports import Tx
from handlers.settings import DeskSettings, SlaPolicy, SlaSpan

_WORKED = frozenset({Status.OPEN, Status.CLAIMED})


@dataclass(frozen=True)
class Promise:
    due: datetime
    within: SlaSpan
    business_hours: bool


def first_response_promise(ticket: Ticket, settings: DeskSettings) -> Promise | None:
    """When the customer may expect a first answer, if the ticket's priority has a policy."""
    policy = settings.sla.get(ticket.priority)
    if policy is None or policy.first_response is None:
        return None
    span = policy.first_response
    due = policy.calendar.add(ticket.created_at, span.on(policy.calendar))
    return Promise(due, span, policy.calendar.name != ALWAYS_OPEN)


def target(policy: SlaPolicy, kind: ClockKind) -> timedelta | None:
    span = {
        ClockKind.FIRST_RESPONSE: policy.first_response,
        ClockKind.NEXT_RESPONSE: policy.next_response,
        ClockKind.RESOLUTION: policy.resolution,
    }[kind]
    return None if span is None else span.on(policy.calendar)


# -- one clock ------------------------------------------------------------------------------


def used(clock: SlaClock, now: datetime, settings: DeskSettings) -> timedelta:
    """Business time the clock has counted up to `now`."""
    if clock.running_since is None:
        return clock.used
    return clock.used + settings.calendar(clock.calendar).elapsed(clock.running_since, now)


def _due(clock: SlaClock, settings: DeskSettings) -> datetime | None:
    if clock.running_since is None or clock.target is None:
        return None
    if clock.used >= clock.target and clock.due_at is not None:
        return clock.due_at  # it broke before the pause: it stays broken as of then
    remaining = max(clock.target - clock.used, timedelta())
    return settings.calendar(clock.calendar).add(clock.running_since, remaining)


def run(clock: SlaClock, now: datetime, settings: DeskSettings) -> SlaClock:
    """Let a paused clock count again from `now`."""
    if clock.running or clock.stopped_at is not None:
        return clock
    running = replace(clock, running_since=now)
    return replace(running, due_at=_due(running, settings))


def pause(clock: SlaClock, now: datetime, settings: DeskSettings) -> SlaClock:
    """Stop counting for now, keeping the business time used so far."""
    if not clock.running:
        return clock
    broken = clock.due_at if clock.due_at is not None and clock.due_at <= now else None
    return replace(clock, used=used(clock, now, settings), running_since=None, due_at=broken)


def stop(clock: SlaClock, now: datetime, settings: DeskSettings) -> SlaClock:
    """The promise is settled (answered, resolved): the time used is final."""
    if clock.stopped_at is not None:
        return clock
    return replace(pause(clock, now, settings), stopped_at=now)


def restart(clock: SlaClock, now: datetime, settings: DeskSettings) -> SlaClock:
    """A stopped clock counts on from where it stopped (a reopened resolution)."""
    return run(replace(clock, stopped_at=None), now, settings)


def retarget(clock: SlaClock, policy: SlaPolicy, now: datetime, settings: DeskSettings) -> SlaClock:
    """Move the clock to a new policy: time used so far stays; the due time follows."""
    was_running = clock.running
    settled = replace(pause(clock, now, settings), due_at=None)
    moved = replace(settled, calendar=policy.calendar.name, target=target(policy, clock.kind))
    return run(moved, now, settings) if was_running else moved


def fresh(ticket: Ticket, kind: ClockKind, now: datetime, settings: DeskSettings) -> SlaClock:
    """A new clock for the ticket's current priority, counting from `now`."""
    policy = settings.policy(ticket.priority)
    clock = SlaClock(ticket.id, kind, policy.calendar.name, target(policy, kind), started_at=now)
    return run(clock, now, settings) if ticket.status in _WORKED else clock


# -- a ticket's clocks, as the ticket changes ------------------------------------------------


def opened(
    tx: Tx, ticket: Ticket, now: datetime, settings: DeskSettings
) -> dict[ClockKind, SlaClock]:
    """A new ticket: its first-response and resolution clocks start; return them."""
    clocks = {}
    for kind in (ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION):
        clocks[kind] = fresh(ticket, kind, ticket.created_at, settings)
        tx.save_clock(clocks[kind])
    return clocks


def answered(tx: Tx, ticket: Ticket, now: datetime, settings: DeskSettings) -> None:
    """An agent answered in public: the response clocks that were waiting for it stop."""
    clocks = tx.clocks(ticket.id)
    for kind in (ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE):
        clock = clocks.get(kind)
        if clock is not None and clock.stopped_at is None:
            tx.save_clock(stop(clock, now, settings))


def customer_wrote(tx: Tx, ticket: Ticket, now: datetime, settings: DeskSettings) -> None:
    """After an answer, a customer message starts a next-response cycle (unless one runs)."""
    if ticket.first_response_at is None:
        return
    current = tx.clocks(ticket.id).get(ClockKind.NEXT_RESPONSE)
    if current is None or current.stopped_at is not None:
        tx.save_clock(fresh(ticket, ClockKind.NEXT_RESPONSE, now, settings))


def follow_status(tx: Tx, ticket: Ticket, now: datetime, settings: DeskSettings) -> None:
    """Run, pause, stop or resume the clocks to match the ticket's (new) status."""
    for clock in tx.clocks(ticket.id).values():
        changed = _for_status(clock, ticket.status, now, settings)
        if changed != clock:
            tx.save_clock(changed)


def _for_status(clock: SlaClock, status: Status, now: datetime, settings: DeskSettings) -> SlaClock:
    if clock.kind is ClockKind.RESOLUTION:
        if status in (Status.RESOLVED, Status.CLOSED):
            return stop(clock, now, settings)
        if clock.stopped_at is not None:
            return (
                restart(clock, now, settings)
                if status in _WORKED
                else replace(clock, stopped_at=None)
            )
    if status in _WORKED:
        return run(clock, now, settings)
    return pause(clock, now, settings)


def reprioritised(tx: Tx, ticket: Ticket, now: datetime, settings: DeskSettings) -> None:
    """The ticket's priority changed: every clock moves to the new policy's targets."""
    policy = settings.policy(ticket.priority)
    for clock in tx.clocks(ticket.id).values():
        if clock.stopped_at is None:
            tx.save_clock(retarget(clock, policy, now, settings))
