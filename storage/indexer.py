"""The search indexer: writes the queued search documents a batch per transaction, soon after.

Both stores queue the documents a unit of work changed, in the unit, rather than writing
them there: writing one ticket's document costs more than the rest of a new message's unit
on PostgreSQL (three statements and a GIN update) and as much as a fifth of it on SQLite
(an FTS5 segment). Written a batch at a time a second later, the cost is shared, and the
queue is a table, so nothing queued is lost to a crash.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Indexer:
    """Runs `write_batch` (one transaction writing up to `batch` queued documents, returning
    how many it wrote) `delay` seconds after documents are queued, until none are left."""

    def __init__(self, write_batch: Callable[[], Awaitable[int]], batch: int, delay: float) -> None:
        self.delay = delay
        self._write_batch = write_batch
        self._batch = batch
        self._task: asyncio.Task[None] | None = None
        self._queued_since = 0  # units that queued documents since the indexer last looked

    def soon(self) -> None:
        """Have the queued documents written in a batch `delay` seconds from now."""
        self._queued_since += 1
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="search indexer")

    async def _run(self) -> None:
        while self._queued_since:
            await asyncio.sleep(self.delay)
            self._queued_since = 0
            try:
                await self.write_all()
            except Exception:
                # The documents stay queued: the next unit that queues one tries them again,
                # and so does the next search, which writes the queue before it looks.
                log.exception("Writing the queued search documents failed; they stay queued.")

    async def write_all(self) -> None:
        """Write every queued document now, a batch per transaction."""
        while await self._write_batch() == self._batch:
            pass  # a full batch: more may be waiting

    async def stop(self) -> None:
        """Stop writing; what is still queued stays queued, on disk."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
