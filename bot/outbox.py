"""Deliver queued notices through their platforms: in order per channel, retried, never lost.

Notices are rows written in the same transaction as the change they announce. The worker
takes the oldest due notice of each channel, sends them side by side, and records each
result: sent (with the platform's message id, so a card can be edited later), retry later
(rate limits, 5xx, network; with backoff that survives restarts, since it is a row), or
failed (the platform will never accept it: logged loudly, kept for `deskbot outbox`).

Only the lease holder delivers (see `bot.leadership`). It is woken when this process queues
a notice and polls every second anyway, so a notice another process on the same database
queued, or one whose retry time came, goes out within about a second.

Delivery is at least once: a crash between sending and recording resends that one notice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import timedelta

from bot.leadership import Leadership
from bot.sending import EditTargetGone, PermanentDeliveryError, Sender, TransientDeliveryError
from handlers.delivery import delivered
from handlers.models import Queued
from handlers.ports import Clock, OutboxTx, Store, Tx
from handlers.timers import still_relevant

log = logging.getLogger(__name__)


class OutboxWorker:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        senders: Mapping[str, Sender] | None = None,
        *,
        batch: int = 50,
        poll: float = 1.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 900.0,
        leadership: Leadership | None = None,
    ) -> None:
        self.leadership = leadership
        self.store = store
        self.clock = clock
        self.senders: dict[str, Sender] = dict(senders or {})
        self.batch = batch
        self.poll = poll
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._wake = asyncio.Event()
        self._round = asyncio.Lock()
        self._reported: set[tuple[str, str]] = set()

    def add_sender(self, sender: Sender) -> None:
        self.senders[sender.platform] = sender

    def wake(self) -> None:
        """Look at the queue now: something was just written to it."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver forever; sleep until woken or until the next poll."""
        while True:
            self._wake.clear()
            try:
                if await self.deliver_due():
                    continue
            except Exception:
                # Storage trouble (disk full, a locked file): keep the worker alive, try again.
                log.exception("The outbox could not read or record deliveries; retrying")
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation
            # that arrives just as the event is set, and the worker would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll):
                    await self._wake.wait()

    async def deliver_due(self) -> int:
        """Send the head notice of every channel that has one due; return how many."""
        if self.leadership is not None and not self.leadership.held:
            return 0  # another process on this database delivers
        # One delivery round at a time: two rounds would both see the same head notices.
        async with self._round:
            now, running = self.clock.now(), frozenset(self.senders)
            if not running:
                return 0
            due = await self.store.read(lambda tx: tx.due_notices(now, self.batch, running))
            await asyncio.gather(*(self._deliver(queued) for queued in due))
            return len(due)

    async def pending(self) -> int:
        """Notices still to send through the platforms running here."""
        running = frozenset(self.senders)
        return await self.store.read(lambda tx: tx.pending_count(running))

    async def drain(self) -> None:
        """Deliver until nothing is pending here (bound it with `asyncio.timeout`).

        Notices of platforms not running in this process wait for one that runs them.
        """
        while await self.pending():
            if not await self.deliver_due():
                await asyncio.sleep(0.05)

    async def _deliver(self, queued: Queued) -> None:
        sender = self.senders[queued.notice.place.platform]
        if queued.notice.guard is not None and not await self._still_relevant(queued):
            return
        try:
            message_id = await sender.deliver(queued.notice, queued.edit_of)
        except EditTargetGone:
            await self._repost(queued)
        except TransientDeliveryError as error:
            await self._retry(queued, str(error), error.retry_after)
        except PermanentDeliveryError as error:
            await self._fail(queued, str(error))
        except Exception as error:
            # An unexpected error is ours, not the platform's: keep the notice, say so loudly.
            log.exception("Delivering notice %s raised unexpectedly; will retry", queued.id)
            await self._retry(queued, f"{type(error).__name__}: {error}", None)
        else:
            now = self.clock.now()
            await self.store.transact(lambda tx: delivered(tx, queued, message_id, now))

    async def _still_relevant(self, queued: Queued) -> bool:
        """Re-check a reminder right before sending; drop it if its reason went away."""

        def check(tx: Tx) -> bool:
            if still_relevant(tx, queued.notice):
                return True
            tx.mark_obsolete(queued, "no longer relevant when its turn came")
            return False

        return await self.store.transact(check)

    def backoff(self, attempts: int) -> float:
        return float(min(self.backoff_cap, self.backoff_base * 2 ** min(attempts, 30)))

    async def _retry(self, queued: Queued, reason: str, retry_after: float | None) -> None:
        delay = max(retry_after or 0.0, self.backoff(queued.attempts))
        at = self.clock.now() + timedelta(seconds=delay)
        log.warning("Notice %s not delivered (%s); retrying in %.1fs", queued.id, reason, delay)
        await self.store.transact(lambda tx: tx.mark_retry(queued, at, reason))

    async def _repost(self, queued: Queued) -> None:
        edit_key = queued.notice.edit_key
        now = self.clock.now()

        def forget(tx: OutboxTx) -> None:
            if edit_key is not None:
                tx.forget_edit_target(edit_key)
            tx.mark_retry(queued, now, "the message to edit is gone; posting a new one")

        await self.store.transact(forget)

    async def _fail(self, queued: Queued, reason: str) -> None:
        place = queued.notice.place
        where = f"{place.workspace} channel {place.channel}"
        if (where, reason) not in self._reported:
            self._reported.add((where, reason))
            log.error("Notices to %s cannot be delivered: %s", where, reason)
        now = self.clock.now()
        await self.store.transact(lambda tx: tx.mark_failed(queued, reason, now))
