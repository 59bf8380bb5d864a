"""One way to change a ticket: whoever changes it describes the change; `apply` does the rest.

Intake (a message, a reply, an edit), commands (and the reactions and buttons that run
them) and the timers (an automatic resolution) each build a `TicketChange` — the ticket
before and after, who did it, the audit event, the notices it sends, and what kind of
activity it was — and hand it to `apply`, which runs every consequence in one fixed order,
inside the caller's transaction:

1. settle the ticket: agent activity resets the idle wait; an agent's first public answer
   is the ticket's first response;
2. write the ticket (a new one was inserted by intake, which numbers it);
3. audit: the change's event, then `first_response` when this was the first answer;
4. move the SLA clocks: a new ticket starts its clocks; a status change runs, pauses, stops
   or resumes them; a priority change retargets them; an answer stops the response clocks;
   a customer's message after an answer starts a next-response cycle;
5. queue the notices: a new ticket's acknowledgement to its customer, the triage card
   when what it shows changed, then the change's own (notes in the ticket's thread), then
   a resolution's satisfaction survey (`handlers.satisfaction.asking`);
6. re-plan the ticket's reminders and follow-ups.

What counts as an answer — and so as the first response — is decided here (`is_answer`)
and nowhere else; the digest and the reports read the events and clocks this writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field, replace
from datetime import datetime

from handlers import knowledge, notices
from handlers.incidents.values import Incident
from handlers.models import (
    Author,
    ClockKind,
    Event,
    EventKind,
    Message,
    Notice,
    Person,
    SlaClock,
    Status,
    Ticket,
    Timer,
)
from handlers.ports import Tx
from handlers.satisfaction import asking
from handlers.settings import DeskSettings
from handlers.sla import promises, steps


@dataclass(frozen=True)
class TicketChange:
    """A change to one ticket, as whoever made it describes it.

    `before` is None for a ticket just opened. `event` is the audit record of the change
    (None when the caller audited it already, as intake does a message). `agent_activity`:
    staff worked on the ticket; `answered`: this was an answer (`is_answer`);
    `customer_wrote`: the customer wrote in the ticket's thread.
    """

    before: Ticket | None
    after: Ticket
    actor: Person | None
    event: EventKind | None = None
    data: Mapping[str, object] = field(default_factory=dict)
    _: KW_ONLY
    notices: tuple[Notice, ...] = ()
    agent_activity: bool = False
    answered: bool = False
    customer_wrote: bool = False
    relinked: bool = False  # linked to an incident or unlinked: the card says so


def is_answer(message: Message) -> bool:
    """Tell whether a message answers the customer: public, and written by an agent."""
    return message.role is Author.AGENT and not message.internal


def status_data(before: Ticket, after: Ticket, **data: object) -> dict[str, object]:
    """The audit data of a lifecycle change: the status it left and entered, and `data`."""
    return {"from": str(before.status), "to": str(after.status), **data}


def apply(tx: Tx, change: TicketChange, now: datetime, settings: DeskSettings) -> Ticket:
    """Write the change and all that follows from it; return the ticket as written."""
    after = _settled(change, now)
    if change.before is not None:
        tx.update_ticket(after)
    _audit(tx, change, after, now)
    clocks = _move_clocks(tx, change, after, now, settings)
    ack = notices.ack(after, settings) if change.before is None else None
    survey = asking.ask(tx, after, now, settings) if _resolves(change) else ()
    # A new ticket is held by no incident yet: only a change to an existing one reads it.
    holding = tx.holding(after.id) if change.before is not None else None
    card = _card_update(tx, change.before, after, holding, now, settings, forced=change.relinked)
    if change.before is not None:  # a new ticket's likes are looked for once it is written
        card = knowledge.told(tx, after, card, settings)
    notices.send(tx, now, ack, card, *change.notices, *survey)
    # A new ticket has no steps yet and its clocks are at hand: plan without reading them.
    history: list[Timer] | None = None if clocks is None else []
    steps.plan(tx, after, settings, clocks=clocks, history=history, held=holding is not None)
    return after


def _settled(change: TicketChange, now: datetime) -> Ticket:
    """The ticket with the activity the change was: agent work, the first response."""
    after = change.after
    if change.agent_activity:
        after = replace(after, last_agent_activity_at=now)
    if _first_answer(change):
        after = replace(after, first_response_at=now)
    return after


def _resolves(change: TicketChange) -> bool:
    """Whether the change is a resolution: the ticket becomes resolved."""
    before = change.before
    return (
        before is not None
        and before.status is not Status.RESOLVED
        and change.after.status is Status.RESOLVED
    )


def _first_answer(change: TicketChange) -> bool:
    return change.answered and change.after.first_response_at is None


def _audit(tx: Tx, change: TicketChange, after: Ticket, now: datetime) -> None:
    if change.event is not None:
        tx.record(Event(after.id, change.actor, change.event, now, dict(change.data)))
    if _first_answer(change):
        waited = int((now - after.created_at).total_seconds())
        tx.record(
            Event(after.id, change.actor, EventKind.FIRST_RESPONSE, now, {"after_seconds": waited})
        )


def _move_clocks(
    tx: Tx, change: TicketChange, after: Ticket, now: datetime, settings: DeskSettings
) -> dict[ClockKind, SlaClock] | None:
    """Bring the SLA clocks in line with the change; return a new ticket's fresh clocks."""
    before = change.before
    if before is None:
        return promises.opened(tx, after, now, settings)
    if after.status != before.status:
        promises.follow_status(tx, after, now, settings)
    if after.priority != before.priority:
        promises.reprioritised(tx, after, now, settings)
    if change.answered:
        promises.answered(tx, after, now, settings)
    if change.customer_wrote:
        promises.customer_wrote(tx, after, now, settings)
    return None


def _card_update(
    tx: Tx,
    before: Ticket | None,
    after: Ticket,
    holding: Incident | None,
    now: datetime,
    settings: DeskSettings,
    *,
    forced: bool = False,
) -> Notice | None:
    """The ticket's triage card, when it shows something new (a new ticket's, always);
    `holding` is the open incident holding it, if any."""
    if settings.places_of(after.place.platform).triage_channel is None:
        return None
    history = tx.customer_history(after, now - notices.HISTORY_WINDOW, notices.HISTORY_CAP)
    incident = None if holding is None else f"{holding.ref}: {holding.title}"
    card = notices.card(after, settings, history, incident)
    if forced or before is None:
        return card
    if card == notices.card(before, settings, history, incident):
        return None
    return card


def card_now(tx: Tx, ticket: Ticket, now: datetime, settings: DeskSettings) -> Notice | None:
    """The ticket's triage card as it stands, with its similar tickets (None: no triage)."""
    card = _card_update(tx, None, ticket, tx.holding(ticket.id), now, settings)
    return knowledge.told(tx, ticket, card, settings)
