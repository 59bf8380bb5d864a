"""Build the notices a ticket change sends: the ack, the triage card, notes in the thread."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.models import Card, CustomerHistory, Notice, NoticeKind, Place, Status, Ticket
from handlers.ports import OutboxTx
from handlers.settings import DeskSettings
from handlers.sla import promises
from handlers.texts import shorten

# The card says how many tickets the customer opened in this long ("3 tickets in 30 days").
HISTORY_WINDOW = timedelta(days=30)
HISTORY_CAP = 100  # counts stop here: the card says "100+"


def ack(ticket: Ticket, settings: DeskSettings) -> Notice:
    """The first answer in the customer's thread: the ticket number and when to expect a reply."""
    promise = promises.first_response_promise(ticket, settings)
    texts = settings.texts_for(ticket.place.platform)
    if promise is None:
        text = texts.ack(ticket, None, "", settings.timezone)
    else:
        within = texts.span(
            promise.within.days, promise.within.rest, business=promise.business_hours
        )
        text = texts.ack(ticket, promise.due, within, settings.timezone)
    if ticket.private:
        text += "\n" + texts.private_conversation(ticket)
    web_url = _web_url(ticket, settings)
    if web_url is not None:
        text += "\n" + texts.web_page(web_url)
    # A private ticket's conversation is a direct-message channel: no thread to start.
    title = None if ticket.private else shorten(texts.thread_title(ticket), 100)
    return Notice(
        NoticeKind.ACK, ticket.conversation, text, ticket_id=ticket.id, thread_title=title
    )


def card(
    ticket: Ticket,
    settings: DeskSettings,
    history: CustomerHistory | None = None,
    incident: str | None = None,
) -> Notice | None:
    """The agents' card for the ticket in the triage place, if the platform has one.

    `incident` names the open incident holding the ticket: the card shows it, and asks
    nobody to claim a ticket the incident answers for.
    """
    triage = settings.places_of(ticket.place.platform).triage_channel
    if triage is None:
        return None
    view = Card(
        ticket_id=ticket.id,
        subject=ticket.subject,
        customer=ticket.customer.name,
        status=ticket.status,
        priority=ticket.priority,
        assignee=ticket.assignee.name if ticket.assignee else None,
        # A link into the customer's direct messages opens for nobody else: none is shown.
        permalink=None if ticket.private else ticket.permalink,
        opened_at=ticket.created_at,
        actions=card_actions(ticket, held=incident is not None),
        first_response_at=ticket.first_response_at,
        history=history,
        web_url=_web_url(ticket, settings),
        private=ticket.private,
        incident=incident,
    )
    place = Place(ticket.place.workspace, triage)
    texts = settings.texts_for(ticket.place.platform)
    text = texts.card_text(ticket, history)
    if ticket.private:
        text = f"{texts.private_label()} · {text}"
    if incident is not None:
        text += " · " + texts.incident_card_line(incident)
    return Notice(NoticeKind.CARD, place, text, ticket_id=ticket.id, card=view)


def _web_url(ticket: Ticket, settings: DeskSettings) -> str | None:
    links = settings.web
    return None if links is None else links.ticket_url(ticket.place.workspace, ticket.id)


def card_actions(ticket: Ticket, *, held: bool = False) -> tuple[str, ...]:
    """The buttons a card offers in the ticket's status (held by an incident: no claim)."""
    if ticket.status is Status.OPEN:
        actions = ("reply", "resolve", "priority")
        return actions if held else ("claim", *actions)
    if ticket.status in (Status.CLAIMED, Status.WAITING):
        return ("reply", "resolve", "priority")
    if ticket.status is Status.RESOLVED:
        return ("reopen",)
    return ()


def in_thread(ticket: Ticket, text: str) -> Notice:
    """A note to the customer in the ticket's conversation (its thread, or their DM)."""
    return Notice(NoticeKind.THREAD, ticket.conversation, text, ticket_id=ticket.id)


def send(tx: OutboxTx, now: datetime, *notices: Notice | None) -> None:
    """Queue the notices that exist, in order."""
    for notice in notices:
        if notice is not None:
            tx.enqueue(notice, now)
