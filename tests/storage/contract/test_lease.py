"""The lease: one holder at a time, renewed while held, free once expired or released."""

from __future__ import annotations

from handlers.ports import Lease, Store
from tests.storage.contract.values import later


async def take(store: Store, holder: str, minutes: float, ttl: float = 1) -> Lease:
    now = later(minutes=minutes)
    until = later(minutes=minutes + ttl)
    return await store.transact(lambda tx: tx.take_lease("leader", holder, now, until))


async def test_a_free_lease_is_taken(store: Store) -> None:
    """Nobody holds it: the taker holds it until the time asked."""
    assert await take(store, "a", 0) == Lease("a", later(minutes=1))


async def test_a_held_lease_is_refused_to_another(store: Store) -> None:
    """While it lasts, another taker is told who holds it and until when."""
    await take(store, "a", 0)
    assert await take(store, "b", 0.5) == Lease("a", later(minutes=1))


async def test_the_holder_renews_its_lease(store: Store) -> None:
    """Taking a lease already held pushes its end on."""
    await take(store, "a", 0)
    assert await take(store, "a", 0.5) == Lease("a", later(minutes=1.5))


async def test_an_expired_lease_is_taken_over(store: Store) -> None:
    """A holder that stopped renewing loses the lease once it expires."""
    await take(store, "a", 0)
    assert await take(store, "b", 1) == Lease("b", later(minutes=2))


async def test_a_released_lease_is_free_at_once(store: Store) -> None:
    """The holder gives it up; the next taker need not wait it out."""
    await take(store, "a", 0)
    await store.transact(lambda tx: tx.release_lease("leader", "a"))
    assert await take(store, "b", 0) == Lease("b", later(minutes=1))


async def test_only_the_holder_releases(store: Store) -> None:
    """A release by someone who does not hold the lease changes nothing."""
    await take(store, "a", 0)
    await store.transact(lambda tx: tx.release_lease("leader", "b"))
    assert await take(store, "b", 0) == Lease("a", later(minutes=1))
