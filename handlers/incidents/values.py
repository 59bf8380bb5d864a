"""The plain values of an incident: the incident, its timeline, an update's broadcast."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from handlers.models import Notice, Person, SlaClock

_REFERENCE = re.compile(r"(?:inc-?)?#?(\d{1,9})", re.IGNORECASE)


class IncidentStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


def reference(word: str) -> int | None:
    """The incident number a word names: `INC-3`, `inc3`, `#3` or `3`; None if none."""
    match = _REFERENCE.fullmatch(word.strip())
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Incident:
    """One problem many tickets share; `number` is what people write (`INC-3`).

    `due_at` is when its SLA next reminds (no update yet, or none for a while) and
    `reminded` how many reminders went out since the last update: 1 to its owner, 2 to
    the leads as well.
    """

    number: int
    workspace: str
    title: str
    status: IncidentStatus
    owner: Person
    started_at: datetime
    detected_at: datetime | None = None
    resolved_at: datetime | None = None
    last_update_at: datetime | None = None
    due_at: datetime | None = None
    reminded: int = 0

    @property
    def ref(self) -> str:
        return f"INC-{self.number}"

    @property
    def open(self) -> bool:
        return self.status is not IncidentStatus.RESOLVED

    @property
    def platform(self) -> str:
        return self.workspace.split(":", 1)[0]


class Moment(StrEnum):
    """What a line of an incident's timeline records."""

    DETECTED = "detected"  # the spike the incident was declared from was first seen
    DECLARED = "declared"
    LINKED = "linked"  # `count` tickets linked, `total` linked after
    UNLINKED = "unlinked"
    STATUS = "status"
    UPDATE = "update"  # `count` tickets the update went to
    RESOLVED = "resolved"  # the final update, to `count` tickets
    REMINDED = "reminded"  # the SLA reminded its owner (`count` 1) or the leads (2)


@dataclass(frozen=True)
class Entry:
    """One line of an incident's timeline; `seq` numbers them from 1 (the store gives it)."""

    incident: int
    kind: Moment
    at: datetime
    actor: Person | None
    text: str = ""
    count: int = 0
    total: int = 0
    status: IncidentStatus | None = None
    seq: int = 0


@dataclass(frozen=True)
class Delivery:
    """How far one update's notices got: still queued, delivered, given up on."""

    seq: int
    queued: int = 0
    delivered: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.delivered + self.failed


@dataclass(frozen=True)
class Failure:
    """One update's notice given up on: the ticket it was for, and what the platform said."""

    seq: int
    ticket_id: int | None
    reason: str


@dataclass(frozen=True)
class FirstAnswer:
    """A linked ticket the update is the first answer of, and how long it waited (seconds)."""

    ticket_id: int
    waited: int


@dataclass(frozen=True)
class Broadcast:
    """One update posted to every linked ticket at once, in one batch.

    For each ticket of `notices` (its thread's notice), the update is the author's public
    message (`message_id`), an audit `message` event and agent activity; `first_answers`
    are the tickets it first answers, `clocks` the response clocks it stops. The notices'
    outbox rows are counted against the incident's timeline entry `seq`.
    """

    incident: int
    seq: int
    at: datetime
    author: Person
    text: str
    message_id: str
    notices: tuple[Notice, ...]
    first_answers: tuple[FirstAnswer, ...] = ()
    clocks: tuple[SlaClock, ...] = ()


SPIKE_SHOWN = 20  # the first tickets of a spike its alert names


@dataclass(frozen=True)
class Spike:
    """Similar new tickets arriving together: one alert to the leads, edited as more come.

    `id` is given by the store (0 before). `words` are the tickets' common words, `title`
    the incident's suggested title; `size` counts its tickets and `first` holds the first
    `SPIKE_SHOWN` of them; `incident` is set once one was declared from it.
    """

    id: int
    workspace: str
    title: str
    words: tuple[str, ...]
    started_at: datetime
    last_at: datetime
    size: int
    first: tuple[int, ...]
    incident: int | None = None


@dataclass(frozen=True)
class Arrival:
    """A new ticket as the spike detector compares it: its number, subject and time."""

    ticket_id: int
    subject: str
    created_at: datetime
