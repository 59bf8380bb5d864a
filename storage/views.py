"""The web view's reads over SQLite: the queue by key, a ticket's page, operators' totals.

Every clause below is fixed text chosen from closed sets (the sort, which filters are on);
every value is a parameter.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

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
from storage import reports, rows

_RANK = "CASE t.priority " + " ".join(
    f"WHEN '{priority}' THEN {rank}" for priority, rank in PRIORITY_RANK.items()
)
_RANK += " END"

# Each sort: the ORDER BY, and the keyset condition that starts the page after a row.
_ORDER: dict[QueueSort, tuple[str, str]] = {
    QueueSort.OLDEST: ("t.id", "t.id > ?"),
    QueueSort.NEWEST: ("t.id DESC", "t.id < ?"),
    QueueSort.PRIORITY: (f"{_RANK}, t.id", f"({_RANK}, t.id) > (?, ?)"),
    QueueSort.UPDATED: ("t.updated_at DESC, t.id DESC", "(t.updated_at, t.id) < (?, ?)"),
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
    statuses = sorted(str(status) for status in query.statuses)
    clauses = ["t.workspace = ?", f"t.status IN ({', '.join('?' * len(statuses))})"]
    params: list[Any] = [query.workspace, *statuses]
    for clause, value in (
        ("t.customer_key = ?", query.customer_key),
        ("t.assignee_key = ?", query.assignee_key),
        ("t.priority = ?", None if query.priority is None else str(query.priority)),
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
    key = query.after.key
    if query.sort is QueueSort.UPDATED and isinstance(key, str):
        key = rows.to_db(rows.from_db(key))
    return [condition], [key, query.after.id]


class SqliteViews:
    """The views port over a raw connection, inside a read transaction the caller holds."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    def _rows(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        # The reports' reader hands out tuples; these reads want rows by column name.
        cursor = self._raw.cursor()
        cursor.row_factory = sqlite3.Row
        return cursor.execute(sql, params).fetchall()

    def queue(self, query: QueueQuery) -> list[QueueRow]:
        clauses, params = _filters(query)
        more, after = _after(query)
        order, _ = _ORDER[query.sort]
        where = " AND ".join(clauses + more)
        found = self._rows(
            f"SELECT t.*, {_CLOCK_COLUMNS} FROM tickets t"  # noqa: S608
            f" WHERE {where} ORDER BY {order} LIMIT ?",
            *params,
            *after,
            query.limit,
        )
        return [
            QueueRow(rows.ticket(row), rows.maybe_from_db(row["due"]), bool(row["broken"]))
            for row in found
        ]

    def ticket_page(self, ticket_id: int, *, include_internal: bool) -> TicketPage | None:
        found = self._rows("SELECT * FROM tickets WHERE id = ?", ticket_id)
        if not found:
            return None
        messages = self._rows(
            "SELECT * FROM messages WHERE ticket_id = ? AND (internal = 0 OR ?) ORDER BY id",
            ticket_id,
            include_internal,
        )
        events = self._rows(
            "SELECT at, actor_name, kind, data FROM events WHERE ticket_id = ? ORDER BY id",
            ticket_id,
        )
        clocks = self._rows("SELECT * FROM sla_clocks WHERE ticket_id = ?", ticket_id)
        return TicketPage(
            rows.ticket(found[0]),
            tuple(rows.message(row) for row in messages),
            tuple(
                AuditEntry(rows.from_db(at), name, kind, json.loads(data))
                for at, name, kind, data in events
            ),
            {clock.kind: clock for clock in map(rows.clock, clocks)},
        )

    def tickets_created(
        self, workspace: str, window: Window, after_id: int, limit: int
    ) -> list[Ticket]:
        lo, hi = reports.bounds(window)
        found = self._rows(
            "SELECT * FROM tickets WHERE id > ? AND workspace = ? AND created_at >= ?"
            " AND created_at < ? ORDER BY id LIMIT ?",
            after_id,
            workspace,
            lo,
            hi,
            limit,
        )
        return [rows.ticket(row) for row in found]

    def remembered(self, key: str) -> bool:
        return bool(self._rows("SELECT 1 FROM inbound_keys WHERE key = ?", key))

    def totals(self, kinds: Sequence[str]) -> Totals:
        events = {
            kind: int(self._rows("SELECT count(*) FROM events WHERE kind = ?", kind)[0][0])
            for kind in kinds
        }
        outbox = {
            str(status): int(count)
            for status, count in self._rows("SELECT status, count(*) FROM outbox GROUP BY status")
        }
        breaches = self._rows(
            "SELECT count(*) FROM sla_clocks WHERE breached_at IS NOT NULL AND stopped_at IS NULL"
        )
        oldest = self._rows("SELECT min(created_at) FROM outbox WHERE status = 'pending'")
        return Totals(events, outbox, int(breaches[0][0]), rows.maybe_from_db(oldest[0][0]))
