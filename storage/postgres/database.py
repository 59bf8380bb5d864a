"""The PostgreSQL database: a pool of connections, its migrations, and units of work.

A unit of work is a synchronous function over one connection, run on a worker thread in
one transaction. Writes run READ COMMITTED and take row locks where a decision reads
before it writes (see `storage.postgres.store`): a second instance deciding about the same
ticket waits for the first to commit, then decides on what it wrote. Should PostgreSQL
still roll a unit back (a deadlock between two units, found and broken by the server),
the unit runs again from the start; units are plain functions of what they read, so
running one again is safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
from collections.abc import Callable
from importlib import resources
from types import TracebackType
from typing import Any, Self, TypeVar

import psycopg
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.string import TextLoader
from psycopg_pool import ConnectionPool, PoolTimeout

from storage.database import DatabaseTooNew, DatabaseUnusable
from storage.postgres import search

T = TypeVar("T")
log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"(\d{4})_\w+\.sql")
# Any constant both instances agree on: pg_advisory_xact_lock's key for migrating.
MIGRATION_LOCK = 0x6465736B  # "desk"
POOL_SIZE = 8
CONNECT_TIMEOUT = 10.0
RETRIES = 30
WRITE = "BEGIN ISOLATION LEVEL READ COMMITTED"
READ = "BEGIN ISOLATION LEVEL REPEATABLE READ"
REPORT = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
# Steps written in Python, run right after the migration of that number: what SQL alone
# cannot do (the search terms are cut by `handlers.knowledge`).
AFTER: dict[int, Callable[[psycopg.Connection[Any]], object]] = {5: search.rebuild}


class DatabaseUnreachable(DatabaseUnusable):
    """storage.url names a database deskbot cannot connect to."""

    def __init__(self, url: str, reason: str) -> None:
        RuntimeError.__init__(self, f"storage.url: cannot connect to {safe_url(url)}: {reason}")


def safe_url(url: str) -> str:
    """The URL without its password, fit for a log line or an error."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(an unreadable URL)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    host = parts.get("host") or "localhost"
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{host}{port}/{parts.get('dbname', '')}"


def migrations() -> list[tuple[int, str]]:
    """The numbered PostgreSQL schema migrations shipped with this version, in order."""
    found = []
    for entry in resources.files("storage.postgres").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.fullmatch(entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(found)


def configure(connection: psycopg.Connection[Any]) -> None:
    # Times come back in UTC; JSON comes back as its text, as SQLite gives it.
    connection.execute("SET TIME ZONE 'UTC'")
    for name in ("json", "jsonb"):
        connection.adapters.register_loader(name, TextLoader)


class Database:
    """An open PostgreSQL database; use `async with await Database.open(url) as db`."""

    def __init__(self, pool: ConnectionPool[psycopg.Connection[Any]], url: str) -> None:
        self.pool = pool
        self.url = url

    @classmethod
    async def open(cls, url: str, *, size: int = POOL_SIZE) -> Self:
        """Connect and migrate (under an advisory lock, so instances starting together wait)."""
        await asyncio.to_thread(_probe, url)
        pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=size,
            open=False,
            configure=configure,
            kwargs={"autocommit": True},
            name="deskbot",
        )
        try:
            await asyncio.to_thread(pool.open, wait=True, timeout=CONNECT_TIMEOUT)
        except PoolTimeout as error:
            await asyncio.to_thread(pool.close)
            raise DatabaseUnreachable(url, f"no connection within {CONNECT_TIMEOUT:g}s") from error
        database = cls(pool, url)
        try:
            # READ COMMITTED: the lock is waited for inside the transaction, and what the
            # other instance migrated meanwhile must be seen once it is granted.
            await database.run("BEGIN", lambda connection: _migrate(connection, url))
        except BaseException:
            await database.close()
            raise
        return database

    async def run(self, begin: str, work: Callable[[psycopg.Connection[Any]], T]) -> T:
        """Run `work` in one transaction on a pooled connection, on a worker thread."""
        return await asyncio.to_thread(self.run_now, begin, work)

    def run_now(self, begin: str, work: Callable[[psycopg.Connection[Any]], T]) -> T:
        """Run `work` in one transaction, again from the start while PostgreSQL asks to."""
        for attempt in range(1, RETRIES + 1):
            with self.pool.connection() as connection:
                try:
                    return in_transaction(connection, begin, lambda: work(connection))
                except ConnectionDropped:
                    # The pool drops the dead connection on its return; nothing ran on it.
                    if attempt == RETRIES:
                        raise
                    continue
                except (errors.SerializationFailure, errors.DeadlockDetected) as error:
                    if attempt == RETRIES:
                        raise
                    log.debug("Running a unit of work again (%s): %s", attempt, error.sqlstate)
            # Back off a little, at random, so the units that clashed do not clash again.
            time.sleep(random.uniform(0, 0.002 * attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    async def close(self) -> None:
        await asyncio.to_thread(self.pool.close)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


class ConnectionDropped(RuntimeError):
    """A pooled connection the server had closed (a restart, an idle timeout) failed to BEGIN."""


def in_transaction(connection: psycopg.Connection[Any], begin: str, work: Callable[[], T]) -> T:
    """Run `work` between `begin` and COMMIT, rolling back if anything raises."""
    try:
        connection.execute(begin)
    except psycopg.OperationalError as error:
        raise ConnectionDropped(f"The database connection was lost: {error}") from error
    try:
        result = work()
        connection.execute("COMMIT")
    except BaseException:
        # A connection lost mid-unit cannot roll back; the server already has.
        with contextlib.suppress(psycopg.Error):
            connection.execute("ROLLBACK")
        raise
    return result


def _probe(url: str) -> None:
    """Connect once, plainly, to say at once why not (the pool would only time out)."""
    try:
        psycopg.connect(url, connect_timeout=int(CONNECT_TIMEOUT)).close()
    except psycopg.Error as error:
        raise DatabaseUnreachable(url, str(error).strip().splitlines()[0]) from None


def migrate(url: str) -> None:
    """Bring the database at `url` up to this version's schema, outside any pool."""
    with psycopg.connect(url, autocommit=True) as connection:
        in_transaction(connection, "BEGIN", lambda: _migrate(connection, url))


def schema_version(connection: psycopg.Connection[Any]) -> int:
    connection.execute("CREATE TABLE IF NOT EXISTS deskbot_schema (version integer NOT NULL)")
    row = connection.execute("SELECT max(version) FROM deskbot_schema").fetchone()
    return 0 if row is None or row[0] is None else int(row[0])


def _migrate(connection: psycopg.Connection[Any], url: str) -> None:
    # Every step in one transaction, behind a lock held until it commits: a second instance
    # starting at the same moment waits here, then finds the steps done.
    connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
    steps = migrations()
    known = steps[-1][0] if steps else 0
    found = schema_version(connection)
    if found > known:
        raise DatabaseTooNew(safe_url(url), found, known, key="storage.url", other="database")
    for number, script in steps:
        if number > found:
            connection.execute(script.encode())
            if number in AFTER:
                AFTER[number](connection)
            connection.execute("DELETE FROM deskbot_schema")
            connection.execute("INSERT INTO deskbot_schema (version) VALUES (%s)", (number,))
