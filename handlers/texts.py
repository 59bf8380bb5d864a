"""Every sentence the desk says to people, in one place to read, test, change and translate.

`Texts` speaks one language: each sentence is a whole gettext message with named
placeholders (`say("Ticket #{id} is closed.", id=…)`), so a translator sees the sentence, not
fragments. `texts_in(locale)` gives the desk's texts in a shipped language;
`handlers/language.py` reads the catalogs.

Text that came from a person is passed through `quote()` before it is echoed, so a
customer's `@everyone` never pings anyone on any platform, in any language.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from handlers.language import Language, language
from handlers.models import (
    ClockKind,
    CustomerHistory,
    Priority,
    Scale,
    Similar,
    SlaClock,
    Snippet,
    Status,
    Survey,
    Ticket,
)
from handlers.sla.calendar import ALWAYS_OPEN, BusinessCalendar

SUBJECT_LIMIT = 80
ZERO_WIDTH_SPACE = "\u200b"
_MASS_MENTION = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)


def N_(message: str) -> str:  # gettext's own name for "translate this later"
    """Mark a text for translation where it is defined; `Texts.gettext` translates it."""
    return message


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
    """Write a duration the way config does, in every language: `4h`, `1h 30m`, `3d`."""
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


def ticket_ref(ticket: Ticket) -> str:
    return f"#{ticket.id} {quote(ticket.subject)}"


_STATUSES = {
    Status.OPEN: N_("open"),
    Status.CLAIMED: N_("claimed"),
    Status.WAITING: N_("waiting"),
    Status.RESOLVED: N_("resolved"),
    Status.CLOSED: N_("closed"),
}
_PRIORITIES = {
    Priority.URGENT: N_("urgent"),
    Priority.HIGH: N_("high"),
    Priority.NORMAL: N_("normal"),
    Priority.LOW: N_("low"),
}
_CLOCKS = {
    ClockKind.FIRST_RESPONSE: (N_("first response"), N_("First response")),
    ClockKind.NEXT_RESPONSE: (N_("next response"), N_("Next response")),
    ClockKind.RESOLUTION: (N_("resolution"), N_("Resolution")),
}
# What a finished ticket refuses, each refusal a sentence of its own.
Refused = Literal["claim", "unclaim", "assign", "priority", "wait", "resolve"]
_ACTION_LABELS = {
    "claim": N_("Claim"),
    "resolve": N_("Resolve"),
    "reopen": N_("Reopen"),
    "solved": N_("This solved it"),
}
# Translators: a date and time in a CLDR pattern (EEE weekday, dd day, MMM month, HH:mm
# time), e.g. `Tue 24 Nov 14:00`; the timezone's abbreviation follows it.
_MOMENT = N_("EEE dd MMM HH:mm")


class Texts:
    """The desk's sentences in one language."""

    def __init__(self, language: Language) -> None:
        self.language = language

    # -- the machinery: a whole sentence, translated, then its placeholders filled ----------

    def gettext(self, message: str) -> str:
        """`message` in this language (for texts marked with `N_` where they are defined)."""
        return self.language.gettext(message)

    def say(self, message: str, **values: object) -> str:
        """The sentence `message` in this language, its `{placeholders}` filled in."""
        return self.language.gettext(message).format(**values)

    def say_plural(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The sentence for `n` things in this language; `{n}` is written with grouping."""
        return self.language.ngettext(singular, plural, n).format(n=self.number(n), **values)

    def number(self, value: float) -> str:
        return self.language.number(value)

    # -- words for values --------------------------------------------------------------------

    def status_name(self, status: Status) -> str:
        return self.gettext(_STATUSES[status])

    def priority_name(self, priority: Priority) -> str:
        return self.gettext(_PRIORITIES[priority])

    def clock_name(self, kind: ClockKind) -> str:
        """`first response`, as a sentence names the promise."""
        return self.gettext(_CLOCKS[kind][0])

    def clock_title(self, kind: ClockKind) -> str:
        """`First response`, as a line begins with it."""
        return self.gettext(_CLOCKS[kind][1])

    def when(self, at: datetime, zone: ZoneInfo) -> str:
        """A moment for people: `Tue 24 Nov 14:00 UTC` in the desk's timezone."""
        local = at.astimezone(zone)
        written = self.language.moment(local, self.gettext(_MOMENT))
        return f"{written} {local.tzname() or zone.key}"

    def span(self, days: int, rest: timedelta, *, business: bool) -> str:
        """An SLA span for people: `3 working days`, `4 business hours`, `15 minutes`."""
        seconds = int(rest.total_seconds())
        hours, seconds = divmod(seconds, 3600)
        minutes, seconds = divmod(seconds, 60)
        parts = []
        if days:
            if business:
                parts.append(self.say_plural("{n} working day", "{n} working days", days))
            else:
                parts.append(self.say_plural("{n} day", "{n} days", days))
        if hours:
            if business:
                parts.append(self.say_plural("{n} business hour", "{n} business hours", hours))
            else:
                parts.append(self.say_plural("{n} hour", "{n} hours", hours))
        if minutes:
            parts.append(self.say_plural("{n} minute", "{n} minutes", minutes))
        if seconds:
            parts.append(self.say_plural("{n} second", "{n} seconds", seconds))
        return " ".join(parts) or self.say("no time")

    def holder(self, ticket: Ticket) -> str:
        return quote(ticket.assignee.name) if ticket.assignee else self.say("nobody")

    def assignee_phrase(self, ticket: Ticket) -> str:
        if ticket.assignee:
            return self.say("claimed by {name}", name=quote(ticket.assignee.name))
        return self.say("unclaimed")

    # -- intake ------------------------------------------------------------------------------

    def ack(self, ticket: Ticket, due: datetime | None, within: str, zone: ZoneInfo) -> str:
        name = quote(ticket.customer.name)
        if due is None:
            return self.say(
                "Thanks, {name}! This is ticket #{id}. An agent will answer here as soon as"
                " possible.",
                name=name,
                id=ticket.id,
            )
        return self.say(
            "Thanks, {name}! This is ticket #{id}. An agent will answer here within {within}"
            " (by {due}).",
            name=name,
            id=ticket.id,
            within=within,
            due=self.when(due, zone),
        )

    def thread_title(self, ticket: Ticket) -> str:
        return ticket_ref(ticket)

    def card_text(self, ticket: Ticket, history: CustomerHistory | None = None) -> str:
        parts = [
            f"#{ticket.id}",
            quote(ticket.subject),
            self.status_name(ticket.status),
            self.priority_name(ticket.priority),
            self.say("from {name}", name=quote(ticket.customer.name)),
            self.assignee_phrase(ticket),
        ]
        if ticket.first_response_at:
            parts.append(self.say("answered"))
        if history is not None and history.worth_saying:
            parts.append(self.customer_history(history))
        return " · ".join(parts)

    def customer_history(self, history: CustomerHistory) -> str:
        """Who the customer is to the desk: `3 tickets in 30 days, 1 other open`."""
        if history.recent >= history.cap:
            recent = self.say("{n}+ tickets in 30 days", n=self.number(history.cap))
        else:
            recent = self.say_plural(
                "{n} ticket in 30 days", "{n} tickets in 30 days", history.recent
            )
        if not history.other_open:
            return recent
        if history.other_open >= history.cap:
            others = self.say("{n}+ others open", n=self.number(history.cap))
            return self.say("{recent}, {others}", recent=recent, others=others)
        return self.say_plural(
            "{recent}, {n} other open",
            "{recent}, {n} others open",
            history.other_open,
            recent=recent,
        )

    def empty_message(self) -> str:
        return self.say("That message is empty, so there is nothing to open a ticket with.")

    def message_too_long(self, length: int, limit: int) -> str:
        return self.say(
            "That message is too long ({length} characters; the limit is {limit}).",
            length=self.number(length),
            limit=self.number(limit),
        )

    def attachment_subject(self, names: str) -> str:
        """The subject of a ticket opened with files and no words."""
        return self.say("(attachment: {names})", names=names)

    def reopened_by_reply(self, ticket: Ticket) -> str:
        return self.say("Ticket #{id} is open again; an agent will be with you soon.", id=ticket.id)

    def reply_to_finished(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is {status}, so this reply won't reach an agent. Please post a new"
            " message in the support channel to open a new ticket.",
            id=ticket.id,
            status=self.status_name(ticket.status),
        )

    def already_a_ticket(self, ticket: Ticket) -> str:
        return self.say("That message is already ticket #{id}.", id=ticket.id)

    # -- lifecycle ---------------------------------------------------------------------------

    def finished_ticket(self, ticket: Ticket, action: Refused) -> str:
        """Refuse `action` on a resolved or closed ticket, saying how to go on."""
        values = {"id": ticket.id, "status": self.status_name(ticket.status)}
        sentences: dict[Refused, str] = {
            "claim": N_(
                "Ticket #{id} is {status}, so it can't be claimed. Reopen it first with"
                " /ticket reopen {id}."
            ),
            "unclaim": N_(
                "Ticket #{id} is {status}, so it can't be unclaimed. Reopen it first with"
                " /ticket reopen {id}."
            ),
            "assign": N_(
                "Ticket #{id} is {status}, so it can't be assigned. Reopen it first with"
                " /ticket reopen {id}."
            ),
            "priority": N_(
                "Ticket #{id} is {status}, so it can't be reprioritised. Reopen it first with"
                " /ticket reopen {id}."
            ),
            "wait": N_(
                "Ticket #{id} is {status}, so it can't be put on hold. Reopen it first with"
                " /ticket reopen {id}."
            ),
            "resolve": N_(
                "Ticket #{id} is {status}, so it can't be resolved. Reopen it first with"
                " /ticket reopen {id}."
            ),
        }
        return self.say(sentences[action], **values)

    def already_yours(self, ticket: Ticket) -> str:
        return self.say("You already hold ticket #{id}.", id=ticket.id)

    def claimed_by_other(self, ticket: Ticket, *, reassigning: bool = False) -> str:
        name = self.holder(ticket)
        if reassigning:
            return self.say(
                "Ticket #{id} is held by {name}; only {name} or a lead can reassign it.",
                id=ticket.id,
                name=name,
            )
        return self.say(
            "Ticket #{id} is already claimed by {name}. A lead can take it over with"
            " /ticket claim {id} --force.",
            id=ticket.id,
            name=name,
        )

    def not_claimed(self, ticket: Ticket) -> str:
        return self.say("Ticket #{id} isn't claimed by anyone.", id=ticket.id)

    def only_holder_or_lead_unclaims(self, ticket: Ticket) -> str:
        return self.say(
            "Only {name} or a lead can unclaim ticket #{id}.",
            name=self.holder(ticket),
            id=ticket.id,
        )

    def already_assigned(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is already assigned to {name}.", id=ticket.id, name=self.holder(ticket)
        )

    def priority_unchanged(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is already {priority} priority.",
            id=ticket.id,
            priority=self.priority_name(ticket.priority),
        )

    def already_status(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is already {status}.",
            id=ticket.id,
            status=self.status_name(ticket.status),
        )

    def resolve_before_closing(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is {status}; resolve it before closing it (/ticket resolve {id}).",
            id=ticket.id,
            status=self.status_name(ticket.status),
        )

    def only_finished_reopen(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is {status}; only resolved or closed tickets can be reopened.",
            id=ticket.id,
            status=self.status_name(ticket.status),
        )

    def no_such_ticket(self, ticket_id: int) -> str:
        return self.say("No ticket #{id} in this workspace.", id=ticket_id)

    # -- commands: answers to the actor ------------------------------------------------------

    def claimed(self, ticket: Ticket, took_from: str | None) -> str:
        if took_from:
            return self.say(
                "You claimed {ticket} (taken over from {name}).",
                ticket=ticket_ref(ticket),
                name=quote(took_from),
            )
        return self.say("You claimed {ticket}.", ticket=ticket_ref(ticket))

    def unclaimed(self, ticket: Ticket) -> str:
        return self.say("Ticket #{id} is back in the queue.", id=ticket.id)

    def assigned(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is now assigned to {name}.", id=ticket.id, name=self.holder(ticket)
        )

    def prioritised(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is now {priority} priority.",
            id=ticket.id,
            priority=self.priority_name(ticket.priority),
        )

    def noted(self, ticket: Ticket) -> str:
        return self.say(
            "Internal note added to ticket #{id} (customers don't see it).", id=ticket.id
        )

    def waiting(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is waiting on the customer; their next reply resumes it.", id=ticket.id
        )

    def resolved(self, ticket: Ticket) -> str:
        return self.say("Ticket #{id} is resolved.", id=ticket.id)

    def closed(self, ticket: Ticket) -> str:
        return self.say("Ticket #{id} is closed.", id=ticket.id)

    def reopened(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is open again ({status}).",
            id=ticket.id,
            status=self.status_name(ticket.status),
        )

    def not_an_agent(self, name: str) -> str:
        return self.say(
            "{name} is not an agent; only agents and leads can hold tickets.", name=quote(name)
        )

    def agents_only(self, verb: str) -> str:
        return self.say("/ticket {verb} is for agents.", verb=verb)

    def leads_only(self, verb: str) -> str:
        return self.say("/ticket {verb} is for leads.", verb=verb)

    def customers_reopen_resolved_only(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is {status}; please post a new message in the support channel to"
            " open a new ticket.",
            id=ticket.id,
            status=self.status_name(ticket.status),
        )

    def force_needs_lead(self) -> str:
        return self.say("Only a lead can use --force.")

    # -- what was wrong with a command's words -------------------------------------------------

    def usage(self, line: str, problem: str = "") -> str:
        if problem:
            return self.say("{problem} Usage: /ticket {line}", problem=problem, line=line)
        return self.say("Usage: /ticket {line}", line=line)

    def not_a_ticket_number(self, word: str) -> str:
        return self.say("'{word}' isn't a ticket number.", word=_shown(word))

    def which_ticket(self) -> str:
        return self.say("Which ticket?")

    def who(self) -> str:
        return self.say("Who?")

    def mention_the_person(self) -> str:
        return self.say("Mention the person, like @name.")

    def which_priority(self, choices: str) -> str:
        return self.say("Which priority ({choices})?", choices=choices)

    def priority_must_be(self, choices: str) -> str:
        return self.say("Priority must be one of {choices}.", choices=choices)

    def empty_note(self) -> str:
        return self.say("The note is empty.")

    def not_understood(self, words: str) -> str:
        return self.say("I didn't understand '{words}'.", words=_shown(words))

    def cannot_filter_by(self, word: str) -> str:
        return self.say("I can't filter by '{word}'.", word=_shown(word))

    def unknown_verb(self, verb: str) -> str:
        return self.say(
            "I don't know /ticket {verb}. Try /ticket help.", verb=quote(shorten(verb, 40))
        )

    def help_heading(self) -> str:
        return self.say("/ticket commands (in a ticket's thread you can leave out the id):")

    # -- thread notes: what the customer sees --------------------------------------------------

    def picked_up(self, ticket: Ticket) -> str:
        return self.say(
            "{name} has picked up ticket #{id}.", name=self.holder(ticket), id=ticket.id
        )

    def resolved_note(self, ticket: Ticket, by: str, text: str, reopen_window: timedelta) -> str:
        window = duration(reopen_window)
        if text:
            return self.say(
                "Ticket #{id} was resolved by {name}: {summary}\nNot fixed? Reply in this thread"
                " within {window} to reopen it.",
                id=ticket.id,
                name=quote(by),
                summary=quote(text),
                window=window,
            )
        return self.say(
            "Ticket #{id} was resolved by {name}.\nNot fixed? Reply in this thread within"
            " {window} to reopen it.",
            id=ticket.id,
            name=quote(by),
            window=window,
        )

    def closed_note(self, ticket: Ticket) -> str:
        return self.say("Ticket #{id} is closed. Thanks for reaching out!", id=ticket.id)

    def reopened_note(self, ticket: Ticket) -> str:
        return self.say("Ticket #{id} is open again.", id=ticket.id)

    # -- reminders and escalations -----------------------------------------------------------

    def unclaimed_reminder(self, ticket: Ticket, waited: timedelta) -> str:
        return self.say(
            "Ticket {ticket} ({priority}) has waited {waited} with nobody on it. Claim it with"
            " /ticket claim {id}.",
            ticket=ticket_ref(ticket),
            priority=self.priority_name(ticket.priority),
            waited=duration(waited),
            id=ticket.id,
        )

    def breach_warning(self, ticket: Ticket, kind: ClockKind, due: datetime, zone: ZoneInfo) -> str:
        return self.say(
            "Ticket {ticket} will break its {promise} promise at {due}.",
            ticket=ticket_ref(ticket),
            promise=self.clock_name(kind),
            due=self.when(due, zone),
        )

    def breached(
        self, ticket: Ticket, kind: ClockKind, due: datetime, zone: ZoneInfo, round_: int
    ) -> str:
        values = {
            "ticket": ticket_ref(ticket),
            "promise": self.clock_name(kind),
            "due": self.when(due, zone),
            "priority": self.priority_name(ticket.priority),
            "holder": self.assignee_phrase(ticket),
        }
        if round_:
            return self.say(
                "Ticket {ticket} broke its {promise} promise (still): it was due {due}."
                " Priority {priority}, {holder}.",
                **values,
            )
        return self.say(
            "Ticket {ticket} broke its {promise} promise: it was due {due}. Priority {priority},"
            " {holder}.",
            **values,
        )

    def idle_nudge(self, ticket: Ticket, idle: timedelta) -> str:
        return self.say(
            "You hold ticket {ticket} and nothing has happened on it for {idle}.",
            ticket=ticket_ref(ticket),
            idle=duration(idle),
        )

    def customer_nudge(self, ticket: Ticket) -> str:
        return self.say(
            "Hi {name}, we're waiting for your reply on ticket #{id}. Just answer in this thread"
            " when you can.",
            name=quote(ticket.customer.name),
            id=ticket.id,
        )

    def auto_resolved(self, ticket: Ticket, reopen_window: timedelta) -> str:
        return self.say(
            "Ticket #{id} was resolved because we haven't heard back. Still need help? Reply in"
            " this thread within {window} to reopen it.",
            id=ticket.id,
            window=duration(reopen_window),
        )

    # -- /ticket why: the clocks in words ----------------------------------------------------

    def why_header(self, ticket: Ticket) -> str:
        return self.say(
            "{ticket}: {priority} priority, {status}",
            ticket=ticket_ref(ticket),
            priority=self.priority_name(ticket.priority),
            status=self.status_name(ticket.status),
        )

    def clock_line(
        self, clock: SlaClock, used: timedelta, zone: ZoneInfo, status: Status, answered: bool
    ) -> str:
        """One clock: what it promises, where it stands, and why."""
        head = self.say(
            "{clock} ({promise}, counting on {calendar}):",
            clock=self.clock_title(clock.kind),
            promise=self.promise(clock),
            calendar=clock.calendar,
        )
        spent = self._spent(clock, used)
        if clock.stopped_at is not None:
            return self._stopped(clock, head, spent, used, zone)
        started = self.when(clock.started_at, zone)
        if clock.running_since is None:
            return self.say(
                "{head} started {started}; paused because {reason}; {spent}.",
                head=head,
                started=started,
                reason=self._paused_because(clock, status, answered),
                spent=spent,
            )
        due = self.say("; due {at}", at=self.when(clock.due_at, zone)) if clock.due_at else ""
        return self.say(
            "{head} started {started}; running since {since}; {spent}{due}{late}.",
            head=head,
            started=started,
            since=self.when(clock.running_since, zone),
            spent=spent,
            due=due,
            late=self.say(" (already broken)") if clock.breached_at else "",
        )

    def _stopped(
        self, clock: SlaClock, head: str, spent: str, used: timedelta, zone: ZoneInfo
    ) -> str:
        assert clock.stopped_at is not None
        verdict = ""
        if clock.target is not None:
            verdict = self.say("; kept") if used <= clock.target else self.say("; broken")
        at = self.when(clock.stopped_at, zone)
        if clock.kind is ClockKind.RESOLUTION:
            stopped = self.say("resolved {at}", at=at)
        else:
            stopped = self.say("answered {at}", at=at)
        return self.say(
            "{head} {stopped}, {spent}{verdict}.",
            head=head,
            stopped=stopped,
            spent=spent,
            verdict=verdict,
        )

    def _paused_because(self, clock: SlaClock, status: Status, answered: bool) -> str:
        if answered and clock.kind is ClockKind.FIRST_RESPONSE:
            return self.say("answered")
        if status is Status.WAITING:
            return self.say("the ticket waits on the customer")
        return self.say("the ticket is {status}", status=self.status_name(status))

    def _spent(self, clock: SlaClock, used: timedelta) -> str:
        """Business time used and, while the promise stands, how much is left (or over)."""
        written = business_time(used)
        if clock.target is None or clock.stopped_at is not None:
            return self.say("{used} of business time used", used=written)
        over = used - clock.target
        if over > timedelta():
            return self.say(
                "{used} of business time used, {over} over", used=written, over=business_time(over)
            )
        return self.say(
            "{used} of business time used, {left} left", used=written, left=business_time(-over)
        )

    def promise(self, clock: SlaClock) -> str:
        """A clock's promise in the units it was written in: `promise 3 working days`."""
        if clock.target is None:
            return self.say("no promise")
        target = business_time(clock.target)
        if clock.promise is None or not clock.promise.days:
            return self.say("promise {time} of business time", time=target)
        business = clock.calendar != ALWAYS_OPEN
        written = self.span(clock.promise.days, clock.promise.rest, business=business)
        if not business:
            return self.say("promise {span}", span=written)
        return self.say(
            "promise {span}, {time} of business time from its start", span=written, time=target
        )

    def calendar_line(self, name: str, calendar: BusinessCalendar) -> str:
        if calendar.is_always_open:
            return self.say(
                "Calendar {name}: always open, so business time is plain time.", name=name
            )
        hours = calendar.opening_hours(self.language.weekdays())
        if calendar.holidays:
            hours = self.say_plural(
                "{hours}, {n} holiday", "{hours}, {n} holidays", len(calendar.holidays), hours=hours
            )
        return self.say(
            "Calendar {name}: {description}. Business time counts only while it is open.",
            name=name,
            description=hours,
        )

    # -- status and lists --------------------------------------------------------------------

    def status(self, ticket: Ticket, messages: int, zone: ZoneInfo) -> str:
        lines = [
            ticket_ref(ticket),
            self.say(
                "Status: {status} · {holder} · priority {priority}",
                status=self.status_name(ticket.status),
                holder=self.assignee_phrase(ticket),
                priority=self.priority_name(ticket.priority),
            ),
            self.say(
                "Customer: {name} · opened {opened} · {messages}",
                name=quote(ticket.customer.name),
                opened=self.when(ticket.created_at, zone),
                messages=self.say_plural("{n} message", "{n} messages", messages),
            ),
        ]
        if ticket.first_response_at:
            at = self.when(ticket.first_response_at, zone)
            lines.append(self.say("First response: {at}", at=at))
        if ticket.permalink:
            lines.append(self.say("Link: {link}", link=ticket.permalink))
        return "\n".join(lines)

    def ticket_line(self, ticket: Ticket) -> str:
        parts = (
            f"#{ticket.id}",
            self.status_name(ticket.status),
            self.priority_name(ticket.priority),
            quote(ticket.customer.name),
            self.assignee_phrase(ticket),
            quote(ticket.subject),
        )
        return " · ".join(parts)

    def ticket_list(self, tickets: list[Ticket], total: int, description: str) -> str:
        """A queue: `description` says which tickets (`active`, `all`, `mine urgent`)."""
        if not tickets:
            return self.say("No tickets ({description}).", description=description)
        heading = self.say_plural(
            "{n} ticket ({description}):",
            "{n} tickets ({description}):",
            total,
            description=description,
        )
        lines = [heading, *(self.ticket_line(ticket) for ticket in tickets)]
        if total > len(tickets):
            lines.append(
                self.say(
                    "…and {more} more. Narrow it down: /ticket list"
                    " <status|mine|unassigned|priority>.",
                    more=self.number(total - len(tickets)),
                )
            )
        return "\n".join(lines)

    def customer_tickets(self, name: str, tickets: list[Ticket], total: int, zone: ZoneInfo) -> str:
        """`/ticket history`: a customer's tickets, each with when it was opened and ended."""
        if not tickets:
            return self.say("{name} has no tickets here.", name=quote(name))
        heading = self.say_plural(
            "{name}: {n} ticket", "{name}: {n} tickets", total, name=quote(name)
        )
        lines = [heading, *(self._history_line(ticket, zone) for ticket in tickets)]
        if total > len(tickets):
            lines.append(self.say("…and {more} older.", more=self.number(total - len(tickets))))
        return "\n".join(lines)

    def _history_line(self, ticket: Ticket, zone: ZoneInfo) -> str:
        opened = self.say("opened {at}", at=self.when(ticket.created_at, zone))
        parts = [f"#{ticket.id}", self.status_name(ticket.status), quote(ticket.subject), opened]
        ended = ticket.resolved_at or ticket.closed_at
        if ended is not None and ticket.status in (Status.RESOLVED, Status.CLOSED):
            parts.append(self.say("ended {at}", at=self.when(ended, zone)))
        return " · ".join(parts)

    def active_tickets(self) -> str:
        """What `/ticket list` shows when not told otherwise."""
        return self.say("active")

    def yours_active(self) -> str:
        return self.say("yours, active")

    def none_of_yours(self) -> str:
        return self.say("You have no active tickets.")

    # -- saved replies and /ticket reply ---------------------------------------------------

    def agent_reply(self, agent: str, text: str) -> str:
        """An agent's answer as the bot posts it in the ticket's thread: `bob: …`."""
        return self.say("{agent}: {text}", agent=quote(agent), text=quote(text))

    def replied(self, ticket: Ticket) -> str:
        return self.say("Your reply is posted in ticket #{id}'s thread.", id=ticket.id)

    def replied_with(self, ticket: Ticket, name: str) -> str:
        return self.say(
            "The saved reply '{name}' is posted in ticket #{id}'s thread.", name=name, id=ticket.id
        )

    def empty_reply(self) -> str:
        return self.say("The reply is empty.")

    def reply_to_closed(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is closed, so its customer won't see a reply. Reopen it first with"
            " /ticket reopen {id}.",
            id=ticket.id,
        )

    def as_soon_as_possible(self) -> str:
        """What `{due}` says in a saved reply when the ticket has no first-response promise."""
        return self.say("as soon as possible")

    def no_such_snippet(self, name: str) -> str:
        return self.say(
            "There is no saved reply '{name}'. /ticket snippet list shows them.",
            name=_shown(name),
        )

    def snippet_actions(self) -> str:
        return self.say("Say what to do: add, list, show or remove.")

    def which_snippet(self) -> str:
        return self.say("Which saved reply?")

    def bad_snippet_name(self, name: str) -> str:
        return self.say(
            "'{name}' can't name a saved reply: use up to 32 lowercase letters, digits, - and _.",
            name=_shown(name),
        )

    def empty_snippet(self) -> str:
        return self.say("The saved reply has no text.")

    def snippet_too_long(self, length: int, limit: int) -> str:
        return self.say(
            "That saved reply is too long ({length} characters; the limit is {limit}).",
            length=self.number(length),
            limit=self.number(limit),
        )

    def snippet_braces(self) -> str:
        return self.say(
            "A brace in that text opens no placeholder. Write a placeholder as {{customer}},"
            " and a brace itself as {{{{ or }}}}."
        )

    def unknown_placeholders(self, found: str, known: tuple[str, ...]) -> str:
        return self.say(
            "A saved reply can't fill {found}; it may use {known}.",
            found=quote(shorten(found, 80)),
            known=", ".join("{" + name + "}" for name in known),
        )

    def snippet_exists(self, name: str) -> str:
        return self.say(
            "There is a saved reply '{name}' already; remove it first or choose another name.",
            name=name,
        )

    def snippet_added(self, name: str) -> str:
        return self.say(
            "Saved reply '{name}' added. Use it with /ticket reply <id> :{name}.", name=name
        )

    def snippet_removed(self, name: str) -> str:
        return self.say("Saved reply '{name}' removed.", name=name)

    def snippet_not_yours(self, snippet: Snippet) -> str:
        return self.say(
            "Only {author} or a lead can remove the saved reply '{name}'.",
            author=quote(snippet.author.name),
            name=snippet.name,
        )

    def snippet_list(self, snippets: list[Snippet]) -> str:
        if not snippets:
            return self.say("No saved replies yet. Add one with /ticket snippet add <name> <text>.")
        lines = [self.say_plural("{n} saved reply:", "{n} saved replies:", len(snippets))]
        for snippet in snippets:
            uses = self.say_plural("used {n} time", "used {n} times", snippet.uses)
            line = f":{snippet.name} · {uses} · {quote(shorten(subject_of(snippet.text), 60))}"
            lines.append(line)
        return "\n".join(lines)

    def snippet_shown(self, snippet: Snippet) -> str:
        heading = self.say(
            ":{name} by {author}, used {uses}:",
            name=snippet.name,
            author=quote(snippet.author.name),
            uses=self.say_plural("{n} time", "{n} times", snippet.uses),
        )
        return f"{heading}\n{quote(snippet.text)}"

    # -- a person's own dashboard (Slack's App Home) -----------------------------------------

    def home_heading(self, name: str) -> str:
        return self.say("deskbot · {name}", name=quote(name))

    def home_hint(self) -> str:
        return self.say(
            "Post in a support channel to open a ticket; an agent answers in its thread."
            " /ticket help lists what you can do."
        )

    def home_requests(self) -> str:
        return self.say("Your open requests")

    def home_assigned(self) -> str:
        return self.say("Tickets you hold")

    def home_unclaimed(self) -> str:
        return self.say("Unclaimed tickets")

    def home_empty(self, title: str) -> str:
        return self.say("{title}: none right now.", title=title)

    def home_more(self, count: int) -> str:
        return self.say("…and {more} more. /ticket list shows them all.", more=self.number(count))

    # -- chat surfaces: what buttons say, and the answer when something breaks ---------------

    def action_label(self, action: str) -> str:
        """The label of a triage card's button for one of `notices.card_actions`."""
        label = _ACTION_LABELS.get(action)
        return self.gettext(label) if label else action.capitalize()

    def priority_placeholder(self) -> str:
        return self.say("Set priority…")

    def open_thread_label(self) -> str:
        return self.say("Open thread")

    def repeated_command(self) -> str:
        return self.say("That /ticket command was run already; it was not run again.")

    def unexpected_failure(self) -> str:
        return self.say("Something went wrong on deskbot's side. Please try again in a moment.")

    # -- the web view (`/ticket web`, links to a ticket's page) -----------------------------

    def web_link(self, url: str, minutes: int) -> str:
        return self.say(
            "Your personal sign-in link to the web view (valid for {minutes} minutes, once;"
            " don't share it): {url}",
            minutes=minutes,
            url=url,
        )

    def web_off(self) -> str:
        return self.say("The web view is not switched on for this desk.")

    def web_links_used_up(self, minutes: int) -> str:
        return self.say(
            "You asked for several sign-in links just now; try again in {minutes} minutes.",
            minutes=minutes,
        )

    def web_page(self, url: str) -> str:
        return self.say("On the web: {url}", url=url)

    def web_page_label(self) -> str:
        return self.say("Open on the web")

    # -- satisfaction --------------------------------------------------------------------------

    def survey_question(self, ticket: Ticket, scale: Scale) -> str:
        """The survey in the ticket's thread; the command works where there are no buttons."""
        if scale is Scale.THUMBS:
            return self.say(
                "How did we do on ticket #{id}, {name}? Rate it up or down:"
                " /ticket rate {id} up|down [comment]",
                id=ticket.id,
                name=quote(ticket.customer.name),
            )
        return self.say(
            "How did we do on ticket #{id}, {name}? Rate it from 1 (poor) to 5 (great):"
            " /ticket rate {id} <1-5> [comment]",
            id=ticket.id,
            name=quote(ticket.customer.name),
        )

    def survey_closed(self, ticket: Ticket, survey: Survey) -> str:
        if survey.score is None:
            return self.say("The survey for ticket #{id} is closed.", id=ticket.id)
        return self.say(
            "The survey for ticket #{id} is closed. You rated it {score}; thank you!",
            id=ticket.id,
            score=score_text(survey.scale, survey.score),
        )

    def rated(self, ticket: Ticket, survey: Survey, previous: int | None) -> str:
        assert survey.score is not None  # a rating was just recorded
        score = score_text(survey.scale, survey.score)
        if previous is not None and previous != survey.score:
            return self.say(
                "Your rating of ticket #{id} is now {score} (it was {previous}).",
                id=ticket.id,
                score=score,
                previous=score_text(survey.scale, previous),
            )
        if survey.comment:
            return self.say(
                "Thank you! You rated ticket #{id} {score}, with your comment.",
                id=ticket.id,
                score=score,
            )
        return self.say("Thank you! You rated ticket #{id} {score}.", id=ticket.id, score=score)

    def rating_unchanged(self, ticket: Ticket, survey: Survey) -> str:
        assert survey.score is not None  # only a rating can stay the same
        return self.say(
            "You rated ticket #{id} {score} already.",
            id=ticket.id,
            score=score_text(survey.scale, survey.score),
        )

    def only_the_customer_rates(self) -> str:
        return self.say("Only the person who asked can rate this.")

    def no_survey(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} has no survey to rate: a rating is asked for when a ticket is resolved.",
            id=ticket.id,
        )

    def survey_expired(self, ticket: Ticket, ended: datetime, zone: ZoneInfo) -> str:
        return self.say(
            "The survey for ticket #{id} closed on {when}; it takes no more ratings.",
            id=ticket.id,
            when=self.when(ended, zone),
        )

    def rate_how(self, ticket: Ticket, scale: Scale) -> str:
        if scale is Scale.THUMBS:
            return self.say(
                "Rate ticket #{id} up or down: /ticket rate {id} up|down [comment]", id=ticket.id
            )
        return self.say(
            "Rate ticket #{id} with a whole number from 1 to 5: /ticket rate {id} <1-5> [comment]",
            id=ticket.id,
        )

    def low_rating(self, ticket: Ticket, survey: Survey) -> str:
        """The leads' alert: a low rating, its comment, and where the conversation is."""
        assert survey.score is not None  # alerts are about ratings given
        values = {
            "ticket": ticket_ref(ticket),
            "score": score_text(survey.scale, survey.score),
            "name": quote(ticket.customer.name),
            "holder": self.holder(ticket),
        }
        if survey.comment:
            text = self.say(
                "Low rating: {name} rated {ticket} {score} (held by {holder}): {comment}",
                comment=quote(shorten(survey.comment, 500)),
                **values,
            )
        else:
            text = self.say(
                "Low rating: {name} rated {ticket} {score} (held by {holder}), without a comment.",
                **values,
            )
        return f"{text} {ticket.permalink}" if ticket.permalink else text

    # -- knowledge: similar tickets, search, answers that helped others ---------------------

    def similar_heading(self) -> str:
        return self.say("Solved before:")

    def similar_line(self, similar: Similar) -> str:
        """One similar resolved ticket: number, subject, how it was resolved, and its link."""
        if similar.resolution.strip():
            line = self.say(
                "#{id} {subject} — resolved: {resolution}",
                id=similar.ticket_id,
                subject=quote(similar.subject),
                resolution=quote(shorten(" ".join(similar.resolution.split()), 120)),
            )
        else:
            line = self.say(
                "#{id} {subject} — resolved without a note",
                id=similar.ticket_id,
                subject=quote(similar.subject),
            )
        return f"{line} {similar.permalink}" if similar.permalink else line

    def similar_list(self, ticket: Ticket, lines: list[str]) -> str:
        if not lines:
            return self.say("No resolved ticket is like #{id} yet.", id=ticket.id)
        heading = self.say("Resolved tickets like #{id}:", id=ticket.id)
        return "\n".join([heading, *lines])

    def search_results(self, words: str, tickets: list[Ticket]) -> str:
        if not tickets:
            return self.say("No ticket matches “{words}”.", words=_shown(words))
        heading = self.say_plural(
            "{n} ticket matches “{words}”, best first:",
            "{n} tickets match “{words}”, best first:",
            len(tickets),
            words=_shown(words),
        )
        return "\n".join([heading, *(self.ticket_line(ticket) for ticket in tickets)])

    def search_for_what(self) -> str:
        return self.say("Write the words to search for.")

    def bad_search_filter(self, word: str) -> str:
        return self.say(
            "Cannot filter by “{word}”: use status:<status|active|solved|all>,"
            " customer:@person, or since:7d (or since:YYYY-MM-DD).",
            word=_shown(word),
        )

    def helped_others(self) -> str:
        return self.say("While you wait, these answers helped others:")

    def press_solved(self) -> str:
        return self.say(
            "If one of them solves your problem, press “This solved it” (or /ticket solved)."
        )

    def only_customer_solves(self, ticket: Ticket) -> str:
        return self.say(
            "Only the person who asked can mark ticket #{id} solved by an answer.", id=ticket.id
        )

    def deflected(self, ticket: Ticket) -> str:
        return self.say("Glad that helped! Ticket #{id} is resolved.", id=ticket.id)

    def deflected_note(self, ticket: Ticket, reopen_window: timedelta) -> str:
        return self.say(
            "Ticket #{id} was solved by an answer that helped others.\nNot fixed after all?"
            " Reply in this thread within {window} to reopen it.",
            id=ticket.id,
            window=duration(reopen_window),
        )

    def recurring_heading(self) -> str:
        return self.say("Recurring problems:")

    def recurring(self, count: int, about: str) -> str:
        return self.say_plural(
            "{n} ticket about “{about}”",
            "{n} tickets about “{about}”",
            count,
            about=quote(shorten(about, 80)),
        )

    def deflections(self, count: int) -> str:
        return self.say_plural(
            "{n} ticket solved by an answer that helped others",
            "{n} tickets solved by an answer that helped others",
            count,
        )


def score_text(scale: Scale, score: int) -> str:
    """A rating as people read it in every language: `4/5`, 👍, 👎."""
    if scale is Scale.THUMBS:
        return "👍" if score >= 3 else "👎"
    return f"{score}/5"


def _shown(words: str) -> str:
    """Someone's words echoed in an answer: cut short and pinging nobody."""
    return quote(shorten(words, 40))


@cache
def texts_in(locale: str) -> Texts:
    """The desk's texts in a shipped locale (`en`, `zh_CN`)."""
    return Texts(language(locale))


ENGLISH = texts_in("en")
