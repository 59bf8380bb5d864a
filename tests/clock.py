"""A clock the tests turn by hand: time-dependent behaviour is tested without waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# A Tuesday morning, inside office hours.
START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = START) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def set(self, at: datetime) -> None:
        self._now = at
