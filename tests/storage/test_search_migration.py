"""Migration 0007 fills the search index from the tickets a database already holds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from handlers.models import SearchQuery
from storage.database import migrations, statements
from storage.store import SqliteStore
from tests.builders import WORKSPACE


def _older_database(path: Path) -> None:
    """A database migrated up to 0006, holding a resolved ticket with an internal note."""
    raw = sqlite3.connect(path, isolation_level=None)
    for number, script in migrations():
        if number >= 7:
            break
        for statement in statements(script):
            raw.execute(statement)
        raw.execute(f"PRAGMA user_version = {number}")
    at = "2026-11-24T10:00:00.000000Z"
    raw.execute(
        "INSERT INTO tickets (id, workspace, channel, thread, customer_key, customer_name,"
        " subject, body, status, priority, created_at, updated_at)"
        " VALUES (7, ?, 'support', '1.0', 'console:alice', 'alice', 'Printer on fire',"
        " 'Printer on fire', 'resolved', 'normal', ?, ?)",
        (WORKSPACE, at, at),
    )
    for text, internal in (("Printer on fire, 退款", 0), ("legacy plan", 1)):
        raw.execute(
            "INSERT INTO messages (ticket_id, message_id, author_key, author_name, role,"
            " internal, text, created_at) VALUES (7, ?, 'console:bob', 'bob', 'agent', ?, ?, ?)",
            (f"m{internal}", internal, text, at),
        )
    raw.execute(
        "INSERT INTO events (ticket_id, kind, data, at)"
        " VALUES (7, 'resolved', '{\"summary\": \"swapped the fuser\"}', ?)",
        (at,),
    )
    raw.close()


async def test_tickets_stored_before_the_index_are_found_after_migrating(tmp_path: Path) -> None:
    """Subject, text, Chinese, the resolution note and (for staff) notes all find the old ticket."""
    path = tmp_path / "old.db"
    _older_database(path)
    async with await SqliteStore.open(path) as store:
        for words, internal in (
            ("printer", False),
            ("退款", False),
            ("fuser", False),
            ("legacy", True),
        ):
            query = SearchQuery(WORKSPACE, words, internal=internal)
            found = await store.read(lambda tx, q=query: tx.search(q))
            assert [hit.ticket.id for hit in found] == [7], words
        hidden = SearchQuery(WORKSPACE, "legacy")
        assert await store.read(lambda tx: tx.search(hidden)) == []
