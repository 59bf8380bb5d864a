"""Turn customer messages into tickets and ticket threads into conversations.

Everything here runs inside one transaction: the dedupe key, the ticket, the message, the
audit event and the notices commit together, and only then is the event acknowledged to
the platform — so a crash can neither lose an acknowledged message nor record one twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from handlers import lifecycle, notices, sla, texts, timers
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
        refusal = _refusal(inbound)
        if refusal is not None:
            return refusal
    if inbound.kind is InboundKind.POSTED:
        return _posted(tx, inbound, now, settings)
    if not tx.remember(inbound.dedupe_key, now):
        return IntakeResult(Outcome.DUPLICATE)
    if inbound.kind is InboundKind.EDITED:
        return _edited(tx, inbound, now, settings)
    return _deleted(tx, inbound, now)


def _refusal(inbound: Inbound) -> IntakeResult | None:
    if len(inbound.text) > MAX_MESSAGE_LENGTH:
        reply = texts.message_too_long(len(inbound.text), MAX_MESSAGE_LENGTH)
        return IntakeResult(Outcome.REFUSED, reply=reply)
    if not inbound.text.strip() and not inbound.attachments:
        return IntakeResult(Outcome.REFUSED, reply=texts.empty_message())
    return None


def _posted(tx: Tx, inbound: Inbound, now: datetime, settings: DeskSettings) -> IntakeResult:
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
        return IntakeResult(Outcome.IGNORED, ticket.id, texts.already_a_ticket(ticket))
    return _append(tx, ticket, inbound, now, settings)


def _open(tx: Tx, inbound: Inbound, now: datetime, settings: DeskSettings) -> IntakeResult:
    root = inbound.place.in_thread(inbound.place.thread or inbound.message_id)
    text = clean(inbound.text)
    subject = texts.subject_of(text) or _attachment_subject(inbound)
    ticket = tx.insert_ticket(
        NewTicket(
            root, inbound.author, subject, text, settings.default_priority, now, inbound.permalink
        )
    )
    if ticket is None:  # a 🎫 reaction (or the message itself) made it a ticket already
        existing = tx.ticket_at(root)
        assert existing is not None
        return IntakeResult(Outcome.IGNORED, existing.id, texts.already_a_ticket(existing))
    tx.add_message(_message(ticket, inbound, Author.CUSTOMER, text, now))
    via = "reaction" if inbound.requested_by else "message"
    tx.record(
        Event(
            ticket.id,
            inbound.requested_by or inbound.author,
            EventKind.OPENED,
            now,
            {"subject": subject, "customer": inbound.author.key, "via": via},
        )
    )
    notices.send(tx, now, notices.ack(ticket, settings), notices.card(ticket, settings))
    clocks = sla.opened(tx, ticket, now, settings)
    timers.plan(tx, ticket, settings, clocks=clocks, history=[])
    return IntakeResult(Outcome.OPENED, ticket.id)


def _attachment_subject(inbound: Inbound) -> str:
    names = ", ".join(attachment.name for attachment in inbound.attachments)
    return texts.shorten(f"(attachment: {names})", texts.SUBJECT_LIMIT)


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
    tx.add_message(_message(ticket, inbound, role, clean(inbound.text), now))
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
        changed = _agent_replied(tx, ticket, inbound, now)
    else:
        changed = _customer_replied(tx, ticket, inbound, now, settings)
    tx.update_ticket(changed)
    if changed.status != ticket.status:
        sla.follow_status(tx, changed, now, settings)
    if is_staff:
        sla.answered(tx, changed, now, settings)
    else:
        sla.customer_wrote(tx, changed, now, settings)
    if changed.status != ticket.status or changed.first_response_at != ticket.first_response_at:
        notices.send(tx, now, notices.card(changed, settings))
    timers.plan(tx, changed, settings)
    return IntakeResult(Outcome.APPENDED, ticket.id)


def _agent_replied(tx: Tx, ticket: Ticket, inbound: Inbound, now: datetime) -> Ticket:
    ticket = replace(ticket, last_agent_activity_at=now)
    if ticket.first_response_at is not None:
        return replace(ticket, updated_at=now)
    tx.record(
        Event(
            ticket.id,
            inbound.author,
            EventKind.FIRST_RESPONSE,
            now,
            {"after_seconds": int((now - ticket.created_at).total_seconds())},
        )
    )
    return replace(ticket, first_response_at=now, updated_at=now)


def _customer_replied(
    tx: Tx, ticket: Ticket, inbound: Inbound, now: datetime, settings: DeskSettings
) -> Ticket:
    changed = lifecycle.customer_replied(ticket, now, settings.reopen_window)
    if ticket.status is Status.RESOLVED and changed.status is not Status.RESOLVED:
        tx.record(
            Event(ticket.id, inbound.author, EventKind.REOPENED, now, {"by": "customer_reply"})
        )
        notices.send(tx, now, notices.in_thread(changed, texts.reopened_by_reply(changed)))
    elif ticket.status is Status.WAITING:
        tx.record(
            Event(
                ticket.id,
                inbound.author,
                EventKind.CUSTOMER_ANSWERED,
                now,
                {"status": str(changed.status)},
            )
        )
    elif changed.status in (Status.RESOLVED, Status.CLOSED):
        notices.send(tx, now, notices.in_thread(changed, texts.reply_to_finished(changed)))
    return changed


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
        subject = texts.subject_of(text) or ticket.subject
        changed = replace(ticket, body=text, subject=subject, updated_at=now)
        tx.update_ticket(changed)
        if subject != ticket.subject:
            notices.send(tx, now, notices.card(changed, settings))
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
