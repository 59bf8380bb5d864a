"""The SQLite file: one long-lived aiosqlite connection, its pragmas and its migrations."""

from __future__ import annotations

import asyncio
import functools
import re
import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar, cast

import aiosqlite

from storage import search

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000
WAL_CHECKPOINT_PAGES = 4000
_MIGRATION_NAME = re.compile(r"(\d{4})_\w+\.sql")
# Every SQLite database file starts with these 16 bytes (an empty file becomes one).
SQLITE_HEADER = b"SQLite format 3\x00"


class DatabaseTooNew(RuntimeError):
    """The database was written by a newer deskbot, whose schema this one does not know."""

    def __init__(
        self,
        where: Path | str,
        found: int,
        known: int,
        *,
        key: str = "storage.path",
        other: str = "file",
    ) -> None:
        super().__init__(
            f"{where} was written by a newer deskbot (schema version {found}; this version "
            f"knows up to {known}). Upgrade deskbot, or point {key} at another {other}."
        )


class DatabaseUnusable(RuntimeError):
    """storage.path names something that cannot hold the database: a folder, another file."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"storage.path: {path} {reason}")


def unusable_reason(path: Path) -> str | None:
    """Say why `path` cannot hold a deskbot database, or None if it looks usable unopened."""
    if path.is_dir():
        return "is a folder, not a SQLite database file"
    if path.exists() and not path.is_file():
        return "is not a regular file, so not a SQLite database"
    if path.exists():
        try:
            with path.open("rb") as file:
                header = file.read(len(SQLITE_HEADER))
        except OSError as error:
            return f"cannot be read ({error.strerror})"
        return "is not a SQLite database" if header and header != SQLITE_HEADER else None
    folder = next((parent for parent in path.parents if parent.exists()), None)
    if folder is not None and not folder.is_dir():
        return f"cannot be created: {folder} is a file, not a folder"
    return None


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
            await _check_usable(path)
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


async def _check_usable(path: Path) -> None:
    """Refuse, with a sentence, a path that cannot hold the database (creating its folder)."""
    reason = unusable_reason(path)
    if reason is not None:
        raise DatabaseUnusable(path, reason)
    try:
        # A plain connection first: aiosqlite's worker thread, when its connect fails,
        # outlives the failure and reports into a closed event loop.
        await asyncio.to_thread(_probe, path)
    except (OSError, sqlite3.Error) as error:
        raise DatabaseUnusable(path, _refusal(error)) from error


def _probe(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(path)
    try:
        raw.execute("PRAGMA schema_version")  # reads the file's header and first page
    finally:
        raw.close()


def _refusal(error: OSError | sqlite3.Error) -> str:
    if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
        return "is not a SQLite database"
    detail = error.strerror if isinstance(error, OSError) else str(error)
    return f"cannot be opened ({detail})"


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
    search.register(raw)  # the index's migration and its upkeep cut text with it


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
