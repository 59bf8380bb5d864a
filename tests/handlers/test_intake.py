"""Intake: customer messages become tickets, thread replies become conversation."""

from __future__ import annotations

import pytest

from handlers.desk import Desk
from handlers.intake import MAX_MESSAGE_LENGTH, Outcome
from handlers.models import Attachment, Author, InboundKind, NoticeKind, Person, Place, Status
from storage.store import SqliteStore
from tests.builders import (
    ALICE,
    BOB,
    SUPPORT,
    WORKSPACE,
    message,
    open_ticket,
    post,
    rows,
    settings,
)
from tests.clock import FakeClock

# These exercise the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores


async def test_message_in_support_channel_opens_ticket(desk: Desk) -> None:
    """A message in a support channel opens a numbered ticket with subject, body and customer."""
    result = await post(desk, ALICE, "  My printer is on fire\nIt smells of toast.")
    assert result.outcome is Outcome.OPENED
    ticket = await desk.ticket(result.ticket_id or 0)
    assert ticket is not None
    assert ticket.subject == "My printer is on fire"
    assert ticket.body == "  My printer is on fire\nIt smells of toast."
    assert ticket.customer.same_as(ALICE)
    assert ticket.status is Status.OPEN


async def test_ticket_numbers_count_up(desk: Desk) -> None:
    """Tickets are numbered 1, 2, 3 in the order they arrive."""
    assert [await open_ticket(desk) for _ in range(3)] == [1, 2, 3]


async def test_long_first_line_makes_a_shortened_subject(desk: Desk) -> None:
    """The subject is the first line, cut to 80 characters with an ellipsis."""
    ticket_id = await open_ticket(desk, text="word " * 40)
    ticket = await desk.ticket(ticket_id)
    assert ticket is not None
    assert len(ticket.subject) == 80
    assert ticket.subject.endswith("…")


async def test_message_outside_support_channels_is_ignored(desk: Desk) -> None:
    """Chatter in other channels opens nothing."""
    result = await post(desk, ALICE, "hello", place=Place(WORKSPACE, "random"))
    assert result.outcome is Outcome.IGNORED
    assert await desk.ticket(1) is None


async def test_bot_messages_are_ignored(desk: Desk) -> None:
    """The bot's own (and other bots') messages never open tickets."""
    robot = Person("console", "deskbot", "deskbot", is_bot=True)
    result = await post(desk, robot, "Thanks! This is ticket #1.")
    assert result.outcome is Outcome.IGNORED


async def test_allow_listed_bot_opens_tickets(store: SqliteStore, clock: FakeClock) -> None:
    """A bot named in the allow-list (say, a monitoring bot) may open tickets."""

    monitor = Person("console", "pagerbot", "pagerbot", is_bot=True)
    desk = Desk(store, clock, settings(allowed_bots=frozenset({"console:pagerbot"})))
    assert (await post(desk, monitor, "disk full on db-1")).outcome is Outcome.OPENED


async def test_same_event_delivered_twice_is_recorded_once(desk: Desk, store: SqliteStore) -> None:
    """A redelivered event (same dedupe key) changes nothing the second time."""
    event = message(ALICE, "printer on fire")
    first, second = await desk.receive(event), await desk.receive(event)
    assert (first.outcome, second.outcome) == (Outcome.OPENED, Outcome.DUPLICATE)
    counts = await rows(
        store,
        "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM outbox),"
        " (SELECT count(*) FROM events)",
    )
    assert counts == [(1, 2, 1)]


async def test_opening_queues_ack_in_thread_and_triage_card(desk: Desk, store: SqliteStore) -> None:
    """The ack goes in the customer's thread with the promise; a card goes to triage."""
    result = await post(desk, ALICE, "printer on fire", message_id="m-root")
    due = await store.read(lambda tx: tx.due_notices(desk.clock.now(), 10))
    kinds = {queued.notice.kind: queued.notice for queued in due}
    ack, card = kinds[NoticeKind.ACK], kinds[NoticeKind.CARD]
    assert ack.place == SUPPORT.in_thread("m-root")
    assert f"ticket #{result.ticket_id}" in ack.text
    assert "within 4 hours (by Tue 24 Nov 14:00 UTC)" in ack.text
    assert card.place == Place(WORKSPACE, "triage")
    assert card.card is not None and card.card.actions == ("claim", "reply", "resolve", "priority")


async def test_reply_in_ticket_thread_joins_conversation(desk: Desk, store: SqliteStore) -> None:
    """Replies in the ticket's thread are stored by role: customer or agent."""
    await post(desk, ALICE, "printer on fire", message_id="root")
    thread = SUPPORT.in_thread("root")
    await post(desk, BOB, "turn it off?", place=thread)
    await post(desk, ALICE, "done, thanks", place=thread)
    messages = await store.read(lambda tx: tx.messages(1, include_internal=True))
    assert [(m.role, m.text) for m in messages] == [
        (Author.CUSTOMER, "printer on fire"),
        (Author.AGENT, "turn it off?"),
        (Author.CUSTOMER, "done, thanks"),
    ]


async def test_agent_reply_in_thread_is_first_response(desk: Desk, clock: FakeClock) -> None:
    """The first agent reply in the thread sets the first response time; later ones don't."""
    await post(desk, ALICE, "printer on fire", message_id="root")
    clock.advance(minutes=7)
    await post(desk, BOB, "looking", place=SUPPORT.in_thread("root"))
    clock.advance(minutes=7)
    await post(desk, BOB, "still looking", place=SUPPORT.in_thread("root"))
    ticket = await desk.ticket(1)
    assert ticket is not None and ticket.first_response_at == clock.now().replace(minute=7)


async def test_customer_reply_does_not_count_as_first_response(desk: Desk) -> None:
    """A customer's own follow-up is not a response."""
    await post(desk, ALICE, "printer on fire", message_id="root")
    await post(desk, ALICE, "also it beeps", place=SUPPORT.in_thread("root"))
    ticket = await desk.ticket(1)
    assert ticket is not None and ticket.first_response_at is None


async def test_reply_in_unknown_thread_is_ignored(desk: Desk) -> None:
    """A thread that is no ticket's thread opens nothing."""
    result = await post(desk, ALICE, "hi", place=SUPPORT.in_thread("not-a-ticket"))
    assert result.outcome is Outcome.IGNORED


async def test_reply_ignored_before_its_thread_was_a_ticket_joins_it_when_seen_again(
    desk: Desk, store: SqliteStore
) -> None:
    """A reply read before its root became a ticket (live during a catch-up) joins it later."""
    reply = message(BOB, "looking", place=SUPPORT.in_thread("root"), message_id="reply")
    first = await desk.receive(reply)
    await post(desk, ALICE, "printer on fire", message_id="root")
    again = await desk.receive(reply)
    assert (first.outcome, again.outcome) == (Outcome.IGNORED, Outcome.APPENDED)
    messages = await store.read(lambda tx: tx.messages(1, include_internal=True))
    assert [m.text for m in messages] == ["printer on fire", "looking"]


async def test_edit_updates_text_and_is_audited(desk: Desk, store: SqliteStore) -> None:
    """An edit replaces the stored text (and the subject, for the first message) and is audited."""
    await post(desk, ALICE, "printr on fire", message_id="root")
    edit = message(
        ALICE, "printer on fire", message_id="root", kind=InboundKind.EDITED, dedupe_key="edit-1"
    )
    assert (await desk.receive(edit)).outcome is Outcome.EDITED
    ticket = await desk.ticket(1)
    assert ticket is not None and ticket.subject == "printer on fire"
    events = await rows(store, "SELECT data FROM events WHERE kind = 'message_edited'")
    assert '"before": "printr on fire"' in events[0][0]


async def test_edit_with_a_lone_surrogate_is_stored(desk: Desk, store: SqliteStore) -> None:
    """An edit that leaves half an emoji is stored with U+FFFD, not refused by storage."""
    await post(desk, ALICE, "printer on fire", message_id="root")
    edit = message(ALICE, "printer on fire \ud83d", message_id="root", kind=InboundKind.EDITED)
    assert (await desk.receive(edit)).outcome is Outcome.EDITED
    assert await rows(store, "SELECT text FROM messages") == [("printer on fire \ufffd",)]


async def test_names_with_a_lone_surrogate_are_stored(desk: Desk, store: SqliteStore) -> None:
    """A customer's display name and a file's name with half an emoji still open the ticket."""
    customer = Person("console", "ana", "Ana \ud83d")
    inbound = message(customer, "", attachments=(Attachment("shot\ud83d.png", "file://1"),))
    assert (await desk.receive(inbound)).outcome is Outcome.OPENED
    assert await rows(store, "SELECT customer_name, subject FROM tickets") == [
        ("Ana \ufffd", "(attachment: shot\ufffd.png)")
    ]


async def test_delete_marks_message_without_erasing(desk: Desk, store: SqliteStore) -> None:
    """A deleted message keeps its text and gains a deletion time."""
    await post(desk, ALICE, "printer on fire", message_id="root")
    await desk.receive(message(ALICE, "", message_id="root", kind=InboundKind.DELETED))
    messages = await store.read(lambda tx: tx.messages(1, include_internal=False))
    assert messages[0].text == "printer on fire"
    assert messages[0].deleted_at is not None


@pytest.mark.parametrize(
    ("text", "outcome", "stored"),
    [
        ("", Outcome.REFUSED, None),
        ("   \n\t ", Outcome.REFUSED, None),
        ("x" * 40_000, Outcome.OPENED, "x" * 40_000),
        ("x" * (MAX_MESSAGE_LENGTH + 1), Outcome.REFUSED, None),
        ("🔥🖨️ printer 🔥", Outcome.OPENED, "🔥🖨️ printer 🔥"),
        ("הדפסת לא עובדת", Outcome.OPENED, "הדפסת לא עובדת"),
        ("nul\x00byte", Outcome.OPENED, "nul\ufffdbyte"),
        ("half an emoji \ud83d", Outcome.OPENED, "half an emoji \ufffd"),
        ("'); DROP TABLE tickets; --", Outcome.OPENED, "'); DROP TABLE tickets; --"),
        ("@everyone the printer", Outcome.OPENED, "@everyone the printer"),
    ],
    ids=[
        "empty",
        "whitespace",
        "40k",
        "too-long",
        "emoji",
        "rtl",
        "nul",
        "lone surrogate",
        "sql",
        "everyone",
    ],
)
async def test_bad_input_is_stored_or_refused_cleanly(
    desk: Desk, store: SqliteStore, text: str, outcome: Outcome, stored: str | None
) -> None:
    """Odd messages are stored faithfully or refused with a sentence; nothing breaks."""
    result = await post(desk, ALICE, text)
    assert result.outcome is outcome
    if stored is None:
        assert result.reply
        assert await desk.ticket(1) is None
    else:
        ticket = await desk.ticket(1)
        assert ticket is not None and ticket.body == stored
    if isinstance(store, SqliteStore):  # PostgreSQL has no file of its own to check
        assert await rows(store, "PRAGMA integrity_check") == [("ok",)]


async def test_echoed_text_never_mass_mentions(desk: Desk, store: SqliteStore) -> None:
    """A customer's @everyone in the subject is neutralised in every notice."""
    await post(desk, ALICE, "@everyone @here @channel help")
    due = await store.read(lambda tx: tx.due_notices(desk.clock.now(), 10))
    for queued in due:
        for word in ("@everyone", "@here", "@channel"):
            assert word not in queued.notice.text
