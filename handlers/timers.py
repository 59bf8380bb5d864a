"""Reminders, escalations and follow-ups: which steps a ticket needs, and firing them once.

A step (a `Step`: its kind and, for warnings and breaches, its clock) is a row (ticket,
step, round) with a due time. `plan` runs after every change to a ticket (`changes.apply`
calls it) and brings its pending steps in line with what the ticket now needs; `fire_due`,
run by the sweep, re-reads each due ticket, checks the step is still wanted, queues its
notice, marks it done and plans the next round — all in the sweep's transaction. A done
step is never revived, so no step fires twice, and after downtime each overdue step fires
once: the next round counts from when it fired, not from when it was due. The automatic
resolution is a ticket change like any other, applied by `changes.apply`.

Steps (`StepKind`):
- `UNCLAIMED`: the ticket is open with nobody on it → remind the agents in triage;
- `WARN` (per clock): a share of a promise is used → remind the holder (privately if possible);
- `BREACH` (per clock): a promise broke → escalate to the leads; repeats while it stays broken;
- `IDLE`: claimed, but no agent activity for a while → nudge the holder;
- `NUDGE`: waiting on the customer for a while → remind the customer in the thread;
- `AUTO_RESOLVE`: waiting much longer → resolve, saying how to reopen.

Each reminder carries a `Guard`, re-checked right before it is sent (`still_relevant`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

# `changes` imports this module as well (to re-plan): use its names at call time only.
from handlers import changes, lifecycle, notices, texts
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
    Step,
    StepKind,
    Ticket,
    Timer,
    TimerState,
)
from handlers.ports import Tx
from handlers.settings import DeskSettings, Reminder

UNCLAIMED, IDLE = Step(StepKind.UNCLAIMED), Step(StepKind.IDLE)
NUDGE, AUTO_RESOLVE = Step(StepKind.NUDGE), Step(StepKind.AUTO_RESOLVE)
# Reminders to agents wait for the quiet-hours calendar to open; escalations don't.
_HELD_IN_QUIET_HOURS = frozenset({StepKind.UNCLAIMED, StepKind.WARN, StepKind.IDLE})


# -- what a ticket needs ----------------------------------------------------------------------


def wanted(
    ticket: Ticket,
    clocks: dict[ClockKind, SlaClock],
    history: list[Timer],
    settings: DeskSettings,
) -> dict[Step, tuple[int, datetime]]:
    """The steps the ticket needs now: step → (round, due time)."""
    found: dict[Step, tuple[int, datetime] | None] = {}
    escalation, followup = settings.escalation, settings.followup
    since = ticket.status_since or ticket.created_at
    if escalation.unclaimed and ticket.status is Status.OPEN and ticket.assignee is None:
        found[UNCLAIMED] = _next_round(UNCLAIMED, escalation.unclaimed, since, since, history)
    if escalation.idle and ticket.status is Status.CLAIMED and ticket.assignee is not None:
        active = max(since, ticket.last_agent_activity_at or since)
        found[IDLE] = _next_round(IDLE, Reminder(escalation.idle), active, active, history)
    if ticket.status is Status.WAITING:
        for step, after in ((NUDGE, followup.nudge_after), (AUTO_RESOLVE, followup.resolve_after)):
            if after is not None:
                found[step] = _next_round(step, Reminder(after), since, since, history)
    for clock in clocks.values():
        if clock.running and clock.due_at is not None:
            found.update(_clock_steps(clock, history, settings))
    return {step: plan for step, plan in found.items() if plan is not None}


def _clock_steps(
    clock: SlaClock, history: list[Timer], settings: DeskSettings
) -> dict[Step, tuple[int, datetime] | None]:
    assert clock.due_at is not None
    assert clock.target is not None
    steps: dict[Step, tuple[int, datetime] | None] = {}
    breach = settings.escalation.breach
    if breach is not None:
        step = Step(StepKind.BREACH, clock.kind)
        steps[step] = _next_round(step, breach, clock.due_at, clock.started_at, history)
    share = settings.escalation.warn_at
    if share is not None:
        warn_at = settings.calendar(clock.calendar).add(
            clock.running_since or clock.started_at,
            max(clock.target * share - clock.used, timedelta()),
        )
        if warn_at < clock.due_at:
            step = Step(StepKind.WARN, clock.kind)
            steps[step] = _next_round(step, Reminder(), warn_at, clock.started_at, history)
    return steps


def _next_round(
    step: Step, reminder: Reminder, anchor: datetime, since: datetime, history: list[Timer]
) -> tuple[int, datetime] | None:
    """The next round of a step: rounds fired since `since` count towards `times`."""
    done = [timer for timer in history if timer.step == step and timer.state is TimerState.DONE]
    recent = [timer.fired_at for timer in done if timer.fired_at and timer.fired_at >= since]
    if len(recent) >= reminder.times or (recent and reminder.every is None):
        return None
    if not recent:
        return len(done), anchor + reminder.after
    assert reminder.every is not None
    return len(done), max(recent) + reminder.every


def plan(
    tx: Tx,
    ticket: Ticket,
    settings: DeskSettings,
    *,
    clocks: dict[ClockKind, SlaClock] | None = None,
    history: list[Timer] | None = None,
) -> None:
    """Bring the ticket's pending steps in line with what it needs now."""
    history = tx.timers(ticket.id) if history is None else history
    clocks = tx.clocks(ticket.id) if clocks is None else clocks
    needed = wanted(ticket, clocks, history, settings)
    pending = {timer.step: timer for timer in history if timer.state is TimerState.PENDING}
    for step, timer in pending.items():
        if needed.get(step, (None, None))[0] != timer.round:
            tx.cancel_timer(timer)
    for step, (round_, due) in needed.items():
        current = pending.get(step)
        if current is None or (current.round, current.due_at) != (round_, due):
            tx.schedule(ticket.id, step, round_, due)


# -- firing -----------------------------------------------------------------------------------


def fire_due(tx: Tx, now: datetime, settings: DeskSettings, limit: int = 500) -> int:
    """Fire every step due by `now` (up to `limit`); return how many were looked at."""
    due = tx.due_timers(now, limit)
    for timer in due:
        _fire(tx, timer, now, settings)
    return len(due)


def _fire(tx: Tx, timer: Timer, now: datetime, settings: DeskSettings) -> None:
    ticket = tx.ticket(timer.ticket_id)
    if ticket is None:
        tx.cancel_timer(timer)
        return
    clocks, history = tx.clocks(ticket.id), tx.timers(ticket.id)
    expected = wanted(ticket, clocks, history, settings).get(timer.step)
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
    if kind is StepKind.UNCLAIMED:
        text = texts.unclaimed_reminder(ticket, now - (ticket.status_since or ticket.created_at))
        _tell_staff(tx, ticket, Role.AGENT, text, Guard(Condition.UNCLAIMED), now, settings)
    elif kind is StepKind.IDLE:
        idle = settings.escalation.idle or timedelta()
        guard = Guard(Condition.IDLE, fired_at=now)
        _tell_holder(tx, ticket, texts.idle_nudge(ticket, idle), guard, now, settings)
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
    promise, guard = clock.kind.label, Guard(Condition.CLOCK, clock.kind)
    if timer.step.kind is StepKind.WARN:
        text = texts.breach_warning(ticket, promise, clock.due_at, settings.timezone)
        _tell_holder(tx, ticket, text, guard, now, settings)
        return
    if clock.breached_at is None:
        tx.save_clock(replace(clock, breached_at=now))
    text = texts.breached(ticket, promise, clock.due_at, settings.timezone, timer.round)
    _tell_staff(tx, ticket, Role.LEAD, text, guard, now, settings, kind=NoticeKind.ESCALATION)


def _auto_resolve(tx: Tx, ticket: Ticket, now: datetime, settings: DeskSettings) -> None:
    """Resolve a ticket that waited too long on its customer, saying how to reopen it."""
    resolved = lifecycle.resolve(ticket, now)
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
            place or ticket.place,
            text,
            ticket_id=ticket.id,
            mentions=(Mention("user", holder.id),),
            guard=guard,
            direct_to=holder.id,
        ),
    )


# -- right before sending ---------------------------------------------------------------------


def still_relevant(tx: Tx, notice: Notice) -> bool:
    """Re-check a reminder's reason right before it is sent: a reply meanwhile cancels it."""
    if notice.guard is None or notice.ticket_id is None:
        return True
    ticket = tx.ticket(notice.ticket_id)
    if ticket is None:
        return False
    guard = notice.guard
    condition, fired = guard.condition, guard.fired_at
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
