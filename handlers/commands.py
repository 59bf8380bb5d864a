"""`/ticket <verb> …`: one registry of verbs, from which parsing, permissions and help come.

The verbs' machinery (`Verb`, `Param`, `Call`) is in `handlers.calls`; the core verbs' runners
are here, a feature's in its own module (`handlers.replies`). A verb runs inside one
transaction: it reads the ticket, describes the change it makes
(`handlers.changes` writes it, audits it, moves its clocks and timers and queues its
notices), and returns the answer for the person who asked. A reporting verb (its runner a
`Report`) instead reads the reports beside the writer, outside any write transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from handlers import access, changes, knowledge, lifecycle, privacy, replies, signin
from handlers.calls import Call, Kind, Param, Reading, Report, Verb
from handlers.changes import TicketChange
from handlers.digest import posting
from handlers.errors import NotAllowed, UsageError
from handlers.incidents import verbs as incidents
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
    TicketQuery,
)
from handlers.ports import ReportSource, Tx
from handlers.satisfaction import rating
from handlers.settings import DeskSettings
from handlers.sla import promises
from handlers.texts import N_, Texts

CONFIRM = "confirm"


def _help(call: Call) -> str:
    call.rest()
    lines = [call.texts.help_heading()]
    for verb in VERBS.values():
        if verb.allows(call.role):
            summary = call.texts.gettext(verb.summary_for(call.role))
            lines.append(f"  /ticket {verb.usage} — {summary}")
    return "\n".join(lines)


def _claim(call: Call) -> str:
    force = call.force()
    ticket = call.ticket()
    call.done()
    claimed = lifecycle.claim(ticket, call.actor, call.now, force=force)
    previous = ticket.assignee
    data = {"force": force, "previous": _key(previous)}
    picked_up = None if previous else call.texts.picked_up(claimed)
    call.change(ticket, claimed, EventKind.CLAIMED, data, thread=picked_up)
    return call.texts.claimed(claimed, previous.name if previous else None)


def _key(person: Person | None) -> str | None:
    return person.key if person else None


def _unclaim(call: Call) -> str:
    ticket = call.ticket()
    call.done()
    unclaimed = lifecycle.unclaim(ticket, call.actor, call.now, may_force=call.role is Role.LEAD)
    call.change(ticket, unclaimed, EventKind.UNCLAIMED, {"previous": _key(ticket.assignee)})
    return call.texts.unclaimed(unclaimed)


def _assign(call: Call) -> str:
    ticket = call.ticket()
    target = call.person()
    call.done()
    if not call.settings.role_of(target).at_least(Role.AGENT):
        raise NotAllowed(lambda texts: texts.not_an_agent(target.name))
    assigned = lifecycle.assign(
        ticket, target, call.actor, call.now, may_force=call.role is Role.LEAD
    )
    previous = ticket.assignee
    data = {"to": target.key, "previous": _key(previous)}
    picked_up = None if previous else call.texts.picked_up(assigned)
    call.change(ticket, assigned, EventKind.ASSIGNED, data, thread=picked_up)
    return call.texts.assigned(assigned)


def _priority(call: Call) -> str:
    ticket = call.ticket()
    choices = "|".join(priority.value for priority in Priority)
    if not call.words:
        raise call.usage(lambda texts: texts.which_priority(choices))
    word = call.words.pop(0).lower()
    call.done()
    if word not in Priority.__members__.values():
        raise call.usage(lambda texts: texts.priority_must_be(choices))
    changed = lifecycle.set_priority(ticket, Priority(word), call.now)
    data = {"previous": str(ticket.priority), "priority": word}
    call.change(ticket, changed, EventKind.PRIORITY, data)
    return call.texts.prioritised(changed)


def _note(call: Call) -> str:
    ticket = call.ticket(free_text_follows=True)
    text = call.rest()
    if not text.strip():
        raise call.usage(Texts.empty_note)
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
    return call.texts.noted(ticket)


def _waiting(call: Call) -> str:
    ticket = call.ticket()
    call.done()
    changed = lifecycle.wait_on_customer(ticket, call.now)
    call.change(ticket, changed, EventKind.WAITING)
    return call.texts.waiting(changed)


def _resolve(call: Call) -> str:
    ticket = call.ticket(free_text_follows=True)
    summary = call.rest()
    resolved = lifecycle.resolve(ticket, call.now)
    note = call.texts.resolved_note(resolved, call.actor.name, summary, call.settings.reopen_window)
    call.change(ticket, resolved, EventKind.RESOLVED, {"summary": summary}, thread=note)
    return call.texts.resolved(resolved)


def _close(call: Call) -> str:
    ticket = call.ticket()
    call.done()
    closed = lifecycle.close(ticket, call.now)
    call.change(ticket, closed, EventKind.CLOSED, thread=call.texts.closed_note(closed))
    return call.texts.closed(closed)


def _reopen(call: Call) -> str:
    ticket = call.ticket()
    call.done()
    if call.role is Role.CUSTOMER and ticket.status is not Status.RESOLVED:
        raise NotAllowed(lambda texts: texts.customers_reopen_resolved_only(ticket))
    reopened = lifecycle.reopen(ticket, call.now)
    call.change(ticket, reopened, EventKind.REOPENED, thread=call.texts.reopened_note(reopened))
    return call.texts.reopened(reopened)


def _status(call: Call) -> str:
    ticket = call.ticket()
    call.done()
    internal = access.sees_notes(call.role)
    count = len(call.tx.messages(ticket.id, include_internal=internal))
    return call.texts.status(ticket, count, call.settings.timezone)


def _why(call: Call) -> str:
    ticket = call.ticket()
    call.done()
    settings = call.settings
    clocks = call.tx.clocks(ticket.id)
    lines = [call.texts.why_header(ticket)]
    for kind in ClockKind:
        clock = clocks.get(kind)
        if clock is not None:
            used = promises.used(clock, call.now, settings)
            answered = ticket.first_response_at is not None
            # Times in the calendar's own zone: the one its opening hours are written in.
            zone = ZoneInfo(settings.calendar(clock.calendar).timezone)
            lines.append(call.texts.clock_line(clock, used, zone, ticket.status, answered))
    for name in sorted({clock.calendar for clock in clocks.values()}):
        lines.append(call.texts.calendar_line(name, settings.calendar(name)))
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
            raise call.usage(partial(Texts.cannot_filter_by, word=word))
        description.append(word)
    if not access.sees_every_ticket(call.role):
        query = _with(query, customer_key=call.actor.key)
    tickets, total = call.tx.tickets(query)
    return call.texts.ticket_list(
        tickets, total, " ".join(description) or call.texts.active_tickets()
    )


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
        return call.texts.none_of_yours()
    return call.texts.ticket_list(tickets, total, call.texts.yours_active())


def _history(call: Call) -> str:
    """A customer's tickets, most recently changed first, with how each ended."""
    customer = call.person()
    call.done()
    every = frozenset(Status)
    query = TicketQuery(call.command.place.workspace, every, customer.key, recent_first=True)
    tickets, total = call.tx.tickets(query)
    surveys = {ticket.id: call.tx.latest_survey(ticket.id) for ticket in tickets}
    ratings = {number: survey for number, survey in surveys.items() if survey and survey.score}
    zone = call.settings.timezone
    return call.texts.customer_tickets(customer.name, tickets, total, zone, ratings)


def _forget(call: Call) -> str:
    """Forget a person (leads): the first call says what would change, `confirm` does it."""
    person = call.person()
    confirmed = bool(call.words) and call.words[0].lower() == CONFIRM
    if confirmed:
        call.words.pop(0)
    call.done()
    return privacy.forget_in_chat(call.tx, person, call.actor, call.now, call.texts, confirmed)


def _rate(call: Call) -> str:
    ticket = call.ticket(free_text_follows=True, anyones=True)
    score = call.words.pop(0) if call.words else None
    comment = call.rest()
    return rating.rate(call.tx, ticket, call.actor, score, comment, call.now, call.settings)


def _web(call: Call) -> str:
    call.done()
    links = call.settings.web
    minutes = int(signin.LINK_LIFETIME.total_seconds() // 60)
    if links is None:
        raise NotAllowed(Texts.web_off)
    # Each link counts against the person's allowance, remembered with the command itself.
    if not any(call.tx.remember(key, call.now) for key in signin.rate_keys(call.actor, call.now)):
        raise NotAllowed(lambda texts: texts.web_links_used_up(minutes))
    url = links.sign_in_url(call.actor, call.command.place.workspace, call.now)
    return call.texts.web_link(url, minutes)


def _similar(call: Call) -> str:
    ticket = call.ticket()
    call.done()
    found = knowledge.similar(call.tx, ticket, knowledge.LISTED)
    lines = [call.texts.similar_line(line) for line in knowledge.similar_view(found)]
    return call.texts.similar_list(ticket, lines)


def _search(call: Call) -> str:
    words = list(call.words)
    call.words.clear()
    try:
        wanted = knowledge.filters(words, call.command.mentions, call.now)
    except knowledge.BadFilter as bad:
        raise call.usage(partial(Texts.bad_search_filter, word=bad.word)) from None
    if not wanted.words.strip():
        raise call.usage(Texts.search_for_what)
    workspace = call.command.place.workspace
    query = knowledge.search_query(workspace, wanted, call.actor, call.role)
    found = call.tx.search(query)
    return call.texts.search_results(wanted.words, [hit.ticket for hit in found])


def _solved(call: Call) -> str:
    """The customer says an answer that helped others solved theirs: resolve, deflected."""
    ticket = call.ticket()
    call.done()
    if not call.actor.same_as(ticket.customer):
        raise NotAllowed(lambda texts: texts.only_customer_solves(ticket))
    resolved = lifecycle.resolve(ticket, call.now)
    note = call.texts.deflected_note(resolved, call.settings.reopen_window)
    data = {"summary": "", "deflected": True}
    call.change(ticket, resolved, EventKind.RESOLVED, data, thread=note)
    return call.texts.deflected(resolved)


async def _digest(reading: Reading) -> str:
    reading.done()
    # Asked in one workspace, about that workspace: its leads see its tickets, not others'.
    workspace = reading.command.place.workspace
    made = await posting.build(
        reading.reports, reading.settings.digest, reading.now, workspace=workspace
    )
    return posting.render(made, reading.texts)


_TICKET = Param(
    "id", Kind.TICKET, description=N_("Ticket number (leave it out inside the ticket's thread)")
)
_MAYBE_TICKET = replace(_TICKET, required=False)
_TEXT = Param("text", Kind.TEXT, description=N_("What to write"))
_PRIORITIES = tuple(priority.value for priority in Priority)
_LIST_PARAMS = (
    Param(
        "status",
        Kind.CHOICE,
        required=False,
        choices=tuple(_LIST_STATUSES),
        description=N_("Which tickets"),
        shown="status|all",
    ),
    Param(
        "whose",
        Kind.CHOICE,
        required=False,
        choices=("mine", "unassigned"),
        description=N_("Yours, or nobody's"),
    ),
    Param(
        "priority",
        Kind.CHOICE,
        required=False,
        choices=_PRIORITIES,
        description=N_("Only tickets of this priority"),
        shown="priority",
    ),
)


def _registry(*verbs: Verb) -> dict[str, Verb]:
    return {verb.name: verb for verb in verbs}


VERBS = _registry(
    Verb("help", (), N_("show these commands"), Role.CUSTOMER, _help),
    Verb(
        "claim",
        (
            _MAYBE_TICKET,
            Param(
                "force",
                Kind.FLAG,
                required=False,
                description=N_("Leads only: take the ticket over from whoever holds it"),
            ),
        ),
        N_("take a ticket (leads: --force takes it over)"),
        Role.AGENT,
        _claim,
    ),
    Verb(
        "unclaim", (_MAYBE_TICKET,), N_("put your ticket back in the queue"), Role.AGENT, _unclaim
    ),
    Verb(
        "assign",
        (
            _TICKET,
            Param("person", Kind.PERSON, description=N_("The agent who should hold the ticket")),
        ),
        N_("give a ticket to an agent"),
        Role.AGENT,
        _assign,
    ),
    Verb(
        "priority",
        (
            _TICKET,
            Param("priority", Kind.CHOICE, choices=_PRIORITIES, description=N_("The new priority")),
        ),
        N_("change a ticket's priority"),
        Role.AGENT,
        _priority,
    ),
    Verb(
        "note", (_TICKET, _TEXT), N_("add an internal note customers never see"), Role.AGENT, _note
    ),
    Verb("waiting", (_TICKET,), N_("wait on the customer's answer"), Role.AGENT, _waiting),
    Verb(
        "resolve",
        (_TICKET, replace(_TEXT, required=False)),
        N_("mark a ticket solved, with an optional summary"),
        Role.AGENT,
        _resolve,
        customers_too=True,
        customer_summary=N_("mark your ticket solved, with an optional summary"),
    ),
    Verb("close", (_TICKET,), N_("close a resolved ticket for good"), Role.AGENT, _close),
    Verb(
        "reopen",
        (_TICKET,),
        # Discord shows this summary to everyone, so it says who may do what.
        N_("reopen a resolved ticket, or (agents) a closed one"),
        Role.AGENT,
        _reopen,
        customers_too=True,
        customer_summary=N_("reopen your resolved ticket"),
    ),
    Verb(
        "status",
        (_TICKET,),
        N_("show a ticket"),
        Role.AGENT,
        _status,
        customers_too=True,
        customer_summary=N_("show your ticket"),
    ),
    Verb("why", (_TICKET,), N_("explain a ticket's SLA clocks and due times"), Role.AGENT, _why),
    Verb(
        "list",
        _LIST_PARAMS,
        N_("show the queue"),
        Role.AGENT,
        _list,
        customers_too=True,
        customer_summary=N_("show your tickets"),
    ),
    Verb("mine", (), N_("show your active tickets"), Role.AGENT, _mine_verb, customers_too=True),
    Verb(
        "history",
        (Param("person", Kind.PERSON, description=N_("The customer")),),
        N_("a customer's tickets and how each ended"),
        Role.AGENT,
        _history,
    ),
    Verb(
        "reply",
        (
            _TICKET,
            replace(
                _TEXT,
                shown="text|:saved-reply",
                description=N_("Your answer, or :name of a saved reply"),
            ),
        ),
        N_("answer the customer in the ticket's thread, as yourself"),
        Role.AGENT,
        replies.reply,
    ),
    Verb(
        "snippet",
        (
            Param(
                "action",
                Kind.CHOICE,
                required=False,
                choices=("list", "show", "add", "remove"),
                description=N_("What to do with the saved replies"),
            ),
            Param("name", Kind.TEXT, required=False, description=N_("The saved reply's name")),
            replace(_TEXT, required=False, description=N_("Its text (for add)")),
        ),
        N_("keep saved replies: placeholders {customer}, {agent}, {ticket}, {due}"),
        Role.AGENT,
        replies.snippet,
    ),
    Verb("digest", (), N_("the leads' digest, as of now"), Role.LEAD, Report(_digest)),
    Verb(
        "forget",
        (
            Param("person", Kind.PERSON, description=N_("The person to forget")),
            Param(
                "confirm",
                Kind.CHOICE,
                required=False,
                choices=(CONFIRM,),
                description=N_("Do it (without it: what would change)"),
            ),
        ),
        N_("replace everything that identifies a person with a pseudonym"),
        Role.LEAD,
        _forget,
        erases=True,
    ),
    Verb(
        "rate",
        (
            _TICKET,
            Param(
                "score",
                Kind.TEXT,
                description=N_("Your rating: 1 (poor) to 5 (great), or up or down"),
            ),
            Param("comment", Kind.TEXT, required=False, description=N_("Anything to add")),
        ),
        N_("rate how your resolved ticket was handled, with an optional comment"),
        Role.CUSTOMER,
        _rate,
    ),
    Verb(
        "web",
        (),
        N_("a private sign-in link to the web view: the queue, transcripts, metrics"),
        Role.AGENT,
        _web,
        customers_too=True,
        customer_summary=N_("a private sign-in link to your tickets on the web"),
    ),
    Verb(
        "similar",
        (_MAYBE_TICKET,),
        N_("list resolved tickets like this one, and how they were resolved"),
        Role.AGENT,
        _similar,
    ),
    Verb(
        "search",
        (
            Param(
                "words",
                Kind.TEXT,
                description=N_(
                    "Words to find; narrow with status:resolved, customer:@person, since:7d"
                ),
            ),
        ),
        N_("search every ticket's text and notes"),
        Role.AGENT,
        _search,
        customers_too=True,
        customer_summary=N_("search your tickets"),
    ),
    Verb(
        "solved",
        (_MAYBE_TICKET,),
        N_("say a suggested answer solved your ticket"),
        Role.CUSTOMER,
        _solved,
    ),
    Verb(
        "incident",
        (
            Param(
                "action",
                Kind.CHOICE,
                required=False,
                choices=incidents.ACTIONS,
                description=N_("What to do with the incident"),
                shown="action",
            ),
            Param(
                "incident",
                Kind.TEXT,
                required=False,
                description=N_("The incident, like INC-3 (not for declare or list)"),
                shown="INC-n",
            ),
            replace(
                _TEXT,
                required=False,
                description=N_("A title, ticket numbers, a status, or the update's text"),
                shown="text|id…",
            ),
        ),
        N_("one problem, many tickets: declare, link, update all, resolve all"),
        Role.AGENT,
        incidents.incident,
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
        raise UsageError(lambda texts: texts.unknown_verb(name))
    role = settings.role_of(command.actor)
    if not verb.allows(role):
        refusal = Texts.leads_only if verb.role is Role.LEAD else Texts.agents_only
        raise NotAllowed(lambda texts: refusal(texts, verb.name))
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
        return Reply(call.texts.repeated_command(), repeated=True)
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
