"""Space the posts to each channel as its platform's documented limit asks.

Posting at the limit rather than into it keeps a broadcast of thousands of thread replies
on the fastest schedule the platform allows without a storm of 429s: Slack takes about one
`chat.postMessage` per second per channel, Discord five messages per five seconds per
channel (a thread being a channel of its own). The platform's Retry-After still has the last
word; this only keeps deskbot from asking too early.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable

from bot.sending import ChannelPace
from handlers.models import Place

FORGET_AFTER = 1024  # rooms remembered before the idle ones are forgotten


class Pacer:
    """Keep at most `pace.posts` posts in any `pace.per` seconds in each room of a platform."""

    def __init__(
        self,
        pace: ChannelPace,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.pace = pace
        self._monotonic = monotonic
        self._sleep = sleep
        self._sent: dict[tuple[str, str], deque[float]] = {}

    def room(self, place: Place) -> tuple[str, str]:
        """Where a post to `place` counts: its channel, or its thread if threads are apart."""
        if self.pace.per_thread and place.thread is not None:
            return place.workspace, place.thread
        return place.workspace, place.channel

    def wait(self, place: Place) -> float:
        """Seconds until `place` may take another post."""
        recent = self._sent.get(self.room(place))
        if recent is None or len(recent) < self.pace.posts:
            return 0.0
        return max(0.0, recent[0] + self.pace.per - self._monotonic())

    @contextlib.asynccontextmanager
    async def turn(self, place: Place) -> AsyncIterator[None]:
        """Wait for `place`'s turn to post; count the post once the platform has answered.

        Counting from the answer, not the request, is what keeps a strict limit happy: the
        platform counted the post somewhere in between, and a request sent promptly behind
        a slow one (retried in place, say) would otherwise arrive inside the window. The
        outbox sends one notice per channel at a time, so a room never has two waiters.
        """
        if self.pace.per <= 0:
            yield
            return
        delay = self.wait(place)
        if delay > 0:
            await self._sleep(delay)
        try:
            yield
        finally:
            self._count(place)

    def _count(self, place: Place) -> None:
        room = self.room(place)
        recent = self._sent.setdefault(room, deque(maxlen=self.pace.posts))
        recent.append(self._monotonic())
        if len(self._sent) > FORGET_AFTER:
            self._forget_idle()

    def _forget_idle(self) -> None:
        """Drop rooms whose last post no longer limits the next one (ended threads, mostly)."""
        now = self._monotonic()
        idle = [room for room, sent in self._sent.items() if sent[-1] + self.pace.per <= now]
        for room in idle:
            del self._sent[room]
