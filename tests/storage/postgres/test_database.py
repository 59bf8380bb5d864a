"""The PostgreSQL database: migrated at start under a lock, refused when newer, reachable."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from handlers.models import Status
from storage.database import DatabaseTooNew
from storage.postgres.database import DatabaseUnreachable, migrations, safe_url
from storage.postgres.store import PRUNE_INBOUND_KEYS, PostgresStore
from tests import postgres
from tests.storage.contract.values import opened


def version(url: str) -> int:
    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT max(version) FROM deskbot_schema").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def empty_url(postgres_cluster: postgres.Cluster) -> object:
    url = postgres_cluster.create()
    yield url
    postgres_cluster.drop(url)


async def test_an_empty_database_is_migrated_on_open(empty_url: str) -> None:
    """Opening an empty database creates the schema and records its version."""
    async with await PostgresStore.open(empty_url) as store:
        ticket = await opened(store)
    assert ticket.status is Status.OPEN
    assert version(empty_url) == migrations()[-1][0]


async def test_two_instances_starting_together_migrate_once(empty_url: str) -> None:
    """Two stores opening an empty database at the same moment both start, on one schema."""
    first, second = await asyncio.gather(
        PostgresStore.open(empty_url), PostgresStore.open(empty_url)
    )
    async with first, second:
        ticket = await opened(first)
        assert await second.read(lambda tx: tx.ticket(ticket.id)) == ticket
    assert version(empty_url) == migrations()[-1][0]


async def test_reopening_a_migrated_database_keeps_its_data(postgres_url: str) -> None:
    """A second start applies nothing again and finds what the first wrote."""
    async with await PostgresStore.open(postgres_url) as store:
        ticket = await opened(store)
    async with await PostgresStore.open(postgres_url) as store:
        assert await store.read(lambda tx: tx.ticket(ticket.id)) == ticket


async def test_a_database_from_a_newer_deskbot_is_refused(postgres_url: str) -> None:
    """A schema version this deskbot does not know stops it, naming the setting to change."""
    with psycopg.connect(postgres_url) as connection:
        connection.execute("INSERT INTO deskbot_schema (version) VALUES (9999)")
    with pytest.raises(DatabaseTooNew, match=r"newer deskbot.*point storage\.url at another"):
        await PostgresStore.open(postgres_url)


async def test_audit_events_cannot_be_changed(postgres_url: str) -> None:
    """The audit log is append-only in PostgreSQL too."""
    async with await PostgresStore.open(postgres_url) as store:
        await opened(store)
    with psycopg.connect(postgres_url) as connection:
        connection.execute("INSERT INTO events (kind, at) VALUES ('opened', now())")
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            connection.execute("UPDATE events SET kind = 'x'")


async def test_an_unreachable_database_is_refused_with_a_sentence(
    postgres_cluster: postgres.Cluster,
) -> None:
    """A database that does not exist is named (without any password) with the reason."""
    url = postgres_cluster.url("nowhere").replace("postgres@", "postgres:secret@")
    with pytest.raises(DatabaseUnreachable, match=r"storage\.url: cannot connect to") as refused:
        await PostgresStore.open(url)
    assert "secret" not in str(refused.value)
    assert "nowhere" in str(refused.value)


def test_a_url_is_shown_without_its_password() -> None:
    """Logs and errors show who and where, never the password."""
    assert safe_url("postgresql://desk:hunter2@db.internal:5433/desk") == (
        "postgresql://desk@db.internal:5433/desk"
    )


async def test_connections_the_server_dropped_are_replaced(postgres_url: str) -> None:
    """After the server drops every connection (a restart), the next unit still runs."""
    async with await PostgresStore.open(postgres_url) as store:
        await asyncio.gather(*(opened(store, f"{n}.0") for n in range(4)))  # fill the pool
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ticket = await opened(store, "9.0")
        assert await store.read(lambda tx: tx.ticket(ticket.id)) == ticket


async def test_pruning_inbound_keys_reads_them_from_the_index_on_age(postgres_url: str) -> None:
    """A batch of old dedupe keys is found through `inbound_keys_by_age`, not a table scan."""
    with psycopg.connect(postgres_url) as connection:
        connection.execute(
            "INSERT INTO inbound_keys (key, seen_at) SELECT 'slack:' || n,"
            " timestamptz '2026-01-01 00:00Z' + n * interval '1 minute'"
            " FROM generate_series(1, 20000) AS n"
        )
        connection.execute("ANALYZE inbound_keys")
        cutoff = "2026-01-01 01:00Z"
        plan = connection.execute(b"EXPLAIN " + PRUNE_INBOUND_KEYS, (cutoff, 1000)).fetchall()
    assert any("inbound_keys_by_age" in step for (step,) in plan), plan
