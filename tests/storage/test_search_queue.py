"""The search indexer: a unit queues the documents it changed; a batch writes them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from handlers.desk import Desk
from handlers.knowledge import SOLVED
from handlers.models import SearchQuery
from storage.postgres.store import PostgresStore
from storage.store import SqliteStore
from tests.builders import ALICE, BOB, SUPPORT, open_ticket, rows, run
from tests.builders import settings as desk_settings
from tests.clock import FakeClock

pytestmark = pytest.mark.both_stores

WS = SUPPORT.workspace
WAIT = 5.0  # seconds: far beyond the delays these tests set
POLL = 0.02


async def _until_found(store: SqliteStore | PostgresStore, word: str) -> list[int]:
    """Look beside the writer until `word` finds a ticket: the indexer keeps its own time."""
    for _ in range(int(WAIT / POLL)):
        found = await _found_beside(store, SearchQuery(WS, word))
        if found:
            return found
        await asyncio.sleep(POLL)
    return []


async def _found_beside(store: SqliteStore | PostgresStore, query: SearchQuery) -> list[int]:
    return [hit.ticket.id for hit in await store.report(lambda r: r.search(query))]


async def test_intake_queues_the_document_rather_than_writing_the_index(
    desk: Desk, store: SqliteStore | PostgresStore
) -> None:
    """Opening a ticket writes no index segment: its document waits in the queue."""
    store.indexer.delay = 60  # the indexer does not run during this test
    ticket_id = await open_ticket(desk, ALICE, "printer on fire")
    assert await rows(store, "SELECT ticket_id FROM search_queue") == [(ticket_id,)]
    assert await _found_beside(store, SearchQuery(WS, "printer")) == []


async def test_a_new_ticket_is_found_beside_the_writer_within_the_delay(
    desk: Desk, store: SqliteStore | PostgresStore
) -> None:
    """The indexer writes a queued document after its delay; the reports then find it."""
    store.indexer.delay = 0.05
    ticket_id = await open_ticket(desk, ALICE, "printer on fire")
    assert await _until_found(store, "printer") == [ticket_id]
    assert await rows(store, "SELECT count(*) FROM search_queue") == [(0,)]


async def test_a_search_in_a_unit_finds_the_tickets_still_queued(
    desk: Desk, store: SqliteStore | PostgresStore
) -> None:
    """`/ticket search` right after intake finds the ticket: it writes the queue first."""
    store.indexer.delay = 60
    ticket_id = await open_ticket(desk, ALICE, "printer on fire")
    assert f"#{ticket_id}" in (await run(desk, BOB, "search printer")).text
    assert await rows(store, "SELECT count(*) FROM search_queue") == [(0,)]


async def test_a_resolution_is_indexed_in_its_own_unit(
    desk: Desk, store: SqliteStore | PostgresStore
) -> None:
    """Resolving writes the document at once, so the similar query beside the writer sees it."""
    store.indexer.delay = 60
    ticket_id = await open_ticket(desk, ALICE, "password reset email never arrives")
    assert (await run(desk, BOB, f"resolve {ticket_id} whitelisted our domain")).ok
    query = SearchQuery(WS, "my password reset email", statuses=SOLVED, like=True)
    assert await _found_beside(store, query) == [ticket_id]


async def test_the_queue_is_written_on_closing_and_after_a_crash(
    db_path: Path, clock: FakeClock
) -> None:
    """Closing writes what is queued; a queue a crash left is written after the next start."""
    store = await SqliteStore.open(db_path)
    store.indexer.delay = 60
    first = await open_ticket(Desk(store, clock, desk_settings()), ALICE, "printer on fire")
    await store.close()
    assert await _queued_and_found(db_path, "printer") == ([], [first])

    store = await SqliteStore.open(db_path)
    store.indexer.delay = 60
    second = await open_ticket(Desk(store, clock, desk_settings()), ALICE, "toaster on fire")
    await store.indexer.stop()  # a crash: nothing more runs, the queue stays on disk
    await store._close_reader()
    await store.database.close()

    async with await SqliteStore.open(db_path) as reopened:
        assert await _until_found(reopened, "toaster") == [second]
    assert await _queued_and_found(db_path, "toaster") == ([], [second])


async def _queued_and_found(db_path: Path, word: str) -> tuple[list[tuple[object, ...]], list[int]]:
    async with await SqliteStore.open(db_path) as store:
        queued = await rows(store, "SELECT ticket_id FROM search_queue")
        return queued, await _found_beside(store, SearchQuery(WS, word))
