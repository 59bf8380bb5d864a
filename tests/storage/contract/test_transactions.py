"""The store's units of work: committed whole, or rolled back whole."""

from __future__ import annotations

import pytest

from handlers.ports import Store, Tx
from tests.clock import START


async def test_transact_returns_what_the_work_returns(store: Store) -> None:
    """A unit's result comes back once it is committed, and later reads see its writes."""
    assert await store.transact(lambda tx: tx.remember("k", START)) is True
    assert await store.read(lambda tx: tx.remember("k", START)) is False


async def test_work_that_raises_is_rolled_back(store: Store) -> None:
    """If work raises halfway, nothing it wrote is kept and the error reaches the caller."""

    def half_then_fail(tx: Tx) -> None:
        tx.remember("k", START)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await store.transact(half_then_fail)
    assert await store.transact(lambda tx: tx.remember("k", START)) is True


async def test_outside_changes_is_a_number(store: Store) -> None:
    """Asking whether anyone else committed answers with a number, stable while nobody did."""
    first = await store.outside_changes()
    assert first == await store.outside_changes()
