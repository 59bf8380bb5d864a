"""Deliver queued notices through their platforms: in order per channel, retried, never lost.

Notices are rows written in the same transaction as the change they announce. Each channel
is a lane of its own: the worker takes the oldest due notice of every channel that has no
notice in flight, sends each as soon as its platform's per-channel limit allows (see
`bot.pacing`), and records the result: sent (with the platform's message id, so a card can
be edited later), retry later (rate limits, 5xx, network; at the platform's Retry-After or
with backoff, surviving restarts since it is a row), or failed (the platform will never
accept it: logged loudly, kept for `deskbot outbox`). A lane that finishes wakes the worker
for its channel's next notice at once, whatever the other channels are waiting for: a
rate-limited channel holds up nobody but itself.

Only the lease holder delivers (see `bot.leadership`), and a notice that waited for its
channel's turn is sent only if this process still held the lease at its last renewal, so a
notice is not sent both here and by the process that took over. The holder is woken when
this process queues a notice and polls every second anyway, so a notice another process on
the same database queued, or one whose retry time came, goes out within about a second.

Delivery is at least once: a crash between sending and recording resends that one notice
(at most one per channel, the one in flight).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import timedelta

from bot.leadership import Leadership
from bot.pacing import Pacer
from bot.sending import (
    EditTargetGone,
    PermanentDeliveryError,
    Sender,
    TransientDeliveryError,
    pace_of,
)
from handlers.delivery import delivered
from handlers.models import Queued
from handlers.ports import Clock, OutboxTx, Store, Tx
from handlers.timers import still_relevant

log = logging.getLogger(__name__)

Lane = tuple[str, str]  # a channel: (workspace, channel)


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
        self._lanes: dict[Lane, asyncio.Task[None]] = {}
        self._pacers = {name: Pacer(pace_of(sender)) for name, sender in self.senders.items()}

    def add_sender(self, sender: Sender) -> None:
        self.senders[sender.platform] = sender
        self._pacers[sender.platform] = Pacer(pace_of(sender))

    def wake(self) -> None:
        """Look at the queue now: something was just written to it."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver forever; look again when woken, when a lane is free, or at the next poll."""
        try:
            while True:
                self._wake.clear()
                try:
                    await self._start_due()
                except Exception:
                    # Storage trouble (disk full, a locked file): keep the worker alive.
                    log.exception("The outbox could not read or record deliveries; retrying")
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a
                # cancellation that arrives just as the event is set, and the worker would
                # never stop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll):
                        await self._wake.wait()
        finally:
            await self._stop_lanes()

    async def deliver_due(self) -> int:
        """Send the head notice of every channel that has one due; return how many.

        Waits until each is sent (or put back), whether this call or `run` started it.
        """
        due = await self._start_due()
        if due:
            await asyncio.wait(due)
        return len(due)

    async def _start_due(self) -> list[asyncio.Task[None]]:
        """Start a lane for each channel whose head notice is due; return the due heads' lanes."""
        if self.leadership is not None and not self.leadership.held:
            return []  # another process on this database delivers
        # One look at a time, and lanes that ended are let go before it: a head read while
        # its lane was still recording it must not be sent again.
        async with self._round:
            self._lanes = {lane: task for lane, task in self._lanes.items() if not task.done()}
            now, running = self.clock.now(), frozenset(self.senders)
            if not running:
                return []
            # Heads in flight come back too; ask for enough to see `batch` others.
            limit = self.batch + len(self._lanes)
            due = await self.store.read(lambda tx: tx.due_notices(now, limit, running))
            return [self._lanes.get(_lane(queued)) or self._start(queued) for queued in due]

    def _start(self, queued: Queued) -> asyncio.Task[None]:
        task = asyncio.create_task(self._run_lane(queued), name=f"outbox {_lane(queued)}")
        self._lanes[_lane(queued)] = task
        task.add_done_callback(lambda _: self._wake.set())  # the channel's next one may go
        return task

    async def _run_lane(self, queued: Queued) -> None:
        try:
            await self._deliver(queued)
        except Exception:
            log.exception("The outbox could not record delivering notice %s; retrying", queued.id)

    async def _stop_lanes(self) -> None:
        """Cancel the deliveries in flight: each is resent after a restart (at least once)."""
        lanes = list(self._lanes.values())
        for task in lanes:
            task.cancel()
        await asyncio.gather(*lanes, return_exceptions=True)
        self._lanes.clear()

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
            async with self._pacers[queued.notice.place.platform].turn(queued.notice.place):
                if self.leadership is not None and not self.leadership.held:
                    return  # the lease moved on while this waited its turn: the holder sends it
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
        # The platform's Retry-After says when it takes the post; backoff is for guessing.
        delay = self.backoff(queued.attempts) if retry_after is None else retry_after
        at = self.clock.now() + timedelta(seconds=delay)
        log.warning("Notice %s not delivered (%s); retrying in %.1fs", queued.id, reason, delay)
        await self.store.transact(lambda tx: tx.mark_retry(queued, at, reason))
        if delay < self.poll:  # look again when it is due, not at the next poll
            asyncio.get_running_loop().call_later(delay, self._wake.set)

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


def _lane(queued: Queued) -> Lane:
    return queued.notice.place.workspace, queued.notice.place.channel
