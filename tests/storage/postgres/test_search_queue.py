"""PostgreSQL's search queue: written on closing and after a crash, and never missing a
change committed while an indexer waits to write the ticket's document."""

from __future__ import annotations

import threading

import psycopg

from handlers.desk import Desk
from handlers.models import SearchQuery
from storage.postgres import search
from storage.postgres.store import PostgresStore
from tests.builders import ALICE, SUPPORT, open_ticket, rows
from tests.builders import settings as desk_settings
from tests.clock import FakeClock

WS = SUPPORT.workspace
WAITING = 0.3  # seconds: long enough for a writer that would not wait to be done
DONE = 10.0


async def _found(store: PostgresStore, word: str) -> list[int]:
    hits = await store.report(lambda reports: reports.search(SearchQuery(WS, word)))
    return [hit.ticket.id for hit in hits]


async def test_the_queue_is_written_on_closing_and_after_a_crash(
    postgres_url: str, clock: FakeClock
) -> None:
    """Closing writes what is queued; a queue a crash left is written after the next start."""
    store = await PostgresStore.open(postgres_url)
    store.indexer.delay = 60
    first = await open_ticket(Desk(store, clock, desk_settings()), ALICE, "printer on fire")
    await store.close()

    store = await PostgresStore.open(postgres_url)
    assert await rows(store, "SELECT ticket_id FROM search_queue") == []
    assert await _found(store, "printer") == [first]
    store.indexer.delay = 60
    second = await open_ticket(Desk(store, clock, desk_settings()), ALICE, "toaster on fire")
    await store.indexer.stop()  # a crash: nothing more runs, the queue stays in the database
    await store.database.close()

    reopened = await PostgresStore.open(postgres_url)
    try:
        await reopened.indexer.write_all()  # as the indexer started at opening does, later
        assert await _found(reopened, "toaster") == [second]
        assert await rows(reopened, "SELECT ticket_id FROM search_queue") == []
    finally:
        await reopened.close()


async def test_a_change_committed_while_an_indexer_waits_is_in_the_document(
    postgres_url: str, clock: FakeClock
) -> None:
    """A unit holds the ticket, adds a message and queues it; an indexer takes the queue
    (without the unit's row, not yet committed) and waits for the ticket. Once the unit
    commits, the indexer writes the document with the message, and the unit's row stays
    queued for the next batch."""
    store = await PostgresStore.open(postgres_url)
    store.indexer.delay = 60
    try:
        ticket_id = await open_ticket(Desk(store, clock, desk_settings()), ALICE, "printer")
        with psycopg.connect(postgres_url) as unit, psycopg.connect(postgres_url) as indexer:
            unit.execute("SELECT id FROM tickets WHERE id = %s FOR UPDATE", (ticket_id,))
            unit.execute(
                "INSERT INTO messages (ticket_id, message_id, author_key, author_name, role,"
                " internal, text, created_at) VALUES (%s, 'm2', %s, %s, 'customer', false,"
                " 'the toner is smoking', now())",
                (ticket_id, ALICE.key, ALICE.name),
            )
            search.queue(unit, [ticket_id])  # as the unit's end does
            assert search.take_queued(indexer, None) == [ticket_id]  # intake's row alone
            writing = threading.Thread(target=search.reindex, args=(indexer, [ticket_id]))
            writing.start()
            writing.join(WAITING)
            assert writing.is_alive()  # waiting for the unit's hold on the ticket
            unit.commit()
            writing.join(DONE)
            assert not writing.is_alive()
            indexer.commit()
        assert await _found(store, "toner") == [ticket_id]
        assert await rows(store, "SELECT ticket_id FROM search_queue") == [(ticket_id,)]
    finally:
        await store.close()


async def test_a_batch_counts_rows_so_a_ticket_queued_often_stops_no_batch_early(
    postgres_url: str, clock: FakeClock
) -> None:
    """Three units queued one ticket: a batch of two takes two rows and says so (a full
    batch, so the indexer looks again), writing the ticket once; the next takes the last."""
    store = await PostgresStore.open(postgres_url)
    store.indexer.delay = 60
    try:
        ticket_id = await open_ticket(Desk(store, clock, desk_settings()), ALICE, "printer")
        await store.transact(lambda tx: search.queue(tx._connection, [ticket_id, ticket_id]))
        assert await store.transact(lambda tx: tx.index_queued(2)) == 2
        assert await store.transact(lambda tx: tx.index_queued(2)) == 1
        assert await _found(store, "printer") == [ticket_id]
    finally:
        await store.close()
