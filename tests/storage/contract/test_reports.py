"""The digests' record and the reports read beside it."""

from __future__ import annotations

from datetime import timedelta

from handlers.digest.rows import DigestRecord
from handlers.ports import Store
from tests.clock import START


async def test_digest_record_round_trips(store: Store) -> None:
    """The latest posted digest (by period end) comes back with its figures."""
    first = DigestRecord(START - timedelta(days=2), START - timedelta(days=1), START, {"a": 1})
    second = DigestRecord(START - timedelta(days=1), START, START, {"backlog": 7})
    for record in (first, second):
        await store.transact(lambda tx, record=record: tx.record_digest(record))  # type: ignore[misc]
    assert await store.report(lambda r: r.last_digest()) == second


async def test_no_digest_posted_yet(store: Store) -> None:
    """An empty digests table gives no last digest."""
    assert await store.report(lambda r: r.last_digest()) is None
