"""The personal-data map covers every text column of both stores' schemas."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg

from storage.personal import BY_NAME, TABLES, Kind
from storage.store import SqliteStore

# PostgreSQL's types that hold text a person could have written.
PG_TEXT_TYPES = ("text", "json", "jsonb", "character varying", "character", "tsvector")


def sqlite_text_columns(path: Path) -> set[tuple[str, str]]:
    """Every text column of the SQLite schema: declared TEXT, or untyped (the FTS table)."""
    raw = sqlite3.connect(path)
    try:
        tables = raw.execute(
            "SELECT name FROM pragma_table_list WHERE schema = 'main'"
            " AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        return {
            (table, column)
            for (table,) in tables
            for column, kind in raw.execute(
                "SELECT name, type FROM pragma_table_info(?)", (table,)
            ).fetchall()
            if kind.upper() in ("TEXT", "")
        }
    finally:
        raw.close()


def postgres_text_columns(url: str) -> set[tuple[str, str]]:
    with psycopg.connect(url) as connection:
        found = connection.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND data_type = ANY(%s)"
            " AND table_name != 'deskbot_schema'",
            (list(PG_TEXT_TYPES),),
        ).fetchall()
    return {(str(table), str(column)) for table, column in found}


def unclassified(columns: set[tuple[str, str]]) -> list[str]:
    return sorted(
        f"{table}.{column}"
        for table, column in columns
        if table not in BY_NAME or column not in BY_NAME[table].columns
    )


async def test_every_sqlite_text_column_is_classified(tmp_path: Path) -> None:
    """A text column missing from storage.personal.TABLES fails here, by name."""
    async with await SqliteStore.open(tmp_path / "desk.db"):
        pass
    columns = sqlite_text_columns(tmp_path / "desk.db")
    assert ("messages", "text") in columns
    assert unclassified(columns) == []


def test_every_postgres_text_column_is_classified(postgres_url: str) -> None:
    """The same on PostgreSQL, through information_schema."""
    columns = postgres_text_columns(postgres_url)
    assert ("events", "data") in columns
    assert unclassified(columns) == []


async def test_every_classified_column_exists_in_a_store(tmp_path: Path, postgres_url: str) -> None:
    """The map names no column that neither store has: it cannot go stale."""
    async with await SqliteStore.open(tmp_path / "desk.db"):
        pass
    held = sqlite_text_columns(tmp_path / "desk.db") | postgres_text_columns(postgres_url)
    stale = sorted(
        f"{table.name}.{column}"
        for table in TABLES
        for column in table.columns
        if (table.name, column) not in held
    )
    assert stale == []


def test_a_name_column_names_its_key_column() -> None:
    """Every NAME is forgotten by the key beside it, which must be a KEY of its table."""
    for table in TABLES:
        for column in table.columns.values():
            if column.kind is Kind.NAME:
                assert column.beside is not None
                assert table.columns[column.beside].kind is Kind.KEY
