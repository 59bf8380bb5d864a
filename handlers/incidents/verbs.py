"""`/ticket incident declare|link|unlink|status|update|resolve|show|list`.

Agents and leads run incidents (customers are refused by the verb's role). Each action
reads the incident named `INC-3` (or `3`) in the workspace the command came from.
"""

from __future__ import annotations

import re

from handlers import notices
from handlers.calls import Call
from handlers.errors import IllegalTransition, UsageError
from handlers.incidents import postmortem, spotting, telling
from handlers.incidents.values import Incident, IncidentStatus, reference
from handlers.models import Status, Ticket

ACTIONS = ("declare", "link", "unlink", "status", "update", "resolve", "show", "list")
STATUSES = tuple(str(status) for status in IncidentStatus if status is not IncidentStatus.RESOLVED)
_TICKET = re.compile(r"#?(\d{1,18})")


def incident(call: Call) -> str:
    """Run one incident action; `incident <id>` declares one from the ticket's spike, and
    `incident <id> <INC>` links the ticket to the incident suggested for it."""
    action = call.words.pop(0).lower() if call.words else "list"
    if _TICKET.fullmatch(action):
        ticket_id = int(action.lstrip("#"))
        return _suggested(call, ticket_id) if call.words else _from_spike(call, ticket_id)
    runner = _RUNNERS.get(action)
    if runner is None:
        raise call.usage(lambda texts: texts.incident_actions())
    return runner(call)


def _declare(call: Call) -> str:
    title = " ".join(call.rest().split())
    if not title:
        raise call.usage(lambda texts: texts.incident_title_empty())
    workspace = call.command.place.workspace
    declared = telling.declare(call.tx, workspace, title, call.actor, call.now, call.settings)
    return call.texts.incident_declared(declared)


def _from_spike(call: Call, ticket_id: int) -> str:
    """Declare the incident a spike alert suggests, and link the spike's tickets to it."""
    call.done()
    spike = call.tx.spike_of(ticket_id)
    if spike is None or spike.workspace != call.command.place.workspace:
        raise UsageError(lambda texts: texts.no_spike(ticket_id))
    if spike.incident is not None:
        number = spike.incident
        raise IllegalTransition(lambda texts: texts.spike_declared_already(number))
    workspace = spike.workspace
    declared = telling.declare(
        call.tx, workspace, spike.title, call.actor, call.now, call.settings, spike.started_at
    )
    call.tx.declare_spike(spike.id, declared.number)
    notices.send(call.tx, call.now, spotting.alert(spike, call.settings, declared.ref))
    linked = 0
    for number in call.tx.spike_tickets(spike.id):
        ticket = call.tx.ticket(number)
        if ticket is not None and ticket.status is not Status.CLOSED:
            linked += telling.link(call.tx, declared, ticket, call.actor, call.now, call.settings)
    total = call.tx.linked_count(declared.number)
    if linked:
        telling.linked_moment(call.tx, declared, call.actor, linked, total, call.now)
    said = call.texts.incident_linked(declared, linked, total)
    return f"{call.texts.incident_declared(declared)}\n{said}"


def _named(call: Call, *, open_only: bool = True) -> Incident:
    """Read the incident the next word names; refuse one that is resolved, if asked to."""
    if not call.words:
        raise call.usage(lambda texts: texts.which_incident())
    word = call.words.pop(0)
    number = reference(word)
    found = call.tx.incident(number) if number is not None else None
    if found is None or found.workspace != call.command.place.workspace:
        raise UsageError(lambda texts: texts.no_such_incident(word))
    if open_only and not found.open:
        raise IllegalTransition(lambda texts: texts.incident_is_resolved(found))
    return found


def _tickets(call: Call) -> tuple[list[Ticket], list[str]]:
    """The tickets the remaining words name, and a sentence for each word that names none."""
    words = list(call.words)
    call.words.clear()
    if not words:
        raise call.usage(lambda texts: texts.which_tickets_to_link())
    found, problems = [], []
    workspace = call.command.place.workspace
    for word in words:
        match = _TICKET.fullmatch(word)
        ticket = call.tx.ticket(int(match.group(1))) if match else None
        if ticket is None or ticket.place.workspace != workspace:
            problems.append(call.texts.no_ticket_here(word))
        elif ticket not in found:
            found.append(ticket)
    return found, problems


def _suggested(call: Call, ticket_id: int) -> str:
    """Link the ticket to the open incident its suggestion named (its **Link to** button)."""
    named = _named(call)
    call.done()
    ticket = call.tx.ticket(ticket_id)
    if ticket is None or ticket.place.workspace != call.command.place.workspace:
        raise UsageError(lambda texts: texts.no_ticket_here(str(ticket_id)))
    free = call.tx.holding(ticket.id) is None
    answer = _linked(call, named, [ticket], [])
    held = call.tx.holding(ticket.id)
    if free and held is not None and held.number == named.number:  # this press linked it
        said = spotting.suggestion(ticket, named, call.settings, linked_by=call.actor.name)
        notices.send(call.tx, call.now, said)
    return answer


def _link(call: Call) -> str:
    named = _named(call)
    tickets, problems = _tickets(call)
    return _linked(call, named, tickets, problems)


def _linked(call: Call, named: Incident, tickets: list[Ticket], problems: list[str]) -> str:
    """Link each ticket that is free to be; say how many, and why not the others."""
    linked = 0
    for ticket in tickets:
        other = call.tx.holding(ticket.id)
        if ticket.status is Status.CLOSED:
            problems.append(call.texts.not_linkable(ticket.id))
        elif other is not None and other.number != named.number:
            problems.append(call.texts.held_elsewhere(ticket.id, other))
        elif other is None:
            linked += telling.link(call.tx, named, ticket, call.actor, call.now, call.settings)
    total = call.tx.linked_count(named.number)
    if linked:
        telling.linked_moment(call.tx, named, call.actor, linked, total, call.now)
    return "\n".join([call.texts.incident_linked(named, linked, total), *problems])


def _unlink(call: Call) -> str:
    named = _named(call)
    tickets, problems = _tickets(call)
    unlinked = 0
    for ticket in tickets:
        if telling.unlink(call.tx, named, ticket, call.actor, call.now, call.settings):
            unlinked += 1
        else:
            problems.append(call.texts.not_linked(ticket.id, named))
    total = call.tx.linked_count(named.number)
    if unlinked:
        telling.unlinked_moment(call.tx, named, call.actor, unlinked, total, call.now)
    return "\n".join([call.texts.incident_unlinked(named, unlinked, total), *problems])


def _status(call: Call) -> str:
    named = _named(call)
    word = call.words.pop(0).lower() if call.words else ""
    call.done()
    if word not in STATUSES:
        choices = "|".join(STATUSES)
        raise call.usage(lambda texts: texts.incident_status_must_be(choices))
    changed = telling.set_status(
        call.tx, named, IncidentStatus(word), call.actor, call.now, call.settings
    )
    return call.texts.incident_status_set(changed)


def _text(call: Call) -> str:
    text = call.rest().strip()
    if not text:
        raise call.usage(lambda texts: texts.incident_update_empty())
    return text


def _update(call: Call) -> str:
    named = _named(call)
    text = _text(call)
    told = telling.update(call.tx, named, call.actor, text, call.now, call.settings)
    return call.texts.incident_update_queued(named, told)


def _resolve(call: Call) -> str:
    named = _named(call)
    text = _text(call)
    told, resolved = telling.resolve(call.tx, named, call.actor, text, call.now, call.settings)
    return call.texts.incident_resolved(named, told, resolved)


def _show(call: Call) -> str:
    named = _named(call, open_only=False)
    call.done()
    return postmortem.show(call.tx, named, call.now, call.settings)


def _list(call: Call) -> str:
    call.done()
    found = call.tx.incidents(call.command.place.workspace)
    return call.texts.incident_list([(i, call.tx.linked_count(i.number)) for i in found])


_RUNNERS = {
    "declare": _declare,
    "link": _link,
    "unlink": _unlink,
    "status": _status,
    "update": _update,
    "resolve": _resolve,
    "show": _show,
    "list": _list,
}
