"""The web view's reads on PostgreSQL: the same rows as `storage.views` gives over SQLite.

Every clause below is fixed text chosen from closed sets (the sort, which filters are on);
every value is a parameter.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from handlers.digest.rows import Window
from handlers.models import Ticket
from handlers.views import (
    PRIORITY_RANK,
    AuditEntry,
    QueueQuery,
    QueueRow,
    QueueSort,
    TicketPage,
    Totals,
)
from storage import rows
from storage.postgres.reports import bounds

_RANK = "CASE t.priority " + " ".join(
    f"WHEN '{priority}' THEN {rank}" for priority, rank in PRIORITY_RANK.items()
)
_RANK += " END"

# Each sort: the ORDER BY, and the keyset condition that starts the page after a row.
_ORDER: dict[QueueSort, tuple[str, str]] = {
    QueueSort.OLDEST: ("t.id", "t.id > %s"),
    QueueSort.NEWEST: ("t.id DESC", "t.id < %s"),
    QueueSort.PRIORITY: (f"{_RANK}, t.id", f"({_RANK}, t.id) > (%s, %s)"),
    QueueSort.UPDATED: ("t.updated_at DESC, t.id DESC", "(t.updated_at, t.id) < (%s, %s)"),
}

# The earliest due time of the ticket's running promises, and whether one is broken now.
_CLOCK_COLUMNS = """
(SELECT min(c.due_at) FROM sla_clocks c
 WHERE c.ticket_id = t.id AND c.due_at IS NOT NULL AND c.stopped_at IS NULL) AS due,
EXISTS (SELECT 1 FROM sla_clocks c
        WHERE c.ticket_id = t.id AND c.breached_at IS NOT NULL AND c.stopped_at IS NULL)
    AS broken
"""


def _filters(query: QueueQuery) -> tuple[list[str], list[Any]]:
    clauses = ["t.workspace = %s", "t.status = ANY(%s)"]
    params: list[Any] = [query.workspace, sorted(str(status) for status in query.statuses)]
    for clause, value in (
        ("t.customer_key = %s", query.customer_key),
        ("t.assignee_key = %s", query.assignee_key),
        ("t.priority = %s", None if query.priority is None else str(query.priority)),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    if query.unassigned:
        clauses.append("t.assignee_key IS NULL")
    return clauses, params


def _after(query: QueueQuery) -> tuple[list[str], list[Any]]:
    if query.after is None:
        return [], []
    _, condition = _ORDER[query.sort]
    if query.sort in (QueueSort.OLDEST, QueueSort.NEWEST):
        return [condition], [query.after.id]
    key: Any = query.after.key
    if query.sort is QueueSort.UPDATED and isinstance(key, str):
        key = rows.from_db(key)
    return [condition], [key, query.after.id]


class PostgresViews:
    """The views port over a connection, inside a read-only transaction the caller holds."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection

    def _rows(self, query: sql.Composed | bytes, *params: Any) -> list[dict[str, Any]]:
        cursor = self._connection.cursor(row_factory=dict_row)
        return cursor.execute(query, params).fetchall()

    def _count(self, query: bytes, *params: Any) -> int:
        row = self._connection.execute(query, params).fetchone()
        return 0 if row is None else int(row[0])

    def queue(self, query: QueueQuery) -> list[QueueRow]:
        clauses, params = _filters(query)
        more, after = _after(query)
        order, _ = _ORDER[query.sort]
        statement = sql.SQL("SELECT t.*, {} FROM tickets t WHERE {} ORDER BY {} LIMIT %s").format(
            sql.SQL(_CLOCK_COLUMNS),
            sql.SQL(" AND ".join(clauses + more)),  # fixed clauses; values are parameters
            sql.SQL(order),
        )
        found = self._rows(statement, *params, *after, query.limit)
        return [
            QueueRow(rows.ticket(row), rows.maybe_from_db(row["due"]), bool(row["broken"]))
            for row in found
        ]

    def ticket_page(self, ticket_id: int, *, include_internal: bool) -> TicketPage | None:
        found = self._rows(b"SELECT * FROM tickets WHERE id = %s", ticket_id)
        if not found:
            return None
        messages = self._rows(
            b"SELECT * FROM messages WHERE ticket_id = %s AND (NOT internal OR %s) ORDER BY id",
            ticket_id,
            include_internal,
        )
        events = self._rows(
            b"SELECT at, actor_name, kind, data FROM events WHERE ticket_id = %s ORDER BY id",
            ticket_id,
        )
        clocks = self._rows(b"SELECT * FROM sla_clocks WHERE ticket_id = %s", ticket_id)
        return TicketPage(
            rows.ticket(found[0]),
            tuple(rows.message(row) for row in messages),
            tuple(
                AuditEntry(rows.from_db(e["at"]), e["actor_name"], e["kind"], json.loads(e["data"]))
                for e in events
            ),
            {clock.kind: clock for clock in map(rows.clock, clocks)},
        )

    def tickets_created(
        self, workspace: str, window: Window, after_id: int, limit: int
    ) -> list[Ticket]:
        span = bounds(window)
        found = self._rows(
            b"SELECT * FROM tickets WHERE id > %s AND workspace = %s AND created_at >= %s"
            b" AND created_at < %s ORDER BY id LIMIT %s",
            after_id,
            workspace,
            span["lo"],
            span["hi"],
            limit,
        )
        return [rows.ticket(row) for row in found]

    def remembered(self, key: str) -> bool:
        return bool(self._rows(b"SELECT 1 FROM inbound_keys WHERE key = %s", key))

    def totals(self, kinds: Sequence[str]) -> Totals:
        events = {
            kind: self._count(b"SELECT count(*) FROM events WHERE kind = %s", kind)
            for kind in kinds
        }
        outbox = {
            str(row["status"]): int(row["n"])
            for row in self._rows(b"SELECT status, count(*) AS n FROM outbox GROUP BY status")
        }
        breaches = self._count(
            b"SELECT count(*) FROM sla_clocks WHERE breached_at IS NOT NULL AND stopped_at IS NULL"
        )
        oldest = self._rows(b"SELECT min(created_at) AS at FROM outbox WHERE status = 'pending'")
        return Totals(events, outbox, breaches, rows.maybe_from_db(oldest[0]["at"]))
