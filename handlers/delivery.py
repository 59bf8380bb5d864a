"""What a delivered notice leaves behind: its record, and the bot's words in the ticket."""

from __future__ import annotations

from datetime import datetime

from handlers.models import Author, Message, NoticeKind, Person, Queued
from handlers.ports import Tx

_SPOKEN_IN_THREAD = frozenset({NoticeKind.ACK, NoticeKind.THREAD, NoticeKind.REMINDER})


def bot_person(platform: str) -> Person:
    return Person(platform, "deskbot", "deskbot", is_bot=True)


def delivered(tx: Tx, queued: Queued, message_id: str, now: datetime) -> None:
    """Mark the notice sent; what the bot said in a ticket's thread joins its conversation."""
    tx.mark_sent(queued, message_id, now)
    notice = queued.notice
    if notice.ticket_id is not None and notice.kind in _SPOKEN_IN_THREAD and notice.place.thread:
        author = bot_person(notice.place.platform)
        tx.add_message(Message(notice.ticket_id, message_id, author, Author.BOT, notice.text, now))
