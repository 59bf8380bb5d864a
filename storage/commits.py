"""Group commit: units of work that arrive together share one COMMIT.

Each unit runs in its own savepoint, so it still commits or rolls back as a whole, and no
caller hears back before the COMMIT that makes its unit durable. What is shared is the
cost of the COMMIT (writing the transaction's pages to the WAL), which is most of what a
small unit costs: under a burst (a retry storm, a catch-up after downtime) the desk keeps
up instead of queueing. A unit that finds the database idle is committed alone, at once.
A flush cancelled mid-commit (at shutdown) stops before its next unit, rolls back, and
fails each waiting caller with `CommitCancelled` rather than leaving it waiting.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from storage.database import Database

Unit = Callable[[sqlite3.Connection], Any]
FLUSH_TASK = "group commit flush"


class CommitCancelled(RuntimeError):
    """The group's commit was cancelled before its COMMIT, so it was rolled back."""

    def __init__(self) -> None:
        super().__init__(
            "The commit was cancelled before it finished; this unit was rolled back, "
            "so nothing of it was written."
        )


class CommitInterrupted(RuntimeError):
    """The wait for a group's commit was cut short: the unit may or may not be written."""

    def __init__(self) -> None:
        super().__init__(
            "The wait for this commit was interrupted before it finished; the unit may or "
            "may not have been written."
        )


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
            self._flusher = asyncio.create_task(self._flush(), name=FLUSH_TASK)
        else:
            self._busy = False

    async def _flush(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                await self._commit_group(group)
        finally:
            # Only a cancelled flush leaves units queued: none of them was started.
            left, self._waiting = self._waiting, []
            _answer(left, _outcomes_all(CommitCancelled(), len(left)))
            self._busy = False

    async def _commit_group(self, group: list[tuple[Unit, asyncio.Future[Any]]]) -> None:
        """Commit `group` in one transaction and answer each waiter, even when cancelled."""
        units = [unit for unit, _ in group]
        stop = threading.Event()
        job = asyncio.ensure_future(self.database.run(lambda raw: _commit(raw, units, stop)))
        try:
            await asyncio.wait([job])
        except asyncio.CancelledError:
            # The job runs on the connection's thread whatever we do: stop it before its
            # next unit, and wait until it has rolled back (or committed) to say which.
            stop.set()
            await asyncio.wait([job])
            raise
        finally:
            _answer(group, _outcomes(job, len(group)))


def _answer(group: list[tuple[Unit, asyncio.Future[Any]]], outcomes: list[_Outcome]) -> None:
    """Tell each waiter still listening how its unit ended."""
    for (_, future), outcome in zip(group, outcomes, strict=True):
        if future.done():
            continue
        if outcome.error is not None:
            future.set_exception(outcome.error)
        else:
            future.set_result(outcome.value)


def _outcomes(job: asyncio.Future[Any], count: int) -> list[_Outcome]:
    if not job.done():  # cancelled twice: the job may yet commit, so say so
        job.add_done_callback(_ignore_outcome)
        return _outcomes_all(CommitInterrupted(), count)
    failure = job.exception()
    if failure is None:
        return cast(list[_Outcome], job.result())
    # The COMMIT itself failed (or was stopped): no unit is durable.
    return _outcomes_all(failure if isinstance(failure, Exception) else CommitInterrupted(), count)


def _outcomes_all(error: Exception, count: int) -> list[_Outcome]:
    return [_Outcome(error=error)] * count


def _ignore_outcome(job: asyncio.Future[Any]) -> None:
    # Nobody waits for this job any more; retrieving its outcome keeps it from being logged.
    if not job.cancelled():
        job.exception()


def _commit(
    raw: sqlite3.Connection, units: list[Unit], stop: threading.Event | None = None
) -> list[_Outcome]:
    raw.execute("BEGIN IMMEDIATE")
    try:
        outcomes = []
        for unit in units:
            _unless_stopped(stop)
            outcomes.append(_in_savepoint(raw, unit))
        _unless_stopped(stop)
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    return outcomes


def _unless_stopped(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise CommitCancelled()


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
