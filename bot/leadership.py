"""One process per database sweeps timers and delivers notices: whoever holds the lease.

A second deskbot on the same file (a standby, or one started by mistake) still records what
it receives (the dedupe keys keep that exact), but it sends nothing while the other holds
the lease. The holder renews it every few seconds for a short time ahead; a holder that
crashes stops renewing and the other takes over once the lease expires, and one that stops
cleanly releases it, so the other takes over at its next renewal.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from handlers.ports import Clock, Lease, Store

log = logging.getLogger(__name__)

LEASE = "leader"


class Leadership:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        ttl: float = 10.0,
        renew_every: float = 3.0,
        holder: str | None = None,
    ) -> None:
        if not 0 < renew_every < ttl:
            raise ValueError(
                f"The lease must be renewed (every {renew_every}s) more often than it"
                f" lasts ({ttl}s)."
            )
        self.store = store
        self.clock = clock
        self.ttl = ttl
        self.renew_every = renew_every
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.held = False
        self._waiting_for: str | None = None

    async def renew(self) -> bool:
        """Take or extend the lease for `ttl` seconds; return whether this process holds it."""
        now = self.clock.now()
        until = now + timedelta(seconds=self.ttl)
        lease = await self.store.transact(lambda tx: tx.take_lease(LEASE, self.holder, now, until))
        held = lease.holder == self.holder
        if held and not self.held:
            self._took(lease)
        elif not held and lease.holder != self._waiting_for:
            self._waits(lease)
        self.held = held
        return held

    @property
    def leader(self) -> str | None:
        """Who sweeps and sends, as this process last saw the lease: itself, or the holder it
        waits for (None until it has looked)."""
        return self.holder if self.held else self._waiting_for

    async def release(self) -> None:
        """Give the lease up at shutdown so a successor takes over without waiting it out."""
        if self.held:
            await self.store.transact(lambda tx: tx.release_lease(LEASE, self.holder))
            self.held = False
            log.info("Released the lease; another deskbot on this database may take over")

    def _took(self, lease: Lease) -> None:
        if self._waiting_for is None:
            log.info("This process (%s) sweeps timers and delivers notices", lease.holder)
        else:
            log.warning(
                "Took over the lease from %s: this process (%s) now sweeps timers and"
                " delivers notices",
                self._waiting_for,
                lease.holder,
            )
        self._waiting_for = None

    def _waits(self, lease: Lease) -> None:
        # Once per holder: the holder pushes `expires_at` on at each renewal it makes.
        log.warning(
            "Waiting for the lease held by %s until %s; this process (%s) records events"
            " but sweeps and sends nothing meanwhile",
            lease.holder,
            _when(lease.expires_at),
            self.holder,
        )
        self._waiting_for = lease.holder


def _when(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S} UTC"
