"""The audit log stays append-only; a redaction is its one, narrow, recorded exception."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import psycopg
import pytest

from handlers.models import Event, EventKind
from handlers.ports import Store
from storage.database import in_transaction
from storage.postgres.database import WRITE
from storage.postgres.store import PostgresStore
from storage.store import SqliteStore
from tests.builders import ALICE, rows
from tests.clock import START
from tests.storage.contract.values import opened

Statement = tuple[str, tuple[Any, ...]]
PSEUDONYM, PSEUDONYM_KEY = "customer-0a1b2c3d", "console:customer-0a1b2c3d"
REDACTING = [
    (
        "INSERT INTO redactions (id, kind, asked_by, at) VALUES (7, 'forget', 'cli:root', ?)",
        (START,),
    ),
    (
        "INSERT INTO redacting (redaction, pseudonym, pseudonym_key)"
        " VALUES (7, 'customer-0a1b2c3d', 'console:customer-0a1b2c3d')",
        (),
    ),
]


async def attempt(store: Store, statements: list[Statement]) -> str | None:
    """Run the statements in one transaction; the database's refusal, or None."""

    def work(run: Any) -> None:
        for sql, params in statements:
            run(sql, params)

    try:
        if isinstance(store, PostgresStore):
            await store.database.run(
                WRITE,
                lambda c: work(lambda sql, p: c.execute(sql.replace("?", "%s").encode(), p)),
            )
        else:
            assert isinstance(store, SqliteStore)
            await store.database.run(
                lambda raw: in_transaction(
                    raw, "BEGIN IMMEDIATE", lambda: work(lambda sql, p: raw.execute(sql, p))
                )
            )
    except (sqlite3.Error, psycopg.Error) as error:
        return str(error)
    return None


async def audited(store: Store) -> int:
    """A ticket with one audit event by alice that holds free text and a number."""
    ticket = await opened(store)
    data = {"subject": "alice's invoice", "customer": ALICE.key, "round": 2}
    event = Event(ticket.id, ALICE, EventKind.OPENED, START, data)
    await store.transact(lambda tx: tx.record(event))
    found = await rows(store, "SELECT max(id) FROM events")
    return int(str(found[0][0]))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET actor_name = 'someone else'",
        "UPDATE events SET actor_name = 'customer-0a1b2c3d'",
        "DELETE FROM events",
    ],
)
async def test_a_plain_update_or_delete_of_the_audit_log_is_refused(
    store: Store, statement: str
) -> None:
    """Outside a redaction an event can be neither changed nor removed."""
    await audited(store)
    refusal = await attempt(store, [(statement, ())])
    assert refusal is not None and "append-only" in refusal


def data(**values: object) -> Statement:
    return ("UPDATE events SET data = ?", (json.dumps(values),))


@pytest.mark.parametrize(
    "statement",
    [
        ("UPDATE events SET kind = 'closed'", ()),
        ("UPDATE events SET actor_name = 'mallory'", ()),
        ("UPDATE events SET actor_key = 'console:mallory'", ()),
        data(subject="rewritten", customer=PSEUDONYM_KEY, round=2),
        data(subject="[redacted]", customer=PSEUDONYM_KEY, round=3),
        data(subject="[redacted]", round=2),
        data(subject="[redacted]", customer=PSEUDONYM_KEY, round=2, extra="x"),
        ("DELETE FROM events", ()),
    ],
)
async def test_a_redaction_may_not_change_what_is_not_personal(
    store: Store, statement: Statement
) -> None:
    """Even inside a redaction: no kind, time, number or key changes, no new words, no delete."""
    await audited(store)
    refusal = await attempt(store, [*REDACTING, statement])
    assert refusal is not None
    assert "pseudonym" in refusal or "append-only" in refusal


async def test_a_redaction_replaces_personal_fields_and_counts_what_it_rewrote(
    store: Store,
) -> None:
    """Free text to '[redacted]', the actor and keys to the pseudonym: accepted, and counted."""
    event_id = await audited(store)
    values = {"subject": "[redacted]", "customer": PSEUDONYM_KEY, "round": 2}
    rewrite = (
        "UPDATE events SET actor_key = ?, actor_name = ?, data = ? WHERE id = ?",
        (PSEUDONYM_KEY, PSEUDONYM, json.dumps(values), event_id),
    )
    done = ("DELETE FROM redacting", ())
    assert await attempt(store, [*REDACTING, rewrite, done]) is None
    found = await rows(store, "SELECT actor_name, audit_rows FROM events, redactions")
    assert found == [("customer-0a1b2c3d", 1)]
    refusal = await attempt(store, [("UPDATE events SET actor_name = 'customer-0a1b2c3d'", ())])
    assert refusal is not None and "append-only" in refusal  # the path closed with it
