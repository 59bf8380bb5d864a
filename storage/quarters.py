"""Windows cut at quarter hours: the whole quarters the `flow_counts` rollup counts, and the
minutes around them, which are counted from the audit events themselves.

Every local midnight of every timezone in use is a UTC quarter hour (offsets are whole
quarters), so a report's days are whole quarters but for the minutes up to now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from handlers.digest.rows import Window

QUARTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Part:
    """A part `[start, end)` of the window numbered `number`; `end=None` runs on for ever."""

    number: int
    start: datetime
    end: datetime | None


def cut(windows: Sequence[Window]) -> tuple[list[Part], list[Part]]:
    """Each window as its whole quarters, and the parts before and after them."""
    whole: list[Part] = []
    rest: list[Part] = []
    for number, window in enumerate(windows):
        start = window.start.astimezone(UTC)
        first = ceiling(start)
        end = None if window.end is None else window.end.astimezone(UTC)
        last = None if end is None else floor(end)
        if last is not None and first >= last:
            rest.append(Part(number, start, end))
            continue
        whole.append(Part(number, first, last))
        if start < first:
            rest.append(Part(number, start, first))
        if last is not None and end is not None and last < end:
            rest.append(Part(number, last, end))
    return whole, rest


def floor(at: datetime) -> datetime:
    """The start of the quarter hour `at` falls in."""
    return at - timedelta(minutes=at.minute % 15, seconds=at.second, microseconds=at.microsecond)


def ceiling(at: datetime) -> datetime:
    """The first quarter hour at or after `at`."""
    start = floor(at)
    return start if start == at else start + QUARTER
