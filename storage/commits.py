"""Group commit: units of work that arrive together share one COMMIT.

Each unit runs in its own savepoint, so it still commits or rolls back as a whole, and no
caller hears back before the COMMIT that makes its unit durable. What is shared is the
cost of the COMMIT (writing the transaction's pages to the WAL), which is most of what a
small unit costs: under a burst (a retry storm, a catch-up after downtime) the desk keeps
up instead of queueing. A unit that finds the database idle is committed alone, at once.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from storage.database import Database

Unit = Callable[[sqlite3.Connection], Any]


@dataclass
class _Outcome:
    value: Any = None
    error: Exception | None = None

    def unwrap(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


@dataclass
class GroupCommitter:
    database: Database
    _waiting: list[tuple[Unit, asyncio.Future[Any]]] = field(default_factory=list)
    _busy: bool = False
    _flusher: asyncio.Task[None] | None = None

    async def run(self, unit: Unit) -> Any:
        """Run `unit` atomically; return once it is committed (alone or with others)."""
        if self._busy:
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self._waiting.append((unit, future))
            return await future
        self._busy = True
        try:
            (outcome,) = await self.database.run(lambda raw: _commit(raw, [unit]))
        finally:
            self._hand_over()
        return outcome.unwrap()

    def _hand_over(self) -> None:
        """Whoever queued while we committed goes next, together, in one transaction."""
        if self._waiting:
            self._flusher = asyncio.create_task(self._flush())
        else:
            self._busy = False

    async def _flush(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                await self._commit_group(group)
        finally:
            self._busy = False

    async def _commit_group(self, group: list[tuple[Unit, asyncio.Future[Any]]]) -> None:
        units = [unit for unit, _ in group]
        try:
            outcomes = await self.database.run(lambda raw: _commit(raw, units))
        except Exception as failure:  # the COMMIT itself failed: no unit is durable
            outcomes = [_Outcome(error=failure)] * len(group)
        for (_, future), outcome in zip(group, outcomes, strict=True):
            if future.done():
                continue
            if outcome.error is not None:
                future.set_exception(outcome.error)
            else:
                future.set_result(outcome.value)


def _commit(raw: sqlite3.Connection, units: list[Unit]) -> list[_Outcome]:
    raw.execute("BEGIN IMMEDIATE")
    try:
        outcomes = [_in_savepoint(raw, unit) for unit in units]
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    return outcomes


def _in_savepoint(raw: sqlite3.Connection, unit: Unit) -> _Outcome:
    raw.execute("SAVEPOINT unit")
    try:
        value = unit(raw)
    except Exception as error:
        raw.execute("ROLLBACK TO unit")
        raw.execute("RELEASE unit")
        return _Outcome(error=error)
    raw.execute("RELEASE unit")
    return _Outcome(value)
