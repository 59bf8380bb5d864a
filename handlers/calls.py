"""How a `/ticket` verb is described and run: its typed arguments, the call being run.

A `Verb` names its arguments (`Param`s, from which the usage line and each platform's typed
fields are built), who may use it, and its runner: a function of a `Call` (one command being
run inside one write transaction) or a `Report` (read from the reports, in none). The
registry of verbs is `handlers.commands.VERBS`; a feature's runners live in its own module
and import only this one.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from functools import cached_property

from handlers import access, changes, notices
from handlers.changes import TicketChange
from handlers.errors import NotAllowed, Say, TicketNotFound, UsageError
from handlers.models import Command, EventKind, Person, Role, Ticket
from handlers.ports import ReportSource, Tx
from handlers.settings import DeskSettings
from handlers.texts import Texts

_TICKET_ID = re.compile(r"#?(\d{1,18})")
_MENTION = re.compile(r"<@([^>|]+)(?:\|[^>]*)?>|@(\S+)")
_FORCE = frozenset({"--force", "force"})
_WORD = re.compile(r"\S+")


@dataclass
class Call:
    """One command being run: who asked, where, and the words still to be read."""

    tx: Tx
    command: Command
    role: Role
    verb: Verb
    words: list[str]
    now: datetime
    settings: DeskSettings

    @property
    def actor(self) -> Person:
        return self.command.actor

    @cached_property
    def texts(self) -> Texts:
        """The desk's sentences in the language of the platform the command came from."""
        return self.settings.texts_for(self.command.place.platform)

    def usage(self, problem: Say | None = None) -> UsageError:
        return usage_error(self.verb, problem)

    @cached_property
    def in_thread(self) -> Ticket | None:
        """The ticket whose thread the command came from, read once per command."""
        return self.tx.ticket_at(self.command.place) if self.command.place.thread else None

    def ticket(self, *, free_text_follows: bool = False, anyones: bool = False) -> Ticket:
        """Read the ticket id (or use the ticket whose thread we are in) and check access.

        `anyones`: a customer may name another's ticket, for the verb to refuse in its own
        words (a survey's buttons are seen by everyone in the thread).
        """
        in_thread = self.in_thread
        wanted = self._id_word(in_thread, free_text_follows)
        if wanted is None:
            if in_thread is None and self.words:
                word = self.words[0]
                raise self.usage(lambda texts: texts.not_a_ticket_number(word))
            if in_thread is None:
                raise self.usage(Texts.which_ticket)
            return self._visible(in_thread, in_thread.id, anyones)
        return self._visible(self.tx.ticket(wanted), wanted, anyones)

    def _id_word(self, in_thread: Ticket | None, free_text_follows: bool) -> int | None:
        if not self.words:
            return None
        match = _TICKET_ID.fullmatch(self.words[0])
        if match is None:
            return None
        wanted = int(match.group(1))
        # In a thread, "note 5 users affected" is text about this ticket, not ticket #5.
        bare = not self.words[0].startswith("#")
        if in_thread and free_text_follows and bare and wanted != in_thread.id:
            return None
        self.words.pop(0)
        return wanted

    def _visible(self, ticket: Ticket | None, wanted: int, anyones: bool = False) -> Ticket:
        workspace = self.command.place.workspace
        if ticket is None or ticket.place.workspace != workspace:
            raise TicketNotFound(wanted)
        if not anyones and not access.can_see(self.role, self.actor, workspace, ticket):
            raise TicketNotFound(wanted)
        return ticket

    def force(self) -> bool:
        """Consume a `--force` flag; only leads may use it."""
        found = [word for word in self.words if word.lower() in _FORCE]
        for word in found:
            self.words.remove(word)
        if found and self.role is not Role.LEAD:
            raise NotAllowed(Texts.force_needs_lead)
        return bool(found)

    def person(self) -> Person:
        """Read a `<@id>` or `@name` argument and return the mentioned person."""
        if not self.words:
            raise self.usage(Texts.who)
        match = _MENTION.fullmatch(self.words.pop(0))
        wanted = (match.group(1) or match.group(2)) if match else None
        for person in self.command.mentions:
            if person.id == wanted or person.name == wanted:
                return person
        raise self.usage(Texts.mention_the_person)

    def rest(self) -> str:
        """The words still to be read, as they were written: line breaks and spacing kept."""
        text = _tail(self.command.text, self.words) or " ".join(self.words)
        self.words.clear()
        return text

    def done(self) -> None:
        if self.words:
            raise extra_words(self.verb, self.rest())

    @property
    def by_staff(self) -> bool:
        """Whether the actor works tickets: what staff do to one is agent activity."""
        return self.role is not Role.CUSTOMER

    def change(
        self,
        before: Ticket,
        after: Ticket,
        kind: EventKind,
        data: Mapping[str, object] | None = None,
        *,
        thread: str | None = None,
    ) -> None:
        """Apply a lifecycle change audited as `kind`; `thread` is said in the ticket's thread."""
        said = () if thread is None else (notices.in_thread(after, thread),)
        audit = changes.status_data(before, after, **(data or {}))
        change = TicketChange(
            before, after, self.actor, kind, audit, notices=said, agent_activity=self.by_staff
        )
        self.apply(change)

    def apply(self, change: TicketChange) -> None:
        """Write the change and all that follows from it (see `handlers.changes`)."""
        changes.apply(self.tx, change, self.now, self.settings)


class Kind(Enum):
    """What an argument of a verb is; each platform offers it as its own kind of field."""

    TICKET = "ticket"  # a ticket number, left out inside the ticket's thread
    PERSON = "person"  # a mentioned person
    TEXT = "text"  # free words
    CHOICE = "choice"  # one of `Param.choices`
    FLAG = "flag"  # present or not, written `--name`


@dataclass(frozen=True)
class Param:
    """One argument of a verb: the usage line and typed platform fields both come from it."""

    name: str
    kind: Kind
    required: bool = True
    choices: tuple[str, ...] = ()
    description: str = ""
    shown: str = ""  # how the usage line names it, when not after its kind

    @property
    def usage(self) -> str:
        """The argument as the usage line writes it: `<id>`, `<@person>`, `[--force]`."""
        word = self.shown or self._word()
        return f"<{word}>" if self.required else f"[{word}]"

    def _word(self) -> str:
        if self.kind is Kind.PERSON:
            return f"@{self.name}"
        if self.kind is Kind.FLAG:
            return f"--{self.name}"
        if self.kind is Kind.CHOICE:
            return "|".join(self.choices)
        return self.name


def usage_error(verb: Verb, problem: Say | None = None) -> UsageError:
    """A usage error for `verb`, saying first what was wrong when that is known."""
    if problem is None:
        return UsageError(lambda texts: texts.usage(verb.usage))
    return UsageError(lambda texts: texts.usage(verb.usage, problem(texts)))


def extra_words(verb: Verb, extra: str) -> UsageError:
    return usage_error(verb, lambda texts: texts.not_understood(extra))


@dataclass(frozen=True)
class Reading:
    """A reporting verb being run: who asked, the words after the verb, and the reports."""

    command: Command
    verb: Verb
    words: tuple[str, ...]
    now: datetime
    settings: DeskSettings
    reports: ReportSource

    @property
    def texts(self) -> Texts:
        """The desk's sentences in the language of the platform the command came from."""
        return self.settings.texts_for(self.command.place.platform)

    def done(self) -> None:
        if self.words:
            raise extra_words(self.verb, " ".join(self.words))


@dataclass(frozen=True)
class Report:
    """How a reporting verb runs: it reads the reports, outside any write transaction."""

    read: Callable[[Reading], Awaitable[str]] = field(repr=False)


@dataclass(frozen=True)
class Verb:
    name: str
    params: tuple[Param, ...]
    summary: str
    role: Role
    run: Callable[[Call], str] | Report = field(repr=False)
    customers_too: bool = False
    customer_summary: str = ""  # what the verb does for a customer, when that is less
    erases: bool = False  # it removes data: the store erases what it freed, once committed

    @property
    def usage(self) -> str:
        return " ".join([self.name, *(param.usage for param in self.params)])

    def summary_for(self, role: Role) -> str:
        """What the verb does for someone in `role`, as help lists it."""
        if role is Role.CUSTOMER and self.customer_summary:
            return self.customer_summary
        return self.summary

    def allows(self, role: Role) -> bool:
        return role.at_least(self.role) or (self.customers_too and role is Role.CUSTOMER)


def _tail(text: str, words: list[str]) -> str | None:
    """The end of `text` that holds exactly `words`, or None when they are not its last words."""
    if not words:
        return ""
    starts = [match.start() for match in _WORD.finditer(text)]
    if len(starts) < len(words):
        return None
    tail = text[starts[-len(words)] :].rstrip()
    return tail if tail.split() == words else None
