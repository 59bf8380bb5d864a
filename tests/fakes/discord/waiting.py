"""Wake waiters whenever the fake's state changes, so tests wait on events, not sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Changes:
    """A change counter that coroutines can wait on with a predicate."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake every waiter so it re-checks its predicate."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], what: str) -> None:
        """Return once `predicate()` holds; TimeoutError naming `what` after `self.timeout` s."""
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    event = self._event
                    if predicate():
                        return
                    await event.wait()
        except TimeoutError:
            raise TimeoutError(f"Timed out after {self.timeout}s waiting for {what}.") from None
