"""Migration 0005 indexes the tickets a PostgreSQL database already holds."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from handlers.models import SearchQuery
from storage.postgres import search
from storage.postgres.database import AFTER, migrations
from storage.postgres.store import PostgresStore
from tests import postgres
from tests.builders import WORKSPACE

SEARCH = next(number for number, step in AFTER.items() if step is search.rebuild)
AT = "2026-11-24T10:00:00Z"


@pytest.fixture
def older_url(postgres_cluster: postgres.Cluster) -> Iterator[str]:
    """A database migrated up to the step before search, holding a resolved ticket."""
    url = postgres_cluster.create()
    with psycopg.connect(url) as connection:
        for number, script in migrations():
            if number < SEARCH:
                connection.execute(script.encode())
        connection.execute("CREATE TABLE deskbot_schema (version integer NOT NULL)")
        connection.execute("INSERT INTO deskbot_schema VALUES (%s)", (SEARCH - 1,))
        _resolved_ticket(connection)
    yield url
    postgres_cluster.drop(url)


def _resolved_ticket(connection: psycopg.Connection[object]) -> None:
    connection.execute(
        "INSERT INTO tickets (id, workspace, channel, thread, customer_key, customer_name,"
        " subject, body, status, priority, created_at, updated_at)"
        " VALUES (7, %s, 'support', '1.0', 'console:alice', 'alice', 'Printer on fire',"
        " 'Printer on fire', 'resolved', 'normal', %s, %s)",
        (WORKSPACE, AT, AT),
    )
    for text, internal in (("Printer on fire, 退款", False), ("legacy plan", True)):
        connection.execute(
            "INSERT INTO messages (ticket_id, message_id, author_key, author_name, role,"
            " internal, text, created_at)"
            " VALUES (7, %s, 'console:bob', 'bob', 'agent', %s, %s, %s)",
            (f"m{internal}", internal, text, AT),
        )
    connection.execute(
        "INSERT INTO events (ticket_id, kind, data, at)"
        " VALUES (7, 'resolved', '{\"summary\": \"swapped the fuser\"}', %s)",
        (AT,),
    )


async def test_tickets_stored_before_the_index_are_found_after_migrating(older_url: str) -> None:
    """Subject, text, Chinese, the resolution note and (for staff) notes all find the old ticket."""
    async with await PostgresStore.open(older_url) as store:
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
