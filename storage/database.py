"""The SQLite file: one long-lived aiosqlite connection, its pragmas and its migrations."""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar, cast

import aiosqlite

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000
WAL_CHECKPOINT_PAGES = 4000
_MIGRATION_NAME = re.compile(r"(\d{4})_\w+\.sql")


class DatabaseTooNew(RuntimeError):
    """The file was written by a newer deskbot, whose schema this one does not know."""

    def __init__(self, path: Path, found: int, known: int) -> None:
        super().__init__(
            f"{path} was written by a newer deskbot (schema version {found}; this version "
            f"knows up to {known}). Upgrade deskbot, or point storage.path at another file."
        )


def migrations() -> list[tuple[int, str]]:
    """The numbered schema migrations shipped with this version, in order."""
    found = []
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.fullmatch(entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(found)


def in_transaction(connection: sqlite3.Connection, begin: str, work: Callable[[], T]) -> T:
    """Run `work` between `begin` and COMMIT, rolling back if anything raises."""
    connection.execute(begin)
    try:
        result = work()
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return result


class Database:
    """An open deskbot database; use `async with Database.open(path) as db`."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._connection = connection
        self.path = path

    @classmethod
    async def open(cls, path: Path | str) -> Self:
        """Open (creating if needed) and migrate the database at `path`."""
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)
        database = cls(connection, path)
        try:
            await database.run(_configure)
            await database.run(lambda raw: _migrate(raw, path))
        except BaseException:
            await connection.close()
            raise
        return database

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` with the raw connection on the connection's own thread.

        aiosqlite hops threads once per statement; a whole unit of work run as one job
        on its thread costs one hop, which is what keeps intake fast. `_execute` is
        aiosqlite's queue-a-callable primitive (the one its public methods use); the
        version range in pyproject pins it.
        """
        execute = cast(Callable[..., Any], self._connection._execute)
        raw = self._connection._conn
        return cast(T, await execute(work, raw))

    async def close(self) -> None:
        await self._connection.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


def _configure(raw: sqlite3.Connection) -> None:
    # WAL lets readers (a digest, a second process) work beside the writer; NORMAL is
    # durable across application crashes, and an OS crash can lose only the last moments.
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = NORMAL")
    raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    raw.execute("PRAGMA foreign_keys = ON")
    raw.execute("PRAGMA temp_store = MEMORY")
    # Checkpoint every ~16 MiB of WAL rather than 4: each checkpoint copies a hot page (an
    # index root, the outbox head) once, so fewer, larger checkpoints write less in all.
    raw.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
    raw.row_factory = sqlite3.Row


def schema_version(raw: sqlite3.Connection) -> int:
    return int(raw.execute("PRAGMA user_version").fetchone()[0])


def _migrate(raw: sqlite3.Connection, path: Path) -> None:
    steps = migrations()
    known = steps[-1][0] if steps else 0
    for number, script in steps:
        step = functools.partial(_apply, raw, path, number, script, known)
        in_transaction(raw, "BEGIN IMMEDIATE", step)


def _apply(raw: sqlite3.Connection, path: Path, number: int, script: str, known: int) -> None:
    # Read the version inside the write transaction: a second process starting at the same
    # moment waits here, then finds the step done.
    found = schema_version(raw)
    if found > known:
        raise DatabaseTooNew(path, found, known)
    if number <= found:
        return
    for statement in statements(script):
        raw.execute(statement)
    raw.execute(f"PRAGMA user_version = {number}")


def statements(script: str) -> list[str]:
    """Split a SQL script into statements (triggers' inner semicolons included)."""
    found, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            found.append(pending.strip())
            pending = ""
    if pending.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in pending.splitlines()
    ):
        raise ValueError(f"Unterminated SQL statement in migration: {pending.strip()[:80]!r}")
    return found
