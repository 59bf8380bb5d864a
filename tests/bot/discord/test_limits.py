"""Fitting the desk's text into Discord's limits."""

from __future__ import annotations

import pytest

from bot.adapters.discord.limits import MAX_CONTENT, chunks, thread_name


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, ["short"]),
        ("one\ntwo\nthree", 8, ["one\ntwo", "three"]),
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),
        ("", 10, ["…"]),
    ],
)
def test_chunks_split_at_line_breaks_within_the_limit(
    text: str, limit: int, expected: list[str]
) -> None:
    """Text is split at line breaks where a line fits, and never left empty."""
    assert chunks(text, limit) == expected


def test_chunks_of_a_long_text_all_fit() -> None:
    """Every piece of a long text fits in one Discord message."""
    pieces = chunks(("word " * 30 + "\n") * 200)
    assert all(len(piece) <= MAX_CONTENT for piece in pieces)


@pytest.mark.parametrize(
    ("title", "expected_length"), [("#1 printer", 10), ("#12 " + "x" * 200, 100)]
)
def test_thread_names_fit_discords_limit(title: str, expected_length: int) -> None:
    """A thread name is at most 100 characters."""
    assert len(thread_name(title)) == expected_length
