"""Tickets, their conversation and their audit trail."""

from __future__ import annotations

from dataclasses import replace

from handlers.digest.rows import FlowCount, Window
from handlers.models import (
    ACTIVE_STATUSES,
    Author,
    CustomerHistory,
    Event,
    Message,
    Place,
    Priority,
    Status,
    TicketQuery,
)
from handlers.ports import Store
from tests.builders import ALICE, BOB, SUPPORT
from tests.clock import START
from tests.storage.contract.values import later, new_ticket, opened


async def test_an_inbound_key_is_remembered_once(store: Store) -> None:
    """The first time a key is seen it is recorded (True); every later time, False."""
    assert await store.transact(lambda tx: tx.remember("slack:1", START)) is True
    assert await store.transact(lambda tx: tx.remember("slack:1", later(minutes=1))) is False
    assert await store.transact(lambda tx: tx.remember("slack:2", START)) is True


async def test_a_new_ticket_is_numbered_and_stored(store: Store) -> None:
    """Each new ticket gets a new, larger number, and reads back as it was returned."""
    first, second = await opened(store, "1.0"), await opened(store, "2.0")
    assert second.id > first.id
    assert first.status is Status.OPEN
    assert await store.read(lambda tx: tx.ticket(first.id)) == first
    assert await store.read(lambda tx: tx.ticket_at(second.place)) == second


async def test_a_thread_holds_one_ticket(store: Store) -> None:
    """A second ticket for a thread that already has one is not stored (None)."""
    await opened(store, "1.0")
    assert await store.transact(lambda tx: tx.insert_ticket(new_ticket("1.0"))) is None


async def test_a_refused_ticket_uses_up_no_number(store: Store) -> None:
    """Numbers run on without gaps: a thread's second ticket, refused, takes none."""
    first = await opened(store, "1.0")
    await store.transact(lambda tx: tx.insert_ticket(new_ticket("1.0")))
    assert (await opened(store, "2.0")).id == first.id + 1


async def test_no_ticket_is_found_where_none_is(store: Store) -> None:
    """Unknown numbers, unknown threads and a channel without a thread find nothing."""
    await opened(store, "1.0")
    assert await store.read(lambda tx: tx.ticket(999)) is None
    assert await store.read(lambda tx: tx.ticket_at(replace(SUPPORT, thread="9.0"))) is None
    assert await store.read(lambda tx: tx.ticket_at(SUPPORT)) is None


async def test_an_updated_ticket_reads_back_as_written(store: Store) -> None:
    """Every mutable field survives the round trip."""
    ticket = await opened(store)
    changed = replace(
        ticket,
        subject="new subject",
        body="new body",
        status=Status.CLAIMED,
        priority=Priority.URGENT,
        assignee=BOB,
        updated_at=later(minutes=5),
        first_response_at=later(minutes=5),
        resolved_at=later(minutes=6),
        closed_at=later(minutes=7),
        status_since=later(minutes=5),
        last_agent_activity_at=later(minutes=5),
    )
    await store.transact(lambda tx: tx.update_ticket(changed))
    found = await store.read(lambda tx: tx.ticket(ticket.id))
    assert found is not None
    assert (found.assignee.key if found.assignee else None) == BOB.key
    assert replace(found, assignee=BOB) == changed


async def test_ticket_queries_filter_count_and_limit(store: Store) -> None:
    """Matching tickets come oldest first, at most `limit` of them, with the total count."""
    tickets = [await opened(store, f"{n}.0") for n in range(3)]
    claimed = replace(tickets[1], status=Status.CLAIMED, assignee=BOB)
    await store.transact(lambda tx: tx.update_ticket(claimed))

    def query(**fields: object) -> TicketQuery:
        return TicketQuery(SUPPORT.workspace, ACTIVE_STATUSES, **fields)  # type: ignore[arg-type]

    async def ids(q: TicketQuery) -> tuple[list[int], int]:
        found, total = await store.read(lambda tx: tx.tickets(q))
        return [t.id for t in found], total

    first, second, third = (t.id for t in tickets)
    assert await ids(query()) == ([first, second, third], 3)
    assert await ids(query(limit=2)) == ([first, second], 3)
    assert await ids(query(assignee_key=BOB.key)) == ([second], 1)
    assert await ids(query(unassigned=True)) == ([first, third], 2)
    assert await ids(query(customer_key=ALICE.key, priority=Priority.NORMAL)) == (
        [first, second, third],
        3,
    )
    assert await ids(query(priority=Priority.URGENT)) == ([], 0)
    assert await ids(TicketQuery(SUPPORT.workspace, frozenset({Status.OPEN}))) == (
        [first, third],
        2,
    )
    assert await ids(TicketQuery("other:ws", ACTIVE_STATUSES)) == ([], 0)


async def test_internal_messages_are_left_out_unless_asked_for(store: Store) -> None:
    """A ticket's conversation comes in order; internal notes only when included."""
    ticket = await opened(store)
    said = Message(ticket.id, "1.1", ALICE, Author.CUSTOMER, "hello", later(minutes=1))
    noted = Message(ticket.id, "1.2", BOB, Author.AGENT, "psst", later(minutes=2), internal=True)
    for message in (said, noted):
        await store.transact(lambda tx, message=message: tx.add_message(message))  # type: ignore[misc]
    assert await store.read(lambda tx: tx.messages(ticket.id, include_internal=False)) == [said]
    assert await store.read(lambda tx: tx.messages(ticket.id, include_internal=True)) == [
        said,
        noted,
    ]


async def test_a_message_is_found_by_its_id_in_its_channel(store: Store) -> None:
    """The platform's message id finds the stored message in the ticket's channel only."""
    ticket = await opened(store)
    said = Message(ticket.id, "1.1", ALICE, Author.CUSTOMER, "hello", later(minutes=1))
    await store.transact(lambda tx: tx.add_message(said))
    assert await store.read(lambda tx: tx.message(SUPPORT, "1.1")) == said
    elsewhere = Place(SUPPORT.workspace, "other")
    assert await store.read(lambda tx: tx.message(elsewhere, "1.1")) is None


async def test_edits_and_deletions_are_kept_on_the_message(store: Store) -> None:
    """An edit replaces the text and says when; a deletion marks the message, keeping it."""
    ticket = await opened(store)
    said = Message(ticket.id, "1.1", ALICE, Author.CUSTOMER, "hello", later(minutes=1))
    await store.transact(lambda tx: tx.add_message(said))
    await store.transact(lambda tx: tx.edit_message(said, "hello again", later(minutes=2)))
    await store.transact(lambda tx: tx.delete_message(said, later(minutes=3)))
    found = await store.read(lambda tx: tx.message(SUPPORT, "1.1"))
    assert found == replace(
        said, text="hello again", edited_at=later(minutes=2), deleted_at=later(minutes=3)
    )


async def test_recorded_events_are_appended_to_the_audit(store: Store) -> None:
    """Each recorded event counts once in the reports, however many share a kind."""
    ticket = await opened(store)
    for minutes in (0, 1):
        event = Event(ticket.id, ALICE, "opened", later(minutes=minutes), {"n": minutes})
        await store.transact(lambda tx, event=event: tx.record(event))  # type: ignore[misc]
    flows = await store.report(lambda r: r.flows([Window(START, later(hours=1))]))
    assert flows == [FlowCount(0, "opened", 2)]


async def test_customer_history_counts_recent_and_other_open_tickets(store: Store) -> None:
    """Tickets since a time (this one included) and the customer's other active tickets."""
    first, _, third = [await opened(store, f"{n}.0") for n in (1, 2, 3)]
    await store.transact(lambda tx: tx.update_ticket(replace(first, status=Status.RESOLVED)))
    history = await store.read(lambda tx: tx.customer_history(third, START, 100))
    assert history == CustomerHistory(recent=3, other_open=1)
    assert await store.read(lambda tx: tx.customer_history(third, later(seconds=1), 100)) == (
        CustomerHistory(recent=0, other_open=1)
    )
    assert await store.read(lambda tx: tx.customer_history(first, START, 2)) == (
        CustomerHistory(recent=2, other_open=2, cap=2)
    )
