"""Which reminder, escalation and follow-up steps a ticket needs, and when: planning only.

A step (a `Step`: its kind and, for warnings and breaches, its clock) is a row (ticket,
step, round) with a due time. `plan` runs after every change to a ticket (`changes.apply`
calls it) and brings its pending steps in line with what the ticket now needs. Firing them
is `handlers.timers.fire_due`, which asks `wanted` again right before it fires a step.

Steps (`StepKind`):
- `UNCLAIMED`: the ticket is open with nobody on it → remind the agents in triage;
- `WARN` (per clock): a share of a promise is used → remind the holder (privately if possible);
- `BREACH` (per clock): a promise broke → escalate to the leads; repeats while it stays broken;
- `IDLE`: claimed, but no agent activity for a while → nudge the holder;
- `NUDGE`: waiting on the customer for a while → remind the customer in the thread;
- `AUTO_RESOLVE`: waiting much longer → resolve, saying how to reopen;
- `SURVEY`: a satisfaction survey's window closes → edit it to say so. It is scheduled when
  the survey is asked (`handlers.satisfaction.asking`), its round the resolution's, and stays
  wanted until it fires, whatever the ticket does meanwhile.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.models import ClockKind, SlaClock, Status, Step, StepKind, Ticket, Timer, TimerState
from handlers.ports import Tx
from handlers.settings import DeskSettings, Reminder

UNCLAIMED, IDLE = Step(StepKind.UNCLAIMED), Step(StepKind.IDLE)
NUDGE, AUTO_RESOLVE = Step(StepKind.NUDGE), Step(StepKind.AUTO_RESOLVE)
SURVEY = Step(StepKind.SURVEY)


def wanted(
    ticket: Ticket,
    clocks: dict[ClockKind, SlaClock],
    history: list[Timer],
    settings: DeskSettings,
    *,
    held: bool = False,
) -> dict[Step, tuple[int, datetime]]:
    """The steps the ticket needs now: step → (round, due time).

    `held`: an open incident holds the ticket; the incident carries its SLA, so the
    reminders to staff (unclaimed, idle, warnings, breaches) wait until it lets go.
    """
    found = _wanted(ticket, clocks, history, settings)
    if held:
        return {step: due for step, due in found.items() if step.kind not in HELD}
    return found


# What a ticket linked to an open incident does not remind anyone of.
HELD = frozenset({StepKind.UNCLAIMED, StepKind.IDLE, StepKind.WARN, StepKind.BREACH})


def _wanted(
    ticket: Ticket,
    clocks: dict[ClockKind, SlaClock],
    history: list[Timer],
    settings: DeskSettings,
) -> dict[Step, tuple[int, datetime]]:
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
    survey = _latest_pending(SURVEY, history)
    if survey is not None:
        found[SURVEY] = (survey.round, survey.due_at)
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


def _latest_pending(step: Step, history: list[Timer]) -> Timer | None:
    pending = [t for t in history if t.step == step and t.state is TimerState.PENDING]
    return max(pending, key=lambda timer: timer.round, default=None)


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
    held: bool | None = None,
) -> None:
    """Bring the ticket's pending steps in line with what it needs now (`clocks`, `history`
    and whether an incident holds it are read when not given)."""
    history = tx.timers(ticket.id) if history is None else history
    clocks = tx.clocks(ticket.id) if clocks is None else clocks
    held = tx.holding(ticket.id) is not None if held is None else held
    needed = wanted(ticket, clocks, history, settings, held=held)
    pending = {timer.step: timer for timer in history if timer.state is TimerState.PENDING}
    for step, timer in pending.items():
        if needed.get(step, (None, None))[0] != timer.round:
            tx.cancel_timer(timer)
    for step, (round_, due) in needed.items():
        current = pending.get(step)
        if current is None or (current.round, current.due_at) != (round_, due):
            tx.schedule(ticket.id, step, round_, due)
