"""The desk's sentences: how figures are written for people."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers import texts
from handlers.language import shipped
from handlers.models import ClockKind, Person, Place, Priority, Status, Ticket
from handlers.texts import ZERO_WIDTH_SPACE, Texts, texts_in


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


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "Tue 24 Nov 14:00 CET"), ("zh_CN", "11月24日 周二 14:00 CET")],
)
def test_a_moment_is_written_in_the_languages_own_way(locale: str, expected: str) -> None:
    """Babel's local names and order of day, month and time, then the timezone."""
    at = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
    assert texts_in(locale).when(at, ZoneInfo("Europe/Berlin")) == expected


@pytest.mark.parametrize(
    ("locale", "days", "expected"),
    [
        ("en", 1, "1 working day 4 business hours"),
        ("en", 3, "3 working days 4 business hours"),
        ("zh_CN", 1, "1 个工作日 4 个工作小时"),
        ("zh_CN", 3, "3 个工作日 4 个工作小时"),
    ],
)
def test_spans_take_the_languages_plural_forms(locale: str, days: int, expected: str) -> None:
    """English says `1 working day` and `3 working days`; Chinese has one form for both."""
    assert texts_in(locale).span(days, timedelta(hours=4), business=True) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "That message is too long (40,001 characters; the limit is 40,000)."),
        ("zh_CN", "这条消息太长了（40,001 个字符，上限为 40,000）。"),
    ],
)
def test_numbers_are_grouped_as_the_language_groups_them(locale: str, expected: str) -> None:
    """Counts go through Babel's number format, not Python's."""
    assert texts_in(locale).message_too_long(40_001, 40_000) == expected


HOSTILE = "@everyone @here <!channel> @channel look"


def hostile_ticket() -> Ticket:
    at = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
    loud = Person("console", "x", HOSTILE)
    return Ticket(
        1, Place("console:local", "support", "m1"), loud, HOSTILE, HOSTILE, Status.CLAIMED,
        Priority.HIGH, at, at, assignee=loud, permalink="https://example.test/1",
    )  # fmt: skip


def everything_said_about(t: Texts, ticket: Ticket) -> list[str]:
    """Every sentence that can carry a person's name, words or subject."""
    zone, at, hour = ZoneInfo("UTC"), ticket.created_at, timedelta(hours=1)
    return [
        t.ack(ticket, at, "4h", zone),
        t.card_text(ticket),
        t.claimed(ticket, HOSTILE),
        t.claimed_by_other(ticket),
        t.not_an_agent(HOSTILE),
        t.picked_up(ticket),
        t.resolved_note(ticket, HOSTILE, HOSTILE, hour),
        t.unclaimed_reminder(ticket, hour),
        t.breached(ticket, ClockKind.FIRST_RESPONSE, at, zone, 1),
        t.idle_nudge(ticket, hour),
        t.customer_nudge(ticket),
        t.why_header(ticket),
        t.status(ticket, 3, zone),
        t.ticket_list([ticket], 1, "all"),
        t.home_heading(HOSTILE),
        t.not_a_ticket_number(HOSTILE),
        t.unknown_verb(HOSTILE),
        t.not_understood(HOSTILE),
    ]


@pytest.mark.parametrize("locale", shipped())
def test_no_sentence_in_any_language_echoes_a_mass_mention(locale: str) -> None:
    """A customer's `@everyone` is neutralised whichever language echoes it."""
    said = everything_said_about(texts_in(locale), hostile_ticket())
    loud = [text for text in said if re.search(r"@(everyone|here|channel)\b", text)]
    assert loud == []
    assert all(ZERO_WIDTH_SPACE in text for text in said)
