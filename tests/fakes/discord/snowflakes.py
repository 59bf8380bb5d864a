"""Generate Discord snowflakes and the ISO 8601 timestamps Discord derives from them."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

DISCORD_EPOCH_MS = 1_420_070_400_000
_TIMESTAMP_SHIFT = 22


def snowflake_time(snowflake: int) -> dt.datetime:
    """Return the UTC creation time encoded in a snowflake."""
    millis = (snowflake >> _TIMESTAMP_SHIFT) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)


def iso8601(when: dt.datetime) -> str:
    """Format a time the way Discord does (`2024-01-02T03:04:05.678000+00:00`)."""
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds")


def snowflake_timestamp(snowflake: int) -> str:
    """Return the ISO 8601 creation time of a snowflake."""
    return iso8601(snowflake_time(snowflake))


class SnowflakeGenerator:
    """Hand out strictly increasing snowflakes built from the current time."""

    def __init__(self, clock: Callable[[], float] = time.time, worker_id: int = 1) -> None:
        self._clock = clock
        self._worker_bits = (worker_id & 0x1F) << 17
        self._last = 0

    def next(self) -> int:
        """Return a new snowflake, later than every one handed out before."""
        millis = int(self._clock() * 1000) - DISCORD_EPOCH_MS
        candidate = (millis << _TIMESTAMP_SHIFT) | self._worker_bits
        # Two ids in the same millisecond differ in the increment bits, as on Discord.
        self._last = max(candidate, self._last + 1)
        return self._last
