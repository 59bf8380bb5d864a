"""`/ticket <verb> …`: one registry of verbs, from which parsing, permissions and help come.

A verb runs inside one transaction: it reads the ticket, describes the change it makes
(`handlers.changes` writes it, audits it, moves its clocks and timers and queues its
notices), and returns the answer for the person who asked. A reporting verb (its runner a
`Report`) instead reads the reports beside the writer, outside any write transaction.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from functools import cached_property
from zoneinfo import ZoneInfo

from handlers import access, changes, lifecycle, notices, signin, texts
from handlers.changes import TicketChange
from handlers.digest import posting
from handlers.errors import NotAllowed, TicketNotFound, UsageError
from handlers.models import (
    ACTIVE_STATUSES,
    Author,
    ClockKind,
    Command,
    EventKind,
    Message,
    Person,
    Priority,
    Reply,
    Role,
    Status,
    Ticket,
    TicketQuery,
)
from handlers.ports import ReportSource, Tx
from handlers.settings import DeskSettings
from handlers.sla import promises

_TICKET_ID = re.compile(r"#?(\d{1,18})")
_MENTION = re.compile(r"<@([^>|]+)(?:\|[^>]*)?>|@(\S+)")
_FORCE = frozenset({"--force", "force"})


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

    def usage(self, problem: str = "") -> UsageError:
        return UsageError(texts.usage(self.verb.usage, problem))

    @cached_property
    def in_thread(self) -> Ticket | None:
        """The ticket whose thread the command came from, read once per command."""
        return self.tx.ticket_at(self.command.place) if self.command.place.thread else None

    def ticket(self, *, free_text_follows: bool = False) -> Ticket:
        """Read the ticket id (or use the ticket whose thread we are in) and check access."""
        in_thread = self.in_thread
        wanted = self._id_word(in_thread, free_text_follows)
        if wanted is None:
            if in_thread is None and self.words:
                word = texts.quote(texts.shorten(self.words[0], 40))
                raise self.usage(f"{word!r} isn't a ticket number.")
            if in_thread is None:
                raise self.usage("Which ticket?")
            return self._visible(in_thread, in_thread.id)
        return self._visible(self.tx.ticket(wanted), wanted)

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

    def _visible(self, ticket: Ticket | None, wanted: int) -> Ticket:
        workspace = self.command.place.workspace
        if ticket is None or not access.can_see(self.role, self.actor, workspace, ticket):
            raise TicketNotFound(wanted)
        return ticket

    def force(self) -> bool:
        """Consume a `--force` flag; only leads may use it."""
        found = [word for word in self.words if word.lower() in _FORCE]
        for word in found:
            self.words.remove(word)
        if found and self.role is not Role.LEAD:
            raise NotAllowed(texts.force_needs_lead())
        return bool(found)

    def person(self) -> Person:
        """Read a `<@id>` or `@name` argument and return the mentioned person."""
        if not self.words:
            raise self.usage("Who?")
        match = _MENTION.fullmatch(self.words.pop(0))
        wanted = (match.group(1) or match.group(2)) if match else None
        for person in self.command.mentions:
            if person.id == wanted or person.name == wanted:
                return person
        raise self.usage("Mention the person, like @name.")

    def rest(self) -> str:
        text = " ".join(self.words)
        self.words.clear()
        return text

    def done(self) -> None:
        if self.words:
            raise _extra_words(self.verb, self.rest())

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


def _extra_words(verb: Verb, extra: str) -> UsageError:
    quoted = texts.quote(texts.shorten(extra, 40))
    return UsageError(texts.usage(verb.usage, f"I didn't understand {quoted!r}."))


@dataclass(frozen=True)
class Reading:
    """A reporting verb being run: who asked, the words after the verb, and the reports."""

    command: Command
    verb: Verb
    words: tuple[str, ...]
    now: datetime
    settings: DeskSettings
    reports: ReportSource

    def done(self) -> None:
        if self.words:
            raise _extra_words(self.verb, " ".join(self.words))


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


def _help(call: Call) -> str:
    call.rest()
    lines = ["/ticket commands (in a ticket's thread you can leave out the id):"]
    for verb in VERBS.values():
        if verb.allows(call.role):
            lines.append(f"  /ticket {verb.usage} — {verb.summary_for(call.role)}")
    return "\n".join(lines)


def _claim(call: Call) -> str:
    force = call.force()
    ticket = call.ticket()
    call.done()
    claimed = lifecycle.claim(ticket, call.actor, call.now, force=force)
    previous = ticket.assignee
    data = {"force": force, "previous": _key(previous)}
    picked_up = None if previous else texts.picked_up(claimed)
    call.change(ticket, claimed, EventKind.CLAIMED, data, thread=picked_up)
    return texts.claimed(claimed, previous.name if previous else None)


def _key(person: Person | None) -> str | None:
    return person.key if person else None


def _unclaim(call: Call) -> str:
    ticket = call.ticket()
    call.done()
    unclaimed = lifecycle.unclaim(ticket, call.actor, call.now, may_force=call.role is Role.LEAD)
    call.change(ticket, unclaimed, EventKind.UNCLAIMED, {"previous": _key(ticket.assignee)})
    return texts.unclaimed(unclaimed)


def _assign(call: Call) -> str:
    ticket = call.ticket()
    target = call.person()
    call.done()
    if not call.settings.role_of(target).at_least(Role.AGENT):
        raise NotAllowed(texts.not_an_agent(target.name))
    assigned = lifecycle.assign(
        ticket, target, call.actor, call.now, may_force=call.role is Role.LEAD
    )
    previous = ticket.assignee
    data = {"to": target.key, "previous": _key(previous)}
    picked_up = None if previous else texts.picked_up(assigned)
    call.change(ticket, assigned, EventKind.ASSIGNED, data, thread=picked_up)
    return texts.assigned(assigned)


def _priority(call: Call) -> str:
    ticket = call.ticket()
    choices = "|".join(priority.value for priority in Priority)
    if not call.words:
        raise call.usage(f"Which priority ({choices})?")
    word = call.words.pop(0).lower()
    call.done()
    if word not in Priority.__members__.values():
        raise call.usage(f"Priority must be one of {choices}.")
    changed = lifecycle.set_priority(ticket, Priority(word), call.now)
    data = {"previous": str(ticket.priority), "priority": word}
    call.change(ticket, changed, EventKind.PRIORITY, data)
    return texts.prioritised(changed)


def _note(call: Call) -> str:
    ticket = call.ticket(free_text_follows=True)
    text = call.rest()
    if not text.strip():
        raise call.usage("The note is empty.")
    note_id = f"note:{call.now.isoformat()}"
    note = Message(ticket.id, note_id, call.actor, Author.AGENT, text, call.now, internal=True)
    call.tx.add_message(note)
    change = TicketChange(
        ticket,
        ticket,
        call.actor,
        EventKind.NOTE,
        {"message_id": note_id},
        agent_activity=True,
        answered=changes.is_answer(note),  # an internal note never is an answer
    )
    call.apply(change)
    return texts.noted(ticket)


def _waiting(call: Call) -> str:
    ticket = call.ticket()
    call.done()
    changed = lifecycle.wait_on_customer(ticket, call.now)
    call.change(ticket, changed, EventKind.WAITING)
    return texts.waiting(changed)


def _resolve(call: Call) -> str:
    ticket = call.ticket(free_text_follows=True)
    summary = call.rest()
    resolved = lifecycle.resolve(ticket, call.now)
    note = texts.resolved_note(resolved, call.actor.name, summary, call.settings.reopen_window)
    call.change(ticket, resolved, EventKind.RESOLVED, {"summary": summary}, thread=note)
    return texts.resolved(resolved)


def _close(call: Call) -> str:
    ticket = call.ticket()
    call.done()
    closed = lifecycle.close(ticket, call.now)
    call.change(ticket, closed, EventKind.CLOSED, thread=texts.closed_note(closed))
    return texts.closed(closed)


def _reopen(call: Call) -> str:
    ticket = call.ticket()
    call.done()
    if call.role is Role.CUSTOMER and ticket.status is not Status.RESOLVED:
        raise NotAllowed(texts.customers_reopen_resolved_only(ticket))
    reopened = lifecycle.reopen(ticket, call.now)
    call.change(ticket, reopened, EventKind.REOPENED, thread=texts.reopened_note(reopened))
    return texts.reopened(reopened)


def _status(call: Call) -> str:
    ticket = call.ticket()
    call.done()
    internal = access.sees_notes(call.role)
    count = len(call.tx.messages(ticket.id, include_internal=internal))
    return texts.status(ticket, count, call.settings.timezone)


def _why(call: Call) -> str:
    ticket = call.ticket()
    call.done()
    settings = call.settings
    clocks = call.tx.clocks(ticket.id)
    lines = [texts.why_header(ticket)]
    for kind in ClockKind:
        clock = clocks.get(kind)
        if clock is not None:
            used = promises.used(clock, call.now, settings)
            answered = ticket.first_response_at is not None
            # Times in the calendar's own zone: the one its opening hours are written in.
            zone = ZoneInfo(settings.calendar(clock.calendar).timezone)
            lines.append(texts.clock_line(clock, used, zone, ticket.status, answered))
    for name in sorted({clock.calendar for clock in clocks.values()}):
        lines.append(texts.calendar_line(name, settings.calendar(name).describe()))
    return "\n".join(lines)


_LIST_STATUSES: dict[str, frozenset[Status]] = {
    **{status.value: frozenset({status}) for status in Status},
    "active": ACTIVE_STATUSES,
    "all": frozenset(Status),
}


def _list(call: Call) -> str:
    words = [word.lower() for word in call.words]
    call.words.clear()
    statuses: frozenset[Status] = ACTIVE_STATUSES
    query = TicketQuery(call.command.place.workspace, statuses)
    description = []
    for word in words:
        if word in _LIST_STATUSES:
            query = _with(query, statuses=_LIST_STATUSES[word])
        elif word == "mine":
            query = _mine(query, call)
        elif word == "unassigned":
            query = _with(query, unassigned=True)
        elif word in Priority.__members__.values():
            query = _with(query, priority=Priority(word))
        else:
            raise call.usage(f"I can't filter by {texts.quote(texts.shorten(word, 40))!r}.")
        description.append(word)
    if not access.sees_every_ticket(call.role):
        query = _with(query, customer_key=call.actor.key)
    tickets, total = call.tx.tickets(query)
    return texts.ticket_list(tickets, total, " ".join(description) or "active")


def _mine(query: TicketQuery, call: Call) -> TicketQuery:
    if call.role is Role.CUSTOMER:
        return _with(query, customer_key=call.actor.key)
    return _with(query, assignee_key=call.actor.key)


def _with(query: TicketQuery, **changes: object) -> TicketQuery:
    return replace(query, **changes)  # type: ignore[arg-type]


def _mine_verb(call: Call) -> str:
    call.done()
    query = _mine(TicketQuery(call.command.place.workspace, ACTIVE_STATUSES), call)
    tickets, total = call.tx.tickets(query)
    if not total:
        return texts.none_of_yours()
    return texts.ticket_list(tickets, total, "yours, active")


def _web(call: Call) -> str:
    call.done()
    links = call.settings.web
    minutes = int(signin.LINK_LIFETIME.total_seconds() // 60)
    if links is None:
        raise NotAllowed(texts.web_off())
    # Each link counts against the person's allowance, remembered with the command itself.
    if not any(call.tx.remember(key, call.now) for key in signin.rate_keys(call.actor, call.now)):
        raise NotAllowed(texts.web_links_used_up(minutes))
    url = links.sign_in_url(call.actor, call.command.place.workspace, call.now)
    return texts.web_link(url, minutes)


async def _digest(reading: Reading) -> str:
    reading.done()
    made = await posting.build(reading.reports, reading.settings.digest, reading.now)
    return posting.render(made)


_TICKET = Param(
    "id", Kind.TICKET, description="Ticket number (leave it out inside the ticket's thread)"
)
_MAYBE_TICKET = replace(_TICKET, required=False)
_TEXT = Param("text", Kind.TEXT, description="What to write")
_PRIORITIES = tuple(priority.value for priority in Priority)
_LIST_PARAMS = (
    Param(
        "status",
        Kind.CHOICE,
        required=False,
        choices=tuple(_LIST_STATUSES),
        description="Which tickets",
        shown="status|all",
    ),
    Param(
        "whose",
        Kind.CHOICE,
        required=False,
        choices=("mine", "unassigned"),
        description="Yours, or nobody's",
    ),
    Param(
        "priority",
        Kind.CHOICE,
        required=False,
        choices=_PRIORITIES,
        description="Only tickets of this priority",
        shown="priority",
    ),
)


def _registry(*verbs: Verb) -> dict[str, Verb]:
    return {verb.name: verb for verb in verbs}


VERBS = _registry(
    Verb("help", (), "show these commands", Role.CUSTOMER, _help),
    Verb(
        "claim",
        (
            _MAYBE_TICKET,
            Param(
                "force",
                Kind.FLAG,
                required=False,
                description="Leads only: take the ticket over from whoever holds it",
            ),
        ),
        "take a ticket (leads: --force takes it over)",
        Role.AGENT,
        _claim,
    ),
    Verb("unclaim", (_MAYBE_TICKET,), "put your ticket back in the queue", Role.AGENT, _unclaim),
    Verb(
        "assign",
        (_TICKET, Param("person", Kind.PERSON, description="The agent who should hold the ticket")),
        "give a ticket to an agent",
        Role.AGENT,
        _assign,
    ),
    Verb(
        "priority",
        (
            _TICKET,
            Param("priority", Kind.CHOICE, choices=_PRIORITIES, description="The new priority"),
        ),
        "change a ticket's priority",
        Role.AGENT,
        _priority,
    ),
    Verb("note", (_TICKET, _TEXT), "add an internal note customers never see", Role.AGENT, _note),
    Verb("waiting", (_TICKET,), "wait on the customer's answer", Role.AGENT, _waiting),
    Verb(
        "resolve",
        (_TICKET, replace(_TEXT, required=False)),
        "mark a ticket solved, with an optional summary",
        Role.AGENT,
        _resolve,
        customers_too=True,
        customer_summary="mark your ticket solved, with an optional summary",
    ),
    Verb("close", (_TICKET,), "close a resolved ticket for good", Role.AGENT, _close),
    Verb(
        "reopen",
        (_TICKET,),
        # Discord shows this summary to everyone, so it says who may do what.
        "reopen a resolved ticket, or (agents) a closed one",
        Role.AGENT,
        _reopen,
        customers_too=True,
        customer_summary="reopen your resolved ticket",
    ),
    Verb(
        "status",
        (_TICKET,),
        "show a ticket",
        Role.AGENT,
        _status,
        customers_too=True,
        customer_summary="show your ticket",
    ),
    Verb("why", (_TICKET,), "explain a ticket's SLA clocks and due times", Role.AGENT, _why),
    Verb(
        "list",
        _LIST_PARAMS,
        "show the queue",
        Role.AGENT,
        _list,
        customers_too=True,
        customer_summary="show your tickets",
    ),
    Verb("mine", (), "show your active tickets", Role.AGENT, _mine_verb, customers_too=True),
    Verb("digest", (), "the leads' digest, as of now", Role.LEAD, Report(_digest)),
    Verb(
        "web",
        (),
        "a private sign-in link to the web view: the queue, transcripts, metrics",
        Role.AGENT,
        _web,
        customers_too=True,
        customer_summary="a private sign-in link to your tickets on the web",
    ),
)


@dataclass(frozen=True)
class Resolved:
    """A command whose verb was found and allowed for its actor, with the words after it."""

    command: Command
    verb: Verb
    role: Role
    words: tuple[str, ...]

    @property
    def reports(self) -> bool:
        """Whether the verb answers from the reports rather than in a write transaction."""
        return isinstance(self.verb.run, Report)


def find_verb(command: Command, settings: DeskSettings) -> Resolved:
    """Find the command's verb and check the actor may use it; a refusal raises."""
    words = command.text.split()
    name = words.pop(0).lower() if words else "help"
    verb = VERBS.get(name)
    if verb is None:
        raise UsageError(texts.unknown_verb(name))
    role = settings.role_of(command.actor)
    if not verb.allows(role):
        refusal = texts.leads_only if verb.role is Role.LEAD else texts.agents_only
        raise NotAllowed(refusal(verb.name))
    return Resolved(command, verb, role, tuple(words))


def run(tx: Tx, resolved: Resolved, now: datetime, settings: DeskSettings) -> Reply:
    """Run one resolved `/ticket` command; a refusal raises a `DeskError`."""
    return _run(_call(tx, resolved, now, settings))


def react(tx: Tx, resolved: Resolved, now: datetime, settings: DeskSettings) -> Reply | None:
    """Run a reaction's command; None when it names no ticket and its place is no ticket's.

    The check reads the place's ticket in the command's own transaction, the one read the
    command then works on.
    """
    call = _call(tx, resolved, now, settings)
    if not call.words and call.in_thread is None:
        return None
    return _run(call)


def _call(tx: Tx, resolved: Resolved, now: datetime, settings: DeskSettings) -> Call:
    if isinstance(resolved.verb.run, Report):
        raise TypeError(f"/ticket {resolved.verb.name} reads reports; run it with `report`")
    words = list(resolved.words)
    return Call(tx, resolved.command, resolved.role, resolved.verb, words, now, settings)


def _run(call: Call) -> Reply:
    runner, key = call.verb.run, call.command.dedupe_key
    assert not isinstance(runner, Report)  # `_call` refuses reporting verbs
    # A signed request can be replayed (Slack allows five minutes): its key, remembered with
    # the change it made, makes the replay change nothing.
    if key is not None and not call.tx.remember(key, call.now):
        return Reply(texts.repeated_command(), repeated=True)
    return Reply(runner(call))


async def report(
    resolved: Resolved, reports: ReportSource, now: datetime, settings: DeskSettings
) -> str:
    """Answer a resolved reporting command from the reports; a refusal raises a `DeskError`."""
    runner = resolved.verb.run
    if not isinstance(runner, Report):
        raise TypeError(f"/ticket {resolved.verb.name} changes tickets; run it with `run`")
    verb, words = resolved.verb, resolved.words
    return await runner.read(Reading(resolved.command, verb, words, now, settings, reports))
