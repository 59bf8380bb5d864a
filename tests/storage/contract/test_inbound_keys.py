"""Inbound dedupe keys: pruned by age, oldest first, a bounded batch at a time."""

from __future__ import annotations

from handlers.ports import Store
from tests.storage.contract.values import later


async def seen(store: Store, *minutes: float) -> None:
    """Remember one key first seen at each of `minutes` after the start."""
    for at in minutes:
        await store.transact(lambda tx, at=at: tx.remember(f"slack:{at}", later(minutes=at)))


async def test_keys_seen_before_the_cutoff_are_counted(store: Store) -> None:
    """Only keys first seen strictly before the cutoff count."""
    await seen(store, 0, 1, 2, 3)
    assert await store.read(lambda tx: tx.inbound_keys_before(later(minutes=2))) == 2
    assert await store.read(lambda tx: tx.inbound_keys_before(later(minutes=0))) == 0


async def test_pruning_forgets_old_keys_oldest_first_within_the_limit(store: Store) -> None:
    """A batch removes at most `limit` keys, the oldest; newer keys stay remembered."""
    await seen(store, 3, 0, 2, 1, 10)
    cutoff = later(minutes=5)
    assert await store.transact(lambda tx: tx.prune_inbound_keys(cutoff, 3)) == 3
    assert await store.transact(lambda tx: tx.remember("slack:0", later(minutes=20))) is True
    assert await store.transact(lambda tx: tx.remember("slack:3", later(minutes=20))) is False
    assert await store.transact(lambda tx: tx.prune_inbound_keys(cutoff, 3)) == 1
    assert await store.transact(lambda tx: tx.prune_inbound_keys(cutoff, 3)) == 0
    assert await store.read(lambda tx: tx.inbound_keys_before(later(minutes=30))) == 2


async def test_a_key_inside_the_window_is_still_deduplicated(store: Store) -> None:
    """A redelivery of a key seen after the cutoff is still refused once pruning ran."""
    await seen(store, 0, 50)
    await store.transact(lambda tx: tx.prune_inbound_keys(later(minutes=30), 100))
    assert await store.transact(lambda tx: tx.remember("slack:50", later(minutes=51))) is False
