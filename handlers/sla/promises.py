"""The desk's promises: business-time clocks for first response, next response, resolution.

Every ticket has a first-response and a resolution clock from the moment it opens, and a
next-response clock for each customer message that follows an answer. A clock counts
business time on its priority's calendar while the ticket is worked (open or claimed); it
pauses while the ticket waits on the customer; an agent's public answer stops the response
clocks and the resolution stops the resolution clock (a reopen resumes it). A priority
without a policy still has clocks, on `24x7` with no target: the digest measures every
ticket, and a later priority change knows how much time was used.

A promise is written in working days and business time (`promise_due`):

- `Nd` ends at the same wall-clock moment on the N-th open day after the clock starts, in
  the calendar's timezone (09:30 stays 09:30 across a daylight-saving change). A clock
  started while the calendar is closed starts at its next opening, and a moment at which
  the calendar is closed (a shorter day, a lunch break) moves to its next opening: from
  Thursday 15:00, `1d` on a calendar whose Friday closes at 13:00 ends Monday at opening.
- `h`, `m` and `s` count business time, after the days: `8h` from Monday 09:00 on a 9–17
  calendar ends Monday 17:00, `1d` ends Tuesday 09:00. Both are 8 hours of business time;
  a promise in whole days runs to the last moment of it, the desk's next opening.

A clock keeps its promise as written and its `target`: the business time from its start to
that due time. Everything else counts that business time: `used`, the warning at a share of
the promise, kept or broken in the digest. A pause keeps what is left as business time; on
resuming, the promise is due when that much more has run (for a whole-days promise, at the
opening that follows it), so a clock that never pauses is due exactly as written. A
priority change keeps the time used and reckons the new promise from the clock's start.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from handlers.models import ClockKind, SlaClock, Status, Ticket
from handlers.ports import Tx
from handlers.settings import DeskSettings, SlaPolicy, SlaSpan
from handlers.sla.calendar import ALWAYS_OPEN, BusinessCalendar

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
    due = promise_due(policy.calendar, ticket.created_at, span)
    return Promise(due, span, policy.calendar.name != ALWAYS_OPEN)


def promised(policy: SlaPolicy, kind: ClockKind) -> SlaSpan | None:
    """The promise a policy makes for one kind of clock, as written."""
    return {
        ClockKind.FIRST_RESPONSE: policy.first_response,
        ClockKind.NEXT_RESPONSE: policy.next_response,
        ClockKind.RESOLUTION: policy.resolution,
    }[kind]


def promise_due(calendar: BusinessCalendar, start: datetime, span: SlaSpan) -> datetime:
    """When a promise made at `start` is due: its working days, then its business time."""
    after_days = calendar.working_days_later(start, span.days) if span.days else start
    return calendar.add(after_days, span.rest)


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
    calendar = settings.calendar(clock.calendar)
    due = calendar.add(clock.running_since, max(clock.target - clock.used, timedelta()))
    if clock.promise is not None and clock.promise.whole_days:
        # `1d` from Monday 09:00 is Tuesday 09:00, not Monday 17:00: a promise in whole
        # days lasts to the end of its business time, which is the next opening.
        return calendar.next_open(due)
    return due


def resume(clock: SlaClock, now: datetime, settings: DeskSettings) -> SlaClock:
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
    return resume(replace(clock, stopped_at=None), now, settings)


def retarget(clock: SlaClock, policy: SlaPolicy, now: datetime, settings: DeskSettings) -> SlaClock:
    """Move the clock to a new policy: time used so far stays; the due time follows.

    The new promise is reckoned from the clock's start, as if the ticket had had the new
    priority all along.
    """
    was_running = clock.running
    span, goal, _ = _reckon(policy, clock.kind, clock.started_at)
    moved = replace(
        pause(clock, now, settings),
        calendar=policy.calendar.name,
        target=goal,
        promise=span,
        due_at=None,
    )
    return resume(moved, now, settings) if was_running else moved


def fresh(ticket: Ticket, kind: ClockKind, now: datetime, settings: DeskSettings) -> SlaClock:
    """A new clock for the ticket's current priority, counting from `now`."""
    policy = settings.policy(ticket.priority)
    span, goal, due = _reckon(policy, kind, now)
    clock = SlaClock(ticket.id, kind, policy.calendar.name, goal, now, promise=span)
    if ticket.status not in _WORKED:
        return clock
    # Running from its start without a pause, the clock is due as the promise is written.
    return replace(clock, running_since=now, due_at=due)


def _reckon(
    policy: SlaPolicy, kind: ClockKind, start: datetime
) -> tuple[SlaSpan | None, timedelta | None, datetime | None]:
    """A policy's promise for a clock started at `start`: as written, the business time it
    gives, and when it is due (all None when the policy makes none)."""
    span = promised(policy, kind)
    if span is None:
        return None, None, None
    due = promise_due(policy.calendar, start, span)
    # Business time alone gives the same from any start; days give what lies before `due`.
    goal = policy.calendar.elapsed(start, due) if span.days else span.rest
    return span, goal, due


# -- a ticket's clocks, as the ticket changes (`handlers.changes` decides which apply) -------


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
        return resume(clock, now, settings)
    return pause(clock, now, settings)


def reprioritised(tx: Tx, ticket: Ticket, now: datetime, settings: DeskSettings) -> None:
    """The ticket's priority changed: every clock moves to the new policy's targets."""
    policy = settings.policy(ticket.priority)
    for clock in tx.clocks(ticket.id).values():
        if clock.stopped_at is None:
            tx.save_clock(retarget(clock, policy, now, settings))
