"""Group commit: units arriving together share a COMMIT but stay atomic one by one."""

from __future__ import annotations

import asyncio
import threading

import pytest

from storage.commits import FLUSH_TASK, CommitCancelled, CommitInterrupted
from storage.store import SqliteStore, SqliteTx
from tests.builders import rows
from tests.clock import START


def remember(key: str):  # type: ignore[no-untyped-def]
    def unit(tx: SqliteTx) -> bool:
        return tx.remember(key, START)

    return unit


def remember_then_fail(key: str):  # type: ignore[no-untyped-def]
    def unit(tx: SqliteTx) -> None:
        tx.remember(key, START)
        raise ValueError(f"unit {key} failed")

    return unit


async def test_concurrent_units_all_commit(store: SqliteStore) -> None:
    """Fifty units at once: every one is committed and answered with its own result."""
    results = await asyncio.gather(*(store.transact(remember(f"k{n}")) for n in range(50)))
    assert results == [True] * 50
    assert await rows(store, "SELECT count(*) FROM inbound_keys") == [(50,)]


async def test_a_failing_unit_rolls_back_alone(store: SqliteStore) -> None:
    """In a shared transaction, one unit's failure undoes only that unit."""
    outcomes = await asyncio.gather(
        store.transact(remember("a")),
        store.transact(remember_then_fail("b")),
        store.transact(remember("c")),
        store.transact(remember_then_fail("d")),
        store.transact(remember("e")),
        return_exceptions=True,
    )
    assert [isinstance(outcome, ValueError) for outcome in outcomes] == [
        False,
        True,
        False,
        True,
        False,
    ]
    assert await rows(store, "SELECT key FROM inbound_keys ORDER BY key") == [
        ("a",),
        ("c",),
        ("e",),
    ]


async def test_units_in_one_group_see_each_others_writes(store: SqliteStore) -> None:
    """Later units in a group see earlier ones: the same key is new only once."""
    results = await asyncio.gather(*(store.transact(remember("same")) for _ in range(10)))
    assert sorted(results) == [False] * 9 + [True]


async def test_lone_unit_failure_raises_and_leaves_nothing(store: SqliteStore) -> None:
    """A unit alone that fails raises its error, and nothing it wrote stays."""
    with pytest.raises(ValueError, match="unit x failed"):
        await store.transact(remember_then_fail("x"))
    assert await rows(store, "SELECT count(*) FROM inbound_keys") == [(0,)]
    assert await store.transact(remember("after"))


def remember_when(key: str, started: threading.Event, go_on: threading.Event):  # type: ignore[no-untyped-def]
    def unit(tx: SqliteTx) -> bool:
        started.set()
        go_on.wait(timeout=10)
        return tx.remember(key, START)

    return unit


async def a_group_midway(store: SqliteStore) -> tuple[list[asyncio.Task[bool]], threading.Event]:
    """Commit unit `a` alone, then hold a group of `b` and `c` inside its commit.

    Returns the group's callers and the event that lets the held unit go on.
    """
    first_started, first_go_on = threading.Event(), threading.Event()
    group_started, group_go_on = threading.Event(), threading.Event()
    first = asyncio.create_task(store.transact(remember_when("a", first_started, first_go_on)))
    await asyncio.to_thread(first_started.wait, 10)
    waiters = [
        asyncio.create_task(store.transact(remember_when("b", group_started, group_go_on))),
        asyncio.create_task(store.transact(remember("c"))),
    ]
    await asyncio.sleep(0)
    first_go_on.set()
    assert await first
    await asyncio.to_thread(group_started.wait, 10)
    return waiters, group_go_on


async def test_a_cancelled_flush_answers_every_waiting_caller(store: SqliteStore) -> None:
    """Cancelling a group's flush mid-commit fails each waiter at once and writes none."""
    waiters, group_go_on = await a_group_midway(store)
    waiters.append(asyncio.create_task(store.transact(remember("d"))))  # the next group
    await asyncio.sleep(0)
    (flush,) = [task for task in asyncio.all_tasks() if task.get_name() == FLUSH_TASK]
    flush.cancel()
    await asyncio.sleep(0)  # the flush hears its cancel before the unit goes on
    group_go_on.set()
    outcomes = await asyncio.wait_for(asyncio.gather(*waiters, return_exceptions=True), 5)
    assert [type(outcome) for outcome in outcomes] == [CommitCancelled] * 3
    assert "nothing of it was written" in str(outcomes[0])
    assert flush.cancelled()
    assert await rows(store, "SELECT key FROM inbound_keys") == [("a",)]
    assert await store.transact(remember("after"))


async def test_a_flush_cancelled_twice_still_answers_every_waiting_caller(
    store: SqliteStore,
) -> None:
    """A second cancel while the commit settles still fails each waiter, saying so."""
    waiters, group_go_on = await a_group_midway(store)
    (flush,) = [task for task in asyncio.all_tasks() if task.get_name() == FLUSH_TASK]
    flush.cancel()
    await asyncio.sleep(0)
    flush.cancel()
    outcomes = await asyncio.wait_for(asyncio.gather(*waiters, return_exceptions=True), 5)
    assert [type(outcome) for outcome in outcomes] == [CommitInterrupted, CommitInterrupted]
    group_go_on.set()
    assert await rows(store, "SELECT key FROM inbound_keys") == [("a",)]
