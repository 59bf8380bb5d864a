"""Forgetting a person and exporting what is stored about them: the values that cross the port.

A forgotten person's rows keep their numbers, times and states, so tickets, counts, SLA
figures and ratings stay; what named them becomes one pseudonym (`customer-7f3a9c1e`), the
same on all their rows so their tickets still group. The pseudonym is drawn at random, not
derived from the person's id: a hash of an id could be undone by hashing every member's id.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

PSEUDONYM_PREFIX = "customer-"


def new_pseudonym() -> str:
    """A fresh pseudonym: `customer-` and eight random hex digits."""
    return PSEUDONYM_PREFIX + secrets.token_hex(4)


@dataclass(frozen=True)
class Forgetting:
    """A request to forget one person: their key, their pseudonym, who asked and when."""

    person_key: str  # '<platform>:<id>'
    pseudonym: str
    asked_by: str  # a person's key, or 'cli:<user>' for the command line
    at: datetime
    dry_run: bool = False

    @property
    def pseudonym_key(self) -> str:
        platform, _, _ = self.person_key.partition(":")
        return f"{platform}:{self.pseudonym}"


@dataclass(frozen=True)
class Forgotten:
    """What a forgetting changed, or would change: rows by table and column."""

    pseudonym: str
    changed: tuple[tuple[str, int], ...]  # ('messages.text', 12), by column
    tickets: int  # tickets the person opened
    notices_dropped: int  # queued notices for them, dropped
    dry_run: bool
    redaction: int | None = None  # the record of it (None for a dry run)
    remains: str | None = None  # what the store could not erase from its files yet

    @property
    def rows(self) -> int:
        """Values changed in all."""
        return sum(count for _, count in self.changed)


@dataclass(frozen=True)
class Redacted:
    """What a retention run did: text of old closed tickets and of their audit events
    redacted, dedupe keys forgotten."""

    messages: int
    events: int
    inbound_keys: int
    redaction: int | None = None  # its record (None when it did nothing)
