"""Move a desk between stores: a SQLite file into PostgreSQL, or back.

Everything is copied in one transaction on the target, from one snapshot of the source,
and checked before that transaction commits: each table's row count and a checksum of its
rows (in key order, each value in one canonical form, so that a time is the same instant
whether SQLite wrote it as text or PostgreSQL as a timestamp). A copy that fails or does
not check out leaves the target as empty as it was, so the move can simply be run again.
The target must hold no desk yet: moving never merges two desks.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import psycopg
from psycopg import sql

from storage import rows, search
from storage.postgres import search as postgres_search
from storage.postgres.database import configure, safe_url
from storage.postgres.database import migrate as migrate_postgres
from storage.store import SqliteStore

# Every table that holds the desk, parents before children, each with its key (the order
# its checksum reads rows in). The lease is left behind: it belongs to a running deskbot.
# `flow_counts` is not moved: the target's trigger counts each event as it is copied in.
TABLES: tuple[tuple[str, str], ...] = (
    ("tickets", "id"),
    ("messages", "id"),
    ("events", "id"),
    ("outbox", "id"),
    ("posted", "edit_key"),
    ("sla_clocks", "ticket_id, kind"),
    ("timers", "ticket_id, step, round"),
    ("inbound_keys", "key"),
    ("channel_cursors", "workspace, channel"),
    ("digests", "id"),
    ("surveys", "ticket_id, round"),
    ("snippets", "workspace, name"),
    ("redactions", "id"),
    ("incidents", "id"),
    ("incident_links", "incident_id, ticket_id"),
    ("incident_moments", "incident_id, seq"),
    ("incident_deliveries", "outbox_id"),
    ("incident_spikes", "id"),
    ("incident_spike_tickets", "spike_id, ticket_id"),
    ("similar_tickets", "ticket_id, rank"),
)
# What each PostgreSQL column type holds, in the one form both sides are compared in.
_KINDS = {
    "timestamp with time zone": "time",
    "boolean": "flag",
    "double precision": "real",
    "bigint": "int",
    "integer": "int",
}
BATCH = 2000


class MoveRefused(RuntimeError):
    """The move cannot start (a target already holding a desk, a source not there)."""


class MoveFailed(RuntimeError):
    """The copy did not check out; the target was left as it was."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # time, flag, real, int or text (JSON is text)


@dataclass(frozen=True)
class Moved:
    """One table moved: how many rows, and the checksum both sides agreed on."""

    table: str
    count: int
    checksum: str


class Side(Protocol):
    name: str

    def read(self, table: str, columns: Sequence[Column], key: str) -> Iterator[tuple[Any, ...]]:
        """The table's rows in key order, each value in its canonical form."""
        ...

    def write(
        self, table: str, columns: Sequence[Column], found: Iterable[tuple[Any, ...]]
    ) -> None:
        """Append canonical rows to the table (inside the open transaction)."""
        ...

    def count(self, table: str) -> int: ...

    def finish(self) -> None:
        """Bring counters (ticket numbers, ids) and the search index in line with the rows."""
        ...


def is_postgres(where: str) -> bool:
    return where.startswith(("postgresql://", "postgres://"))


def describe(where: str) -> str:
    return safe_url(where) if is_postgres(where) else where


async def move(source: str, target: str) -> list[Moved]:
    """Copy the desk at `source` into the empty store at `target`; say what was moved."""
    if is_postgres(source) == is_postgres(target):
        raise MoveRefused("Move from a SQLite file to a postgresql:// URL, or the other way.")
    if not is_postgres(source) and not await asyncio.to_thread(Path(source).is_file):
        raise MoveRefused(f"{source}: no such SQLite file to move from.")
    try:
        await _prepare(source)
        await _prepare(target)
        return await asyncio.to_thread(_move, source, target)
    except psycopg.OperationalError as error:
        raise MoveRefused(f"Cannot reach the database: {_first_line(error)}") from None


def _move(source: str, target: str) -> list[Moved]:
    with _opened(source, reading=True) as reader, _opened(target, reading=False) as writer:
        columns = {table: _columns(reader, writer, table) for table, _ in TABLES}
        held = {table: writer.count(table) for table, _ in TABLES}
        if any(held.values()):
            found = ", ".join(f"{table}: {count} rows" for table, count in held.items() if count)
            raise MoveRefused(
                f"{describe(target)} already holds a desk ({found}); deskbot migrate copies"
                " into an empty database only."
            )
        moved = [_copy(reader, writer, table, key, columns[table]) for table, key in TABLES]
        writer.finish()
        return moved


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _copy(reader: Side, writer: Side, table: str, key: str, columns: list[Column]) -> Moved:
    source_sum = Checksum()
    try:
        writer.write(table, columns, source_sum.through(reader.read(table, columns, key)))
    except (psycopg.DataError, psycopg.IntegrityError, sqlite3.Error) as error:
        raise MoveFailed(
            f"{table}: {writer.name} refused a row ({_first_line(error)});"
            " nothing was written: fix that row in the source and run the move again."
        ) from error
    target_sum = Checksum()
    for _ in target_sum.through(writer.read(table, columns, key)):
        pass
    if (source_sum.count, source_sum.hexdigest()) != (target_sum.count, target_sum.hexdigest()):
        raise MoveFailed(
            f"{table}: the copy does not match ({source_sum.count} rows read,"
            f" {target_sum.count} written, checksums {source_sum.hexdigest()[:12]} and"
            f" {target_sum.hexdigest()[:12]}); nothing was written, run the move again."
        )
    return Moved(table, source_sum.count, source_sum.hexdigest())


class Checksum:
    """SHA-256 over rows in their canonical form, counting them as they pass."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.count = 0

    def through(self, found: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        for row in found:
            self.count += 1
            for value in row:
                text = _canonical_text(value)
                self._hash.update(f"{len(text)}:{text};".encode("utf-8", "surrogatepass"))
            self._hash.update(b"\n")
            yield row

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _canonical_text(value: Any) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, datetime):
        return rows.to_db(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _canonical(column: Column, value: Any) -> Any:
    """One value as both sides are compared: times as UTC datetimes, flags as bools."""
    if value is None:
        return None
    if column.kind == "time":
        return rows.from_db(value)
    if column.kind == "flag":
        return bool(value)
    if column.kind == "real":
        return float(value)
    if column.kind == "int":
        return int(value)
    return str(value)


async def _prepare(where: str) -> None:
    """Create or migrate the schema, as `deskbot run` would on start."""
    if is_postgres(where):
        await asyncio.to_thread(migrate_postgres, where)
    else:
        async with await SqliteStore.open(Path(where)):
            pass


def _columns(reader: Side, writer: Side, table: str) -> list[Column]:
    postgres = reader if isinstance(reader, PostgresSide) else writer
    assert isinstance(postgres, PostgresSide)
    return postgres.columns(table)


class _Opened:
    """A side in its transaction: a snapshot to read from, or the one transaction to write."""

    def __init__(self, where: str, *, reading: bool) -> None:
        self.where = where
        self.reading = reading
        self.side: PostgresSide | SqliteSide | None = None

    def __enter__(self) -> Side:
        if is_postgres(self.where):
            self.side = PostgresSide(self.where, reading=self.reading)
        else:
            self.side = SqliteSide(Path(self.where), reading=self.reading)
        return self.side

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        assert self.side is not None
        self.side.close(commit=kind is None and not self.reading)


def _opened(where: str, *, reading: bool) -> _Opened:
    return _Opened(where, reading=reading)


class PostgresSide:
    def __init__(self, url: str, *, reading: bool) -> None:
        self.name = safe_url(url)
        self._connection = psycopg.connect(url, autocommit=True)
        configure(self._connection)
        mode = "REPEATABLE READ READ ONLY" if reading else "SERIALIZABLE"
        self._connection.execute(f"BEGIN ISOLATION LEVEL {mode}".encode())

    def columns(self, table: str) -> list[Column]:
        found = self._connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s"
            " ORDER BY ordinal_position",
            (table,),
        ).fetchall()
        return [Column(name, _KINDS.get(kind, "text")) for name, kind in found]

    def read(self, table: str, columns: Sequence[Column], key: str) -> Iterator[tuple[Any, ...]]:
        query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
            sql.SQL(", ").join(sql.Identifier(column.name) for column in columns),
            sql.Identifier(table),
            _byte_order(key, columns),
        )
        with self._connection.cursor(name=f"read_{table}") as cursor:
            cursor.itersize = BATCH
            cursor.execute(query)
            for row in cursor:
                yield tuple(_canonical(c, v) for c, v in zip(columns, row, strict=True))

    def write(
        self, table: str, columns: Sequence[Column], found: Iterable[tuple[Any, ...]]
    ) -> None:
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table),
            sql.SQL(", ").join(sql.Identifier(column.name) for column in columns),
        )
        with self._connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in found:
                copy.write_row(row)

    def count(self, table: str) -> int:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        row = self._connection.execute(query).fetchone()
        return int(row[0]) if row else 0

    def finish(self) -> None:
        self._connection.execute(
            "UPDATE ticket_numbers SET last = (SELECT coalesce(max(id), 0) FROM tickets)"
        )
        # The index is not copied: each store writes its own from the rows just moved.
        postgres_search.rebuild(self._connection)
        self._connection.execute("DELETE FROM search_queue")
        # Statistics for the planner now, rather than whenever autovacuum comes by: the
        # digest's queries pick their indexes by them.
        self._connection.execute("ANALYZE")
        for table in ("messages", "events", "outbox", "digests", "incident_spikes"):
            self._connection.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({}, 'id'), coalesce(max(id), 0) + 1,"
                    " false) FROM {}"
                ).format(sql.Literal(table), sql.Identifier(table))
            )

    def close(self, *, commit: bool) -> None:
        with closing(self._connection):
            self._connection.execute("COMMIT" if commit else "ROLLBACK")


def _byte_order(key: str, columns: Sequence[Column]) -> sql.Composed:
    """ORDER BY a fixed key from TABLES, its text in byte order as SQLite sorts it.

    The database's own collation (en_US, say) would sort 'a' before 'B': the rows would
    reach the checksum in another order than SQLite's, and a good copy would not check out.
    """
    kinds = {column.name: column.kind for column in columns}
    return sql.SQL(", ").join(
        sql.Identifier(name) + sql.SQL(' COLLATE "C"' if kinds[name] == "text" else "")
        for name in key.split(", ")
    )


class SqliteSide:
    def __init__(self, path: Path, *, reading: bool) -> None:
        self.name = str(path)
        self._raw = sqlite3.connect(path, isolation_level=None)
        self._raw.execute("PRAGMA foreign_keys = ON")
        self._raw.execute("BEGIN" if reading else "BEGIN IMMEDIATE")

    def read(self, table: str, columns: Sequence[Column], key: str) -> Iterator[tuple[Any, ...]]:
        names = ", ".join(column.name for column in columns)
        cursor = self._raw.execute(f"SELECT {names} FROM {table} ORDER BY {key}")  # noqa: S608
        while batch := cursor.fetchmany(BATCH):
            for row in batch:
                yield tuple(_canonical(c, v) for c, v in zip(columns, row, strict=True))

    def write(
        self, table: str, columns: Sequence[Column], found: Iterable[tuple[Any, ...]]
    ) -> None:
        names = ", ".join(column.name for column in columns)
        marks = ", ".join("?" * len(columns))
        self._raw.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
            (tuple(_stored(c, v) for c, v in zip(columns, row, strict=True)) for row in found),
        )

    def count(self, table: str) -> int:
        return int(self._raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608

    def finish(self) -> None:
        """Index the tickets moved (SQLite numbers from the rows themselves)."""
        search.register(self._raw)
        self._raw.execute("DELETE FROM ticket_search")
        self._raw.execute("DELETE FROM search_queue")
        self._raw.execute(
            "INSERT INTO ticket_search (rowid, subject, public, internal, state, customer)"
            + search.DOCUMENT
        )

    def close(self, *, commit: bool) -> None:
        with closing(self._raw):
            if self._raw.in_transaction:
                self._raw.execute("COMMIT" if commit else "ROLLBACK")


def _stored(column: Column, value: Any) -> Any:
    """A canonical value as SQLite stores it."""
    if value is None:
        return None
    if column.kind == "time":
        return rows.to_db(value)
    if column.kind == "flag":
        return int(value)
    return value
