"""Firing reminders, escalations and follow-ups once, and re-checking them before they go.

`fire_due`, run by the sweep, re-reads each due ticket, checks the step is still wanted
(`steps.wanted`), queues its notice, marks it done and plans the next round — all in the
sweep's transaction. A done step is never revived, so no step fires twice, and after
downtime each overdue step fires once: the next round counts from when it fired, not from
when it was due. The automatic resolution is a ticket change like any other, applied by
`changes.apply` (which re-plans through `steps.plan`: this module needs `changes`, never the
other way round).

Each reminder carries a `Guard`, re-checked right before it is sent (`still_relevant`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from handlers import changes, lifecycle, notices
from handlers.incidents import keeping
from handlers.models import (
    ClockKind,
    Condition,
    Event,
    EventKind,
    Guard,
    Mention,
    Notice,
    NoticeKind,
    Place,
    Role,
    SlaClock,
    Status,
    StepKind,
    Ticket,
    Timer,
    TimerState,
)
from handlers.ports import Tx
from handlers.satisfaction import asking
from handlers.settings import DeskSettings
from handlers.sla.steps import plan, wanted

# Reminders to agents wait for the quiet-hours calendar to open; escalations don't.
_HELD_IN_QUIET_HOURS = frozenset({StepKind.UNCLAIMED, StepKind.WARN, StepKind.IDLE})


# -- firing -----------------------------------------------------------------------------------


def fire_due(tx: Tx, now: datetime, settings: DeskSettings, limit: int = 500) -> int:
    """Fire every step due by `now` (up to `limit`); return how many were looked at."""
    due = tx.due_timers(now, limit)
    for timer in due:
        _fire(tx, timer, now, settings)
    return len(due) + keeping.fire_due(tx, now, settings, limit)


def _fire(tx: Tx, timer: Timer, now: datetime, settings: DeskSettings) -> None:
    ticket = tx.ticket(timer.ticket_id)
    if ticket is None:
        tx.cancel_timer(timer)
        return
    clocks, history = tx.clocks(ticket.id), tx.timers(ticket.id)
    held = tx.holding(ticket.id) is not None
    expected = wanted(ticket, clocks, history, settings, held=held).get(timer.step)
    if expected is None or expected[0] != timer.round:
        tx.cancel_timer(timer)  # the ticket moved on: a reply, a claim, a resolution
        return
    quiet = settings.escalation.quiet_hours
    due = expected[1]
    if timer.step.kind in _HELD_IN_QUIET_HOURS and quiet is not None:
        due = max(due, quiet.next_open(now))
    if due > now:
        tx.schedule(ticket.id, timer.step, timer.round, due)
        return
    if not tx.finish_timer(timer, now):
        return
    if timer.step.kind is StepKind.SURVEY:
        asking.expire(tx, ticket, timer.round, now, settings)  # no reminder: nothing to audit
        return
    tx.record(
        Event(ticket.id, None, EventKind.REMINDER, now, {"step": timer.step, "round": timer.round})
    )
    if timer.step.kind is StepKind.AUTO_RESOLVE:
        _auto_resolve(tx, ticket, now, settings)  # a ticket change: applying it re-plans
        return
    _remind(tx, timer, ticket, clocks, now, settings)
    if timer.step.kind is StepKind.BREACH:
        plan(tx, ticket, settings)  # the breach marked its clock: read the clocks afresh
        return
    # A reminder changes neither the ticket nor its clocks: plan with what is at hand.
    fired = replace(timer, state=TimerState.DONE, fired_at=now)
    done = [fired if _same(t, timer) else t for t in history]
    plan(tx, ticket, settings, clocks=clocks, history=done)


def _same(one: Timer, other: Timer) -> bool:
    return (one.step, one.round) == (other.step, other.round)


def _remind(
    tx: Tx,
    timer: Timer,
    ticket: Ticket,
    clocks: dict[ClockKind, SlaClock],
    now: datetime,
    settings: DeskSettings,
) -> None:
    """Queue the step's reminder or escalation."""
    kind, clock = timer.step.kind, timer.step.clock
    texts = settings.texts_for(ticket.place.platform)
    if kind is StepKind.UNCLAIMED:
        waited = now - (ticket.status_since or ticket.created_at)
        text = texts.unclaimed_reminder(ticket, waited)
        _tell_staff(tx, ticket, Role.AGENT, text, Guard(Condition.UNCLAIMED), now, settings)
    elif kind is StepKind.IDLE:
        idle = settings.escalation.idle or timedelta()
        guard = Guard(Condition.IDLE, fired_at=now)
        text = texts.idle_nudge(ticket, idle)
        _tell_holder(tx, ticket, text, guard, now, settings)
    elif kind is StepKind.NUDGE:
        text = texts.customer_nudge(ticket)
        notice = replace(
            notices.in_thread(ticket, text),
            kind=NoticeKind.REMINDER,
            mentions=(Mention("user", ticket.customer.id),),
            guard=Guard(Condition.WAITING, fired_at=now),
        )
        notices.send(tx, now, notice)
    else:
        assert clock is not None  # warnings and breaches belong to a clock
        _clock_step(tx, timer, ticket, clocks[clock], now, settings)


def _clock_step(
    tx: Tx,
    timer: Timer,
    ticket: Ticket,
    clock: SlaClock,
    now: datetime,
    settings: DeskSettings,
) -> None:
    assert clock.due_at is not None
    texts, guard = settings.texts_for(ticket.place.platform), Guard(Condition.CLOCK, clock.kind)
    if timer.step.kind is StepKind.WARN:
        text = texts.breach_warning(ticket, clock.kind, clock.due_at, settings.timezone)
        _tell_holder(tx, ticket, text, guard, now, settings)
        return
    if clock.breached_at is None:
        tx.save_clock(replace(clock, breached_at=now))
    text = texts.breached(ticket, clock.kind, clock.due_at, settings.timezone, timer.round)
    _tell_staff(tx, ticket, Role.LEAD, text, guard, now, settings, kind=NoticeKind.ESCALATION)


def _auto_resolve(tx: Tx, ticket: Ticket, now: datetime, settings: DeskSettings) -> None:
    """Resolve a ticket that waited too long on its customer, saying how to reopen it."""
    resolved = lifecycle.resolve(ticket, now)
    texts = settings.texts_for(ticket.place.platform)
    said = notices.in_thread(resolved, texts.auto_resolved(resolved, settings.reopen_window))
    audit = changes.status_data(ticket, resolved, auto=True)
    change = changes.TicketChange(
        ticket, resolved, None, EventKind.RESOLVED, audit, notices=(said,)
    )
    changes.apply(tx, change, now, settings)


def _staff_place(ticket: Ticket, role: Role, settings: DeskSettings) -> Place | None:
    places = settings.places_of(ticket.place.platform)
    channel = places.leads_channel if role is Role.LEAD else None
    channel = channel or places.triage_channel
    return None if channel is None else Place(ticket.place.workspace, channel)


def _tell_staff(
    tx: Tx,
    ticket: Ticket,
    role: Role,
    text: str,
    guard: Guard,
    now: datetime,
    settings: DeskSettings,
    kind: NoticeKind = NoticeKind.REMINDER,
) -> None:
    place = _staff_place(ticket, role, settings)
    if place is None:
        return
    mentions = settings.staff_mentions(role, ticket.place.platform)
    notices.send(
        tx, now, Notice(kind, place, text, ticket_id=ticket.id, mentions=mentions, guard=guard)
    )


def _tell_holder(
    tx: Tx, ticket: Ticket, text: str, guard: Guard, now: datetime, settings: DeskSettings
) -> None:
    """Remind the ticket's holder privately where possible; unheld tickets go to the agents."""
    holder = ticket.assignee
    place = _staff_place(ticket, Role.AGENT, settings)
    if holder is None:
        _tell_staff(tx, ticket, Role.AGENT, text, guard, now, settings)
        return
    notices.send(
        tx,
        now,
        Notice(
            NoticeKind.REMINDER,
            place or ticket.conversation,
            text,
            ticket_id=ticket.id,
            mentions=(Mention("user", holder.id),),
            guard=guard,
            direct_to=holder.id,
        ),
    )


# -- right before sending ---------------------------------------------------------------------

# Reminders an incident holding the ticket makes moot (its own SLA reminds its owner).
_HELD_BY_INCIDENTS = frozenset({Condition.UNCLAIMED, Condition.CLOCK, Condition.IDLE})


def still_relevant(tx: Tx, notice: Notice) -> bool:
    """Re-check a reminder's reason right before it is sent: a reply meanwhile cancels it."""
    if notice.guard is None or notice.ticket_id is None:
        return True
    ticket = tx.ticket(notice.ticket_id)
    if ticket is None:
        return False
    guard = notice.guard
    condition, fired = guard.condition, guard.fired_at
    if condition in _HELD_BY_INCIDENTS and tx.holding(ticket.id) is not None:
        return False  # linked meanwhile: the incident answers for the ticket
    if condition is Condition.UNCLAIMED:
        return ticket.status is Status.OPEN and ticket.assignee is None
    if condition is Condition.CLOCK:
        assert guard.clock is not None  # a clock guard names its clock
        clock = tx.clocks(ticket.id).get(guard.clock)
        return clock is not None and clock.running
    assert fired is not None  # idle and waiting guards carry when the reminder fired
    if condition is Condition.IDLE:
        last = ticket.last_agent_activity_at
        return ticket.status is Status.CLAIMED and (last is None or last <= fired)
    since = ticket.status_since
    return ticket.status is Status.WAITING and (since is None or since <= fired)
