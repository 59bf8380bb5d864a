"""Every sentence the desk says to people, in one place to read, test and change.

Text that came from a person is passed through `quote()` before it is echoed, so a
customer's `@everyone` never pings anyone on any platform.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.models import ClockKind, SlaClock, Status, Ticket
from handlers.sla.calendar import ALWAYS_OPEN

SUBJECT_LIMIT = 80
ZERO_WIDTH_SPACE = "\u200b"
_MASS_MENTION = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)


def quote(text: str) -> str:
    """Neutralise mass mentions in someone's text so echoing it pings nobody."""
    return _MASS_MENTION.sub(lambda m: "@" + ZERO_WIDTH_SPACE + m.group(1), text)


def shorten(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def subject_of(text: str) -> str:
    """The first non-empty line, whitespace collapsed, cut to the subject limit."""
    for line in text.splitlines():
        words = line.split()
        if words:
            return shorten(" ".join(words), SUBJECT_LIMIT)
    return ""


def duration(span: timedelta) -> str:
    """Write a duration the way config does: `4h`, `1h 30m`, `3d`."""
    seconds = int(span.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return " ".join(parts) or "0s"


def business_time(span: timedelta) -> str:
    """Write business time in hours, never days (a working day is not 24h): `80h`, `1h 30m`."""
    # To the nearest second: clocks keep microseconds, and used + left must read as the whole.
    seconds = round(span.total_seconds())
    parts = []
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return " ".join(parts) or "0s"


def span(days: int, rest: timedelta, *, business: bool) -> str:
    """An SLA span for people: `3 working days`, `4 business hours`, `15 minutes`."""
    seconds = int(rest.total_seconds())
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    units = (
        ("working day" if business else "day", days),
        ("business hour" if business else "hour", hours),
        ("minute", minutes),
        ("second", seconds),
    )
    parts = [f"{amount} {unit}{'s' if amount != 1 else ''}" for unit, amount in units if amount]
    return " ".join(parts) or "no time"


def when(at: datetime, zone: ZoneInfo) -> str:
    """A moment for people: `Tue 24 Nov 14:00 UTC` in the desk's timezone."""
    local = at.astimezone(zone)
    return local.strftime("%a %d %b %H:%M ") + (local.tzname() or zone.key)


def ticket_ref(ticket: Ticket) -> str:
    return f"#{ticket.id} {quote(ticket.subject)}"


def holder(ticket: Ticket) -> str:
    return ticket.assignee.name if ticket.assignee else "nobody"


# -- intake ---------------------------------------------------------------------------------


def ack(ticket: Ticket, due: datetime | None, within: str, zone: ZoneInfo) -> str:
    greeting = f"Thanks, {quote(ticket.customer.name)}! This is ticket #{ticket.id}."
    if due is None:
        return f"{greeting} An agent will answer here as soon as possible."
    return f"{greeting} An agent will answer here within {within} (by {when(due, zone)})."


def thread_title(ticket: Ticket) -> str:
    return ticket_ref(ticket)


def card_text(ticket: Ticket) -> str:
    answered = " · answered" if ticket.first_response_at else ""
    return (
        f"#{ticket.id} · {quote(ticket.subject)} · {ticket.status} · {ticket.priority}"
        f" · from {quote(ticket.customer.name)} · {assignee_phrase(ticket)}{answered}"
    )


def assignee_phrase(ticket: Ticket) -> str:
    return f"claimed by {ticket.assignee.name}" if ticket.assignee else "unclaimed"


def empty_message() -> str:
    return "That message is empty, so there is nothing to open a ticket with."


def message_too_long(length: int, limit: int) -> str:
    return f"That message is too long ({length:,} characters; the limit is {limit:,})."


def reopened_by_reply(ticket: Ticket) -> str:
    return f"Ticket #{ticket.id} is open again; an agent will be with you soon."


def reply_to_finished(ticket: Ticket) -> str:
    return (
        f"Ticket #{ticket.id} is {ticket.status}, so this reply won't reach an agent. "
        "Please post a new message in the support channel to open a new ticket."
    )


def already_a_ticket(ticket: Ticket) -> str:
    return f"That message is already ticket #{ticket.id}."


# -- lifecycle ------------------------------------------------------------------------------


_PARTICIPLE = {
    "claiming": "claimed",
    "unclaiming": "unclaimed",
    "assigning": "assigned",
    "changing the priority of": "reprioritised",
    "waiting on": "put on hold",
    "resolving": "resolved",
}


def finished_ticket(ticket: Ticket, doing: str) -> str:
    return (
        f"Ticket #{ticket.id} is {ticket.status}, so it can't be {_PARTICIPLE[doing]}. "
        f"Reopen it first with /ticket reopen {ticket.id}."
    )


def already_yours(ticket: Ticket) -> str:
    return f"You already hold ticket #{ticket.id}."


def claimed_by_other(ticket: Ticket, *, reassigning: bool = False) -> str:
    name = holder(ticket)
    if reassigning:
        return f"Ticket #{ticket.id} is held by {name}; only {name} or a lead can reassign it."
    return (
        f"Ticket #{ticket.id} is already claimed by {name}. "
        f"A lead can take it over with /ticket claim {ticket.id} --force."
    )


def not_claimed(ticket: Ticket) -> str:
    return f"Ticket #{ticket.id} isn't claimed by anyone."


def only_holder_or_lead(ticket: Ticket, verb: str) -> str:
    return f"Only {holder(ticket)} or a lead can {verb} ticket #{ticket.id}."


def already_assigned(ticket: Ticket) -> str:
    return f"Ticket #{ticket.id} is already assigned to {holder(ticket)}."


def priority_unchanged(ticket: Ticket) -> str:
    return f"Ticket #{ticket.id} is already {ticket.priority} priority."


def already_status(ticket: Ticket) -> str:
    return f"Ticket #{ticket.id} is already {ticket.status}."


def resolve_before_closing(ticket: Ticket) -> str:
    return (
        f"Ticket #{ticket.id} is {ticket.status}; resolve it before closing it "
        f"(/ticket resolve {ticket.id})."
    )


def only_finished_reopen(ticket: Ticket) -> str:
    state = f"Ticket #{ticket.id} is {ticket.status}"
    return f"{state}; only resolved or closed tickets can be reopened."


# -- commands: answers to the actor -----------------------------------------------------------


def claimed(ticket: Ticket, took_from: str | None) -> str:
    taken = f" (taken over from {took_from})" if took_from else ""
    return f"You claimed {ticket_ref(ticket)}{taken}."


def unclaimed(ticket: Ticket) -> str:
    return f"Ticket #{ticket.id} is back in the queue."


def assigned(ticket: Ticket) -> str:
    return f"Ticket #{ticket.id} is now assigned to {holder(ticket)}."


def prioritised(ticket: Ticket) -> str:
    return f"Ticket #{ticket.id} is now {ticket.priority} priority."


def noted(ticket: Ticket) -> str:
    return f"Internal note added to ticket #{ticket.id} (customers don't see it)."


def waiting(ticket: Ticket) -> str:
    return f"Ticket #{ticket.id} is waiting on the customer; their next reply resumes it."


def resolved(ticket: Ticket) -> str:
    return f"Ticket #{ticket.id} is resolved."


def closed(ticket: Ticket) -> str:
    return f"Ticket #{ticket.id} is closed."


def reopened(ticket: Ticket) -> str:
    return f"Ticket #{ticket.id} is open again ({ticket.status})."


def not_an_agent(name: str) -> str:
    return f"{quote(name)} is not an agent; only agents and leads can hold tickets."


def agents_only(verb: str) -> str:
    return f"/ticket {verb} is for agents."


def leads_only(verb: str) -> str:
    return f"/ticket {verb} is for leads."


def customers_reopen_resolved_only(ticket: Ticket) -> str:
    return (
        f"Ticket #{ticket.id} is {ticket.status}; please post a new message in the support "
        "channel to open a new ticket."
    )


def force_needs_lead() -> str:
    return "Only a lead can use --force."


# -- thread notes: what the customer sees -----------------------------------------------------


def picked_up(ticket: Ticket) -> str:
    return f"{holder(ticket)} has picked up ticket #{ticket.id}."


def resolved_note(ticket: Ticket, by: str, text: str, reopen_window: timedelta) -> str:
    summary = f": {quote(text)}" if text else "."
    return (
        f"Ticket #{ticket.id} was resolved by {quote(by)}{summary}\n"
        f"Not fixed? Reply in this thread within {duration(reopen_window)} to reopen it."
    )


def closed_note(ticket: Ticket) -> str:
    return f"Ticket #{ticket.id} is closed. Thanks for reaching out!"


def reopened_note(ticket: Ticket) -> str:
    return f"Ticket #{ticket.id} is open again."


# -- reminders and escalations -------------------------------------------------------------


def unclaimed_reminder(ticket: Ticket, waited: timedelta) -> str:
    return (
        f"Ticket {ticket_ref(ticket)} ({ticket.priority}) has waited {duration(waited)}"
        f" with nobody on it. Claim it with /ticket claim {ticket.id}."
    )


def breach_warning(ticket: Ticket, promise: str, due: datetime, zone: ZoneInfo) -> str:
    return f"Ticket {ticket_ref(ticket)} will break its {promise} promise at {when(due, zone)}."


def breached(ticket: Ticket, promise: str, due: datetime, zone: ZoneInfo, round_: int) -> str:
    again = " (still)" if round_ else ""
    return (
        f"Ticket {ticket_ref(ticket)} broke its {promise} promise{again}: it was due"
        f" {when(due, zone)}. Priority {ticket.priority}, {assignee_phrase(ticket)}."
    )


def idle_nudge(ticket: Ticket, idle: timedelta) -> str:
    return (
        f"You hold ticket {ticket_ref(ticket)} and nothing has happened on it for {duration(idle)}."
    )


def customer_nudge(ticket: Ticket) -> str:
    return (
        f"Hi {quote(ticket.customer.name)}, we're waiting for your reply on ticket"
        f" #{ticket.id}. Just answer in this thread when you can."
    )


def auto_resolved(ticket: Ticket, reopen_window: timedelta) -> str:
    return (
        f"Ticket #{ticket.id} was resolved because we haven't heard back. Still need"
        f" help? Reply in this thread within {duration(reopen_window)} to reopen it."
    )


# -- /ticket why: the clocks in words ---------------------------------------------------------


def why_header(ticket: Ticket) -> str:
    return f"{ticket_ref(ticket)}: {ticket.priority} priority, {ticket.status}"


def clock_line(
    clock: SlaClock, used: timedelta, zone: ZoneInfo, status: Status, answered: bool
) -> str:
    """One clock: what it promises, where it stands, and why."""
    head = f"{clock.kind.label.capitalize()} ({promise(clock)}, counting on {clock.calendar}):"
    spent = _spent(clock, used)
    started = f"started {when(clock.started_at, zone)}"
    if clock.stopped_at is not None:
        verdict = ""
        if clock.target is not None:
            verdict = "; kept" if used <= clock.target else "; broken"
        reason = "answered" if clock.kind is not ClockKind.RESOLUTION else "resolved"
        return f"{head} {reason} {when(clock.stopped_at, zone)}, {spent}{verdict}."
    if clock.running_since is None:
        reason = (
            "the ticket waits on the customer"
            if status is Status.WAITING
            else (f"the ticket is {status}")
        )
        if answered and clock.kind is ClockKind.FIRST_RESPONSE:
            reason = "answered"
        return f"{head} {started}; paused because {reason}; {spent}."
    due = f"; due {when(clock.due_at, zone)}" if clock.due_at else ""
    late = " (already broken)" if clock.breached_at else ""
    return f"{head} {started}; running since {when(clock.running_since, zone)}; {spent}{due}{late}."


def _spent(clock: SlaClock, used: timedelta) -> str:
    """Business time used and, while the promise stands, how much is left (or over)."""
    spent = f"{business_time(used)} of business time used"
    if clock.target is None or clock.stopped_at is not None:
        return spent
    over = used - clock.target
    if over > timedelta():
        return f"{spent}, {business_time(over)} over"
    return f"{spent}, {business_time(-over)} left"


def promise(clock: SlaClock) -> str:
    """A clock's promise in the units it was written in: `promise 3 working days`."""
    if clock.target is None:
        return "no promise"
    if clock.promise is None or not clock.promise.days:
        return f"promise {business_time(clock.target)} of business time"
    business = clock.calendar != ALWAYS_OPEN
    written = f"promise {span(clock.promise.days, clock.promise.rest, business=business)}"
    if not business:
        return written
    return f"{written}, {business_time(clock.target)} of business time from its start"


def calendar_line(name: str, description: str) -> str:
    if description == name:
        return f"Calendar {name}: always open, so business time is plain time."
    return f"Calendar {name}: {description}. Business time counts only while it is open."


# -- status and lists -----------------------------------------------------------------------


def status(ticket: Ticket, messages: int, zone: ZoneInfo) -> str:
    lines = [
        ticket_ref(ticket),
        f"Status: {ticket.status} · {assignee_phrase(ticket)} · priority {ticket.priority}",
        f"Customer: {quote(ticket.customer.name)} · opened {when(ticket.created_at, zone)}"
        f" · {messages} message{'s' if messages != 1 else ''}",
    ]
    if ticket.first_response_at:
        lines.append(f"First response: {when(ticket.first_response_at, zone)}")
    if ticket.permalink:
        lines.append(f"Link: {ticket.permalink}")
    return "\n".join(lines)


def ticket_line(ticket: Ticket) -> str:
    return (
        f"#{ticket.id} · {ticket.status} · {ticket.priority} · {quote(ticket.customer.name)}"
        f" · {assignee_phrase(ticket)} · {quote(ticket.subject)}"
    )


def ticket_list(tickets: list[Ticket], total: int, description: str) -> str:
    """A queue: `description` says which tickets (`active`, `all`, `mine urgent`)."""
    if not tickets:
        return f"No tickets ({description})."
    lines = [f"{total} ticket{'s' if total != 1 else ''} ({description}):"]
    lines += [ticket_line(ticket) for ticket in tickets]
    if total > len(tickets):
        lines.append(
            f"…and {total - len(tickets)} more. Narrow it down: /ticket list "
            "<status|mine|unassigned|priority>."
        )
    return "\n".join(lines)


def none_of_yours() -> str:
    return "You have no active tickets."


def usage(line: str, problem: str = "") -> str:
    lead = f"{problem} " if problem else ""
    return f"{lead}Usage: /ticket {line}"


def unknown_verb(verb: str) -> str:
    return f"I don't know /ticket {quote(shorten(verb, 40))}. Try /ticket help."


# -- a person's own dashboard (Slack's App Home) ----------------------------------------------


def home_heading(name: str) -> str:
    return f"deskbot · {quote(name)}"


def home_hint() -> str:
    return (
        "Post in a support channel to open a ticket; an agent answers in its thread. "
        "/ticket help lists what you can do."
    )


def home_requests() -> str:
    return "Your open requests"


def home_assigned() -> str:
    return "Tickets you hold"


def home_unclaimed() -> str:
    return "Unclaimed tickets"


def home_empty(title: str) -> str:
    return f"{title}: none right now."


def home_more(count: int) -> str:
    return f"…and {count} more. /ticket list shows them all."


# -- chat surfaces: what buttons say, and the answer when something breaks --------------------


_ACTION_LABELS = {"claim": "Claim", "resolve": "Resolve", "reopen": "Reopen"}


def action_label(action: str) -> str:
    """The label of a triage card's button for one of `notices.card_actions`."""
    return _ACTION_LABELS.get(action, action.capitalize())


def priority_placeholder() -> str:
    return "Set priority…"


def open_thread_label() -> str:
    return "Open thread"


def repeated_command() -> str:
    return "That /ticket command was run already; it was not run again."


def unexpected_failure() -> str:
    return "Something went wrong on deskbot's side. Please try again in a moment."


# -- the web view (`/ticket web`, links to a ticket's page) -----------------------------------


def web_link(url: str, minutes: int) -> str:
    return (
        f"Your personal sign-in link to the web view (valid for {minutes} minutes, once; "
        f"don't share it): {url}"
    )


def web_off() -> str:
    return "The web view is not switched on for this desk."


def web_links_used_up(minutes: int) -> str:
    return f"You asked for several sign-in links just now; try again in {minutes} minutes."


def web_page(url: str) -> str:
    return f"On the web: {url}"


def web_page_label() -> str:
    return "Open on the web"
