"""SQLite's similar-tickets ranking: a word counts wherever the index matched it."""

from __future__ import annotations

from handlers.desk import Desk
from handlers.knowledge import SOLVED
from handlers.models import SearchQuery
from storage.store import SqliteStore
from tests.builders import BOB, DAVE, SUPPORT, open_ticket, run


async def _solved(desk: Desk, text: str) -> int:
    ticket_id = await open_ticket(desk, DAVE, text)
    await run(desk, BOB, f"resolve {ticket_id} sorted")
    return ticket_id


async def test_an_ending_the_index_folds_counts_as_the_word(desk: Desk, store: SqliteStore) -> None:
    """`emails arrived` is like `email arrives`: the index folds the endings, and so does
    the ranking, so it ranks above a newer ticket sharing only `email` as written."""
    folded = await _solved(desk, "The emails arrived late")
    newer = await _solved(desk, "Email signature broken")
    query = SearchQuery(SUPPORT.workspace, "email arrives", statuses=SOLVED, like=True)
    found = await store.read(lambda tx: tx.search(query))
    assert [hit.ticket.id for hit in found] == [folded, newer]
