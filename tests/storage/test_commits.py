"""Group commit: units arriving together share a COMMIT but stay atomic one by one."""

from __future__ import annotations

import asyncio

import pytest

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
