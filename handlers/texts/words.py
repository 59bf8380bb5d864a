"""The words every language shares, and `Speaking`: how a sentence is said in one language.

Text that came from a person is passed through `quote()` before it is echoed, so a
customer's `@everyone` never pings anyone on any platform, in any language.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from handlers.language import Language
from handlers.models import (
    ClockKind,
    Priority,
    Scale,
    Status,
    Ticket,
)

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
# Translators: a date and time in a CLDR pattern (EEE weekday, dd day, MMM month, HH:mm
# time), e.g. `Tue 24 Nov 14:00`; the timezone's abbreviation follows it.
_MOMENT = N_("EEE dd MMM HH:mm")


def score_text(scale: Scale, score: int) -> str:
    """A rating as people read it in every language: `4/5`, 👍, 👎."""
    if scale is Scale.THUMBS:
        return "👍" if score >= 3 else "👎"
    return f"{score}/5"


def shown(words: str) -> str:
    """Someone's words echoed in an answer: cut short and pinging nobody."""
    return quote(shorten(words, 40))


class Speaking:
    """One language: a whole sentence translated, then its placeholders filled; the words
    for values (statuses, priorities, clocks, moments, spans) every sentence uses."""

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

    def ticket_line(self, ticket: Ticket) -> str:
        """A ticket on one line, as lists show it: number, status, priority, who, subject."""
        parts = (
            f"#{ticket.id}",
            self.status_name(ticket.status),
            self.priority_name(ticket.priority),
            quote(ticket.customer.name),
            self.assignee_phrase(ticket),
            quote(ticket.subject),
        )
        return " · ".join(parts)
