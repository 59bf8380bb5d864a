"""Retention: forget what deskbot keeps only for a while, daily and on demand.

The text of messages and notes of tickets closed longer ago than `retention.messages`, and
the free text of their audit events after `retention.audit_data`, is redacted through the
audit log's redaction path (`handlers.privacy.redact_old`); the tickets and every figure
stay. Each run that did anything is recorded, and the digest says what it did.

Inbound dedupe keys (`retention.inbound_keys`) only have to outlive the platforms'
redeliveries; kept for ever they are most of what an idle desk's file grows by. The keys of
used sign-in links to the web view live there too: those links expire 15 minutes after they
are made, so forgetting their keys after the retention lets no link be used twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from bot.leadership import Leadership
from handlers import privacy, texts
from handlers.personal import Redacted
from handlers.ports import Clock, Store

log = logging.getLogger(__name__)

# Keys deleted per transaction: a first run on a table of millions holds the writer a few
# milliseconds at a time (2,000 of a million keys: 2.4 ms, at worst 4 ms, where 5,000 took
# up to 49 ms), and intake commits between the batches.
BATCH = 2000
RETENTION = "retention"


async def prune_inbound_keys(store: Store, seen_before: datetime, batch: int = BATCH) -> int:
    """Forget the dedupe keys first seen before `seen_before`, a batch per transaction."""
    removed = 0
    while True:
        done = await store.transact(lambda tx: tx.prune_inbound_keys(seen_before, batch))
        removed += done
        if done < batch:
            return removed
        await asyncio.sleep(0)  # let the units waiting for the writer go first


async def inbound_keys_to_prune(store: Store, seen_before: datetime) -> int:
    """How many dedupe keys `prune_inbound_keys` would forget now."""
    return await store.read(lambda tx: tx.inbound_keys_before(seen_before))


class RetentionJob:
    """Run daily by the scheduler; only the lease holder prunes, so once a day in all."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        leadership: Leadership,
        inbound_keys: timedelta,
        messages: timedelta | None = None,
        audit_data: timedelta | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.leadership = leadership
        self.inbound_keys = inbound_keys
        self.messages = messages
        self.audit_data = audit_data

    async def __call__(self) -> int | None:
        """Prune and redact what is older than the retention; the dedupe keys forgotten, or
        None when another instance does it."""
        if not self.leadership.held:
            return None
        now = self.clock.now()
        removed = await prune_inbound_keys(self.store, now - self.inbound_keys)
        log.info(
            "Retention: forgot %d inbound dedupe key(s) older than %s (retention.inbound_keys)",
            removed,
            texts.duration(self.inbound_keys),
        )
        done = await privacy.redact_old(self.store, self.messages, self.audit_data, now, removed)
        log_redacted(done)
        return removed


def log_redacted(done: Redacted) -> None:
    """Say in the log what a retention run redacted."""
    if done.messages or done.events:
        log.info(
            "Retention: redacted the text of %d message(s) and of %d audit event(s) of tickets"
            " closed longer ago than retention.messages and retention.audit_data (redaction %s)",
            done.messages,
            done.events,
            done.redaction,
        )
