"""Turn customer messages into tickets and ticket threads into conversations.

Everything here runs inside one transaction: the dedupe key, the ticket, the message, the
audit event and the notices commit together, and only then is the event acknowledged to
the platform — so a crash can neither lose an acknowledged message nor record one twice.
Intake records the conversation (messages, their edits and deletions) and describes what a
message does to its ticket; `handlers.changes` applies that (clocks, timers, the card).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from handlers import changes, lifecycle, notices
from handlers.changes import TicketChange
from handlers.incidents import spotting
from handlers.models import (
    Author,
    Event,
    EventKind,
    Inbound,
    InboundKind,
    Message,
    NewTicket,
    Role,
    Status,
    Ticket,
)
from handlers.ports import Tx
from handlers.settings import DeskSettings
from handlers.texts import SUBJECT_LIMIT, Texts, shorten, subject_of

MAX_MESSAGE_LENGTH = 100_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Outcome(StrEnum):
    OPENED = "opened"
    APPENDED = "appended"
    EDITED = "edited"
    DELETED = "deleted"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    REFUSED = "refused"


@dataclass(frozen=True)
class IntakeResult:
    """What became of an inbound event; `reply` is for its author, when they should know."""

    outcome: Outcome
    ticket_id: int | None = None
    reply: str | None = None


IGNORED = IntakeResult(Outcome.IGNORED)


def clean(text: str) -> str:
    """Replace NUL and other control characters, which no chat shows, with U+FFFD."""
    return _CONTROL.sub("\ufffd", text).rstrip()


def receive(tx: Tx, inbound: Inbound, now: datetime, settings: DeskSettings) -> IntakeResult:
    """Record one inbound message event, exactly once."""
    author = inbound.author
    if author.is_bot and author.key not in settings.allowed_bots:
        return IGNORED
    if inbound.kind is InboundKind.POSTED:
        refusal = _refusal(inbound, settings.texts_for(inbound.place.platform))
        if refusal is not None:
            return refusal
    if inbound.kind is InboundKind.POSTED:
        return _posted(tx, inbound, now, settings)
    if not tx.remember(inbound.dedupe_key, now):
        return IntakeResult(Outcome.DUPLICATE)
    if inbound.kind is InboundKind.EDITED:
        return _edited(tx, inbound, now, settings)
    return _deleted(tx, inbound, now)


def _refusal(inbound: Inbound, texts: Texts) -> IntakeResult | None:
    if len(inbound.text) > MAX_MESSAGE_LENGTH:
        reply = texts.message_too_long(len(inbound.text), MAX_MESSAGE_LENGTH)
        return IntakeResult(Outcome.REFUSED, reply=reply)
    if not inbound.text.strip() and not inbound.attachments:
        return IntakeResult(Outcome.REFUSED, reply=texts.empty_message())
    return None


def _posted(tx: Tx, inbound: Inbound, now: datetime, settings: DeskSettings) -> IntakeResult:
    if inbound.direct:
        return _direct(tx, inbound, now, settings)
    place = inbound.place
    ticket = tx.ticket_at(place) if place.thread is not None else None
    opens_here = place.thread is None and settings.is_support_channel(place.platform, place.channel)
    if ticket is None and inbound.requested_by is None and not opens_here:
        # Not the desk's (yet): leave its key unspent, so that a reply read again once its
        # thread is a ticket (a catch-up after downtime opens the root) still joins it.
        return IGNORED
    if not tx.remember(inbound.dedupe_key, now):
        return IntakeResult(Outcome.DUPLICATE)
    if ticket is None:
        return _open(tx, inbound, now, settings)
    if inbound.requested_by is not None:
        already = settings.texts_for(place.platform).already_a_ticket(ticket)
        return IntakeResult(Outcome.IGNORED, ticket.id, already)
    return _append(tx, ticket, inbound, now, settings)


def _direct(tx: Tx, inbound: Inbound, now: datetime, settings: DeskSettings) -> IntakeResult:
    """A direct message: it joins the customer's active private ticket there, or opens one.

    A resolved ticket is not reopened by the next direct message, as a reply in its thread
    would reopen it: with no thread to say which ticket a message is about, a new message
    after the resolution is taken as a new question.
    """
    platform = inbound.place.platform
    if not settings.places_of(platform).direct_messages:
        # Leave the key unspent: the message is not the desk's, as in an unwatched channel.
        reply = settings.texts_for(platform).direct_messages_off()
        return IntakeResult(Outcome.REFUSED, reply=reply)
    if not tx.remember(inbound.dedupe_key, now):
        return IntakeResult(Outcome.DUPLICATE)
    ticket = tx.direct_ticket(inbound.place)
    if ticket is None:
        return _open(tx, inbound, now, settings)
    return _append(tx, ticket, inbound, now, settings)


def _open(tx: Tx, inbound: Inbound, now: datetime, settings: DeskSettings) -> IntakeResult:
    root = inbound.place.in_thread(inbound.place.thread or inbound.message_id)
    text = clean(inbound.text)
    texts = settings.texts_for(root.platform)
    subject = subject_of(text) or _attachment_subject(inbound, texts)
    ticket = tx.insert_ticket(
        NewTicket(
            root,
            inbound.author,
            subject,
            text,
            settings.default_priority,
            now,
            inbound.permalink,
            private=inbound.direct,
        )
    )
    if ticket is None:  # a 🎫 reaction (or the message itself) made it a ticket already
        existing = tx.ticket_at(root)
        assert existing is not None
        return IntakeResult(Outcome.IGNORED, existing.id, texts.already_a_ticket(existing))
    tx.add_message(_message(ticket, inbound, Author.CUSTOMER, text, now))
    via = "reaction" if inbound.requested_by else "direct" if inbound.direct else "message"
    opened = TicketChange(
        None,
        ticket,
        inbound.requested_by or inbound.author,
        EventKind.OPENED,
        {"subject": subject, "customer": inbound.author.key, "via": via},
    )
    changes.apply(tx, opened, now, settings)
    spotting.arrived(tx, ticket, now, settings)  # one of a spike of alike tickets?
    return IntakeResult(Outcome.OPENED, ticket.id)


def _attachment_subject(inbound: Inbound, texts: Texts) -> str:
    names = ", ".join(attachment.name for attachment in inbound.attachments)
    return shorten(texts.attachment_subject(names), SUBJECT_LIMIT)


def _message(ticket: Ticket, inbound: Inbound, role: Author, text: str, now: datetime) -> Message:
    return Message(
        ticket.id,
        inbound.message_id,
        inbound.author,
        role,
        text,
        now,
        attachments=inbound.attachments,
    )


def _append(
    tx: Tx, ticket: Ticket, inbound: Inbound, now: datetime, settings: DeskSettings
) -> IntakeResult:
    is_staff = settings.role_of(inbound.author).at_least(Role.AGENT)
    role = Author.AGENT if is_staff else Author.CUSTOMER
    message = _message(ticket, inbound, role, clean(inbound.text), now)
    tx.add_message(message)
    tx.record(
        Event(
            ticket.id,
            inbound.author,
            EventKind.MESSAGE,
            now,
            {"message_id": inbound.message_id, "role": str(role)},
        )
    )
    if is_staff:
        change = _staff_replied(ticket, message, now)
    else:
        change = _customer_replied(ticket, inbound, now, settings)
    changes.apply(tx, change, now, settings)
    return IntakeResult(Outcome.APPENDED, ticket.id)


def _staff_replied(ticket: Ticket, message: Message, now: datetime) -> TicketChange:
    """Staff wrote in the thread: agent activity, and an answer (the first one is the first
    response)."""
    after = replace(ticket, updated_at=now)
    answered = changes.is_answer(message)
    return TicketChange(ticket, after, message.author, agent_activity=True, answered=answered)


def _customer_replied(
    ticket: Ticket, inbound: Inbound, now: datetime, settings: DeskSettings
) -> TicketChange:
    """The customer wrote in the thread: waiting ends, a resolved ticket may reopen."""
    changed = lifecycle.customer_replied(ticket, now, settings.reopen_window)
    texts = settings.texts_for(ticket.place.platform)
    event: EventKind | None = None
    data: dict[str, object] = {}
    said = None
    if ticket.status is Status.RESOLVED and changed.status is not Status.RESOLVED:
        event, data = EventKind.REOPENED, {"by": "customer_reply"}
        said = texts.reopened_by_reply(changed)
    elif ticket.status is Status.WAITING:
        event, data = EventKind.CUSTOMER_ANSWERED, {"status": str(changed.status)}
    elif changed.status in (Status.RESOLVED, Status.CLOSED):
        said = texts.reply_to_finished(changed)
    return TicketChange(
        ticket,
        changed,
        inbound.author,
        event,
        data,
        notices=() if said is None else (notices.in_thread(changed, said),),
        customer_wrote=True,
    )


def _edited(tx: Tx, inbound: Inbound, now: datetime, settings: DeskSettings) -> IntakeResult:
    message = tx.message(inbound.place, inbound.message_id)
    if message is None or message.deleted_at is not None:
        return IGNORED
    text = clean(inbound.text)
    if text == message.text:
        return IntakeResult(Outcome.EDITED, message.ticket_id)
    tx.edit_message(message, text, now)
    tx.record(
        Event(
            message.ticket_id,
            inbound.author,
            EventKind.MESSAGE_EDITED,
            now,
            {"message_id": message.message_id, "before": message.text, "after": text},
        )
    )
    ticket = tx.ticket(message.ticket_id)
    if ticket is not None and ticket.place.thread == message.message_id:
        # The ticket's first message is its body and names its subject (which the card shows).
        subject = subject_of(text) or ticket.subject
        changed = replace(ticket, body=text, subject=subject, updated_at=now)
        changes.apply(tx, TicketChange(ticket, changed, inbound.author), now, settings)
    return IntakeResult(Outcome.EDITED, message.ticket_id)


def _deleted(tx: Tx, inbound: Inbound, now: datetime) -> IntakeResult:
    message = tx.message(inbound.place, inbound.message_id)
    if message is None or message.deleted_at is not None:
        return IGNORED
    tx.delete_message(message, now)
    tx.record(
        Event(
            message.ticket_id,
            inbound.author,
            EventKind.MESSAGE_DELETED,
            now,
            {"message_id": message.message_id},
        )
    )
    return IntakeResult(Outcome.DELETED, message.ticket_id)
