"""Forgetting, export and retention on SQLite: the walk of `storage.forgetting` on the file.

Nothing forgotten may stay readable in the file. `secure_delete` is on while a forgetting
runs, so every byte it frees (a cell rewritten shorter, an index entry, a page let go) is
overwritten with zeros; the search index is merged into one segment, which drops the
forgotten terms FTS5 would otherwise keep until a later merge; and `erase_freed` then
checkpoints the WAL into the file and truncates it, so no older page image survives there.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from handlers.personal import Forgetting, Forgotten, Redacted
from storage import forgetting, rows, search

T = TypeVar("T")


class SqliteSql:
    """The walk's view of a SQLite connection."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    def rows(self, query: str, params: Sequence[Any] = ()) -> Sequence[Mapping[str, Any]]:
        found: list[sqlite3.Row] = self._raw.execute(query, _values(params)).fetchall()
        return [dict(row) for row in found]

    def run(self, query: str, params: Sequence[Any] = ()) -> int:
        return self._raw.execute(query, _values(params)).rowcount

    def each(self, query: str, params: Sequence[Any] = ()) -> Iterator[Mapping[str, Any]]:
        for row in self._raw.execute(query, _values(params)):
            yield dict(row)

    def json(self, value: Any) -> Any:
        return json.dumps(value, ensure_ascii=False)

    def as_text(self, column: str) -> str:
        return column


def _values(params: Sequence[Any]) -> list[Any]:
    return [rows.to_db(value) if isinstance(value, datetime) else value for value in params]


def forget(raw: sqlite3.Connection, request: Forgetting) -> Forgotten:
    """Forget the person with every freed byte zeroed, their search documents rewritten."""
    if request.dry_run:
        return forgetting.forget(SqliteSql(raw), request)[0]
    return _zeroing(raw, lambda: forgetting.forget(SqliteSql(raw), request))


def redact_closed(
    raw: sqlite3.Connection,
    messages_before: datetime | None,
    audit_before: datetime | None,
    at: datetime,
    pruned: int = 0,
) -> Redacted:
    """Redact old closed tickets' text the same way: freed bytes zeroed, documents rewritten."""
    sql = SqliteSql(raw)
    return _zeroing(
        raw,
        lambda: forgetting.redact_closed_before(sql, messages_before, audit_before, at, pruned),
    )


def _zeroing(raw: sqlite3.Connection, work: Callable[[], tuple[T, set[int]]]) -> T:
    """Run `work` with secure_delete on; write again the documents of the tickets it touched."""
    raw.execute("PRAGMA secure_delete = ON")
    try:
        done, touched = work()
        if touched:
            search.reindex(raw, sorted(touched))
            search.merge_all(raw)
    finally:
        raw.execute("PRAGMA secure_delete = OFF")
    return done


def export(raw: sqlite3.Connection, person_key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every row stored about the person, JSON columns parsed."""
    for table, row in forgetting.export(SqliteSql(raw), person_key):
        yield table, {name: _parsed(name, value) for name, value in row.items()}


_JSON_COLUMNS = frozenset({"data", "payload", "attachments", "counts"})


def _parsed(name: str, value: Any) -> Any:
    return json.loads(value) if name in _JSON_COLUMNS and isinstance(value, str) else value


def erase_freed(raw: sqlite3.Connection) -> str | None:
    """Copy the WAL into the file and empty it; say why not if a reader held it."""
    busy, _, _ = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        return (
            "A reader held the database, so its write-ahead log was not emptied yet; it is"
            " at the next checkpoint (or run `deskbot forget` again with --dry-run later)."
        )
    return None
