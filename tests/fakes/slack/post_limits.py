"""Slack's special limit on `chat.postMessage`: about one message per second per channel.

Slack's rate limits page: "chat.postMessage has special rate limiting conditions ... it will
generally allow an app to post 1 message per second to a specific channel, with short bursts
over 1 allowed." Beyond it Slack answers HTTP 429 `{"ok": false, "error": "ratelimited"}`
with `Retry-After`, in whole seconds. Thread replies count against their channel.

`PostLimit` models that as a bucket per channel that holds `burst` posts and refills one per
`interval` seconds. A limit scaled down for a test or a bench (an `interval` under a second)
says its Retry-After in milliseconds, so the schedule keeps its shape at the smaller scale.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class PostLimit:
    """One post per `interval` seconds in each channel, `burst` at once; a refused one waits."""

    interval: float = 1.0
    burst: int = 1
    clock: Callable[[], float] = time.monotonic
    _next_free: dict[str, float] = field(default_factory=dict)

    def take(self, channel: str) -> float | None:
        """Count a post to `channel`; return None if allowed, else the seconds to wait."""
        now = self.clock()
        # The bucket is full when the channel's next free moment lies `burst` posts back.
        earliest = self._next_free.get(channel, now) - (self.burst - 1) * self.interval
        if now < earliest:
            return earliest - now
        self._next_free[channel] = max(self._next_free.get(channel, now), now) + self.interval
        return None

    def retry_after(self, wait: float) -> str:
        """The Retry-After header for a wait: whole seconds as Slack says it, or scaled."""
        if self.interval >= 1.0:
            return str(max(1, math.ceil(wait)))
        return f"{math.ceil(wait * 1000) / 1000:.3f}"
