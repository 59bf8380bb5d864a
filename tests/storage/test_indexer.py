"""The indexer's schedule: a batch after the delay, all batches while they come full, and a
failed batch logged and tried again by the next unit that queues."""

from __future__ import annotations

import asyncio

import pytest

from storage.indexer import Indexer

WAIT = 5.0  # seconds: far beyond the delay these tests set


class Batches:
    """Stands for a store's queue: `sizes` are the batches it hands out, then empty ones."""

    def __init__(self, *sizes: int | Exception) -> None:
        self.sizes = list(sizes)
        self.written: list[int] = []
        self.done = asyncio.Event()

    async def write(self) -> int:
        size = self.sizes.pop(0) if self.sizes else 0
        if isinstance(size, Exception):
            raise size
        self.written.append(size)
        if not self.sizes:
            self.done.set()
        return size


async def test_full_batches_are_written_until_one_comes_short() -> None:
    """Three full batches and a short one: four transactions, then the indexer rests."""
    queue = Batches(2, 2, 2, 1)
    indexer = Indexer(queue.write, batch=2, delay=0.01)
    indexer.soon()
    await asyncio.wait_for(queue.done.wait(), WAIT)
    await indexer.stop()
    assert queue.written == [2, 2, 2, 1]


async def test_a_failed_batch_is_logged_and_tried_again_at_the_next_queueing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A database error keeps the documents queued; the next unit's queueing retries them."""
    queue = Batches(RuntimeError("disk full"), 1)
    indexer = Indexer(queue.write, batch=2, delay=0.01)
    indexer.soon()
    for _ in range(int(WAIT / 0.01)):
        if "stay queued" in caplog.text:
            break
        await asyncio.sleep(0.01)
    assert "stay queued" in caplog.text and queue.written == []
    indexer.soon()
    await asyncio.wait_for(queue.done.wait(), WAIT)
    await indexer.stop()
    assert queue.written == [1]
