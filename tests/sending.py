"""A console-like platform for tests that run the real outbox: it records what it is given."""

from __future__ import annotations

import asyncio

from handlers.models import Notice


class RecordingSender:
    """A console-like platform that records deliveries and fails on request."""

    platform = "console"

    def __init__(self) -> None:
        self.delivered: list[tuple[Notice, str | None]] = []
        self.failures: list[Exception] = []
        self.failing_channels: dict[str, Exception] = {}
        self.sent = asyncio.Event()  # set at each delivery

    async def deliver(self, notice: Notice, edit_of: str | None) -> str:
        if notice.place.channel in self.failing_channels:
            raise self.failing_channels[notice.place.channel]
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append((notice, edit_of))
        self.sent.set()
        return edit_of or f"msg-{len(self.delivered)}"

    def kinds(self) -> list[str]:
        return [str(notice.kind) for notice, _ in self.delivered]

    def texts(self) -> list[str]:
        return [notice.text for notice, _ in self.delivered]
