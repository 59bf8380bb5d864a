"""What a delivered notice leaves behind: its record, and the bot's words in the ticket."""

from __future__ import annotations

from datetime import datetime

from handlers.models import Author, Message, NoticeKind, Person, Place, Queued
from handlers.ports import Tx

_SPOKEN_IN_THREAD = frozenset({NoticeKind.ACK, NoticeKind.THREAD, NoticeKind.REMINDER})


def bot_person(platform: str) -> Person:
    return Person(platform, "deskbot", "deskbot", is_bot=True)


def delivered(tx: Tx, queued: Queued, message_id: str, now: datetime) -> None:
    """Mark the notice sent; what the bot said in a ticket's thread joins its conversation."""
    tx.mark_sent(queued, message_id, now)
    notice = queued.notice
    if notice.ticket_id is None or notice.kind not in _SPOKEN_IN_THREAD:
        return
    if notice.place.thread or _in_direct_conversation(tx, notice.ticket_id, notice.place):
        author = bot_person(notice.place.platform)
        tx.add_message(Message(notice.ticket_id, message_id, author, Author.BOT, notice.text, now))


def _in_direct_conversation(tx: Tx, ticket_id: int, place: Place) -> bool:
    """Whether `place` is a private ticket's conversation (a DM has no thread to go by)."""
    ticket = tx.ticket(ticket_id)
    return ticket is not None and ticket.private and ticket.conversation == place
