"""The desk's sentences: how figures are written for people."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers import texts


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        (timedelta(hours=8) - timedelta(milliseconds=400), "8h"),
        (timedelta(milliseconds=400), "0s"),
        (timedelta(hours=80, minutes=30), "80h 30m"),
        (timedelta(seconds=89.6), "1m 30s"),
    ],
)
def test_business_time_is_written_to_the_nearest_second(span: timedelta, expected: str) -> None:
    """Used and left round alike, so "0s used, 8h left" adds up to an 8h promise."""
    assert texts.business_time(span) == expected
