"""Forgetting, export and retention on PostgreSQL: the walk of `storage.forgetting`.

PostgreSQL keeps an updated row's old version in the table's files until VACUUM lets its
space be reused, and even then the bytes stay until overwritten; `VACUUM FULL` of the
tables rewrites them without the old versions (it locks each table while it runs, so it is
the operator's to schedule). `erase_freed` says so rather than pretend.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Json

from storage import forgetting, personal

# Every table forgetting rewrites, and the search index written again from them: from the
# personal-data map, so a table added to it is named here too.
_REWRITTEN = ", ".join(
    table.name
    for table in personal.TABLES
    if table.personal()
    or any(column.kind is personal.Kind.INDEX for column in table.columns.values())
)
REWRITE_ADVICE = (
    "PostgreSQL keeps the old versions of the rewritten rows in its files until their space"
    " is reused; to rewrite the tables without them now, run (it locks each table meanwhile):"
    f" VACUUM FULL {_REWRITTEN};"
)


class PostgresSql:
    """The walk's view of a PostgreSQL connection."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection

    def rows(self, query: str, params: Sequence[Any] = ()) -> Sequence[Mapping[str, Any]]:
        cursor = self._connection.cursor(row_factory=dict_row)
        return cursor.execute(_placeholders(query), list(params)).fetchall()

    def run(self, query: str, params: Sequence[Any] = ()) -> int:
        return self._connection.execute(_placeholders(query), list(params)).rowcount

    def each(self, query: str, params: Sequence[Any] = ()) -> Iterator[Mapping[str, Any]]:
        # A server-side cursor: the rows come in batches as they are read, not all at once.
        with self._connection.cursor(name="deskbot_export", row_factory=dict_row) as cursor:
            yield from cursor.execute(_placeholders(query), list(params))

    def json(self, value: Any) -> Any:
        return Json(value)

    def as_text(self, column: str) -> str:
        return f"{column}::text"


def _placeholders(query: str) -> bytes:
    # The walk's SQL holds no literal `?` or `%`: every value is a parameter.
    return query.replace("?", "%s").encode()


def export(
    connection: psycopg.Connection[Any], person_key: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every row stored about the person (JSON columns come parsed)."""
    return forgetting.export(PostgresSql(connection), person_key)
