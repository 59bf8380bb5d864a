"""One process per database sweeps timers and delivers notices: whoever holds the lease.

A second deskbot started on the same file by mistake still records what it receives (the
dedupe keys keep that exact), but it sends nothing until the first one's lease expires.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta

from handlers.ports import Clock
from storage.store import SqliteStore

log = logging.getLogger(__name__)

LEASE = "leader"


class Leadership:
    def __init__(
        self, store: SqliteStore, clock: Clock, *, ttl: float = 30.0, holder: str | None = None
    ) -> None:
        self.store = store
        self.clock = clock
        self.ttl = ttl
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.held = False

    async def renew(self) -> bool:
        """Take or extend the lease; renew well within `ttl` to keep it."""
        now = self.clock.now()
        until = now + timedelta(seconds=self.ttl)
        held = await self.store.transact(lambda tx: tx.take_lease(LEASE, self.holder, now, until))
        if held != self.held:
            if held:
                log.info("This process (%s) now sweeps timers and delivers notices", self.holder)
            else:
                log.warning(
                    "Another deskbot holds the lease on this database; this one (%s)"
                    " records events but sends nothing",
                    self.holder,
                )
        self.held = held
        return held

    async def release(self) -> None:
        """Give the lease up at shutdown so a successor can start at once."""
        if self.held:
            await self.store.transact(lambda tx: tx.release_lease(LEASE, self.holder))
            self.held = False
