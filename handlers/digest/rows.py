"""The plain rows the reports port returns: counts, clocks and tickets, already aggregated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from handlers.models import Priority, Status


@dataclass(frozen=True)
class Window:
    """A span of time `[start, end)`; `end=None` is open-ended (everything from `start` on)."""

    start: datetime
    end: datetime | None = None


@dataclass(frozen=True)
class FlowCount:
    """How many audit events of `kind` (opened, resolved, reopened) fell in window `window`."""

    window: int
    kind: str
    count: int


@dataclass(frozen=True)
class ActiveGroup:
    """Active tickets sharing a status, priority and holder; `oldest` is the earliest created."""

    status: Status
    priority: Priority
    assignee_key: str | None
    assignee_name: str | None
    count: int
    oldest: datetime


@dataclass(frozen=True)
class ActiveTicket:
    id: int
    subject: str
    status: Status
    priority: Priority
    assignee_name: str | None
    created_at: datetime
    permalink: str | None


@dataclass(frozen=True)
class StoppedClock:
    """An SLA clock stopped (answered, resolved) in a window: its final business time."""

    kind: str
    used_seconds: float
    target_seconds: float | None
    breached_at: datetime | None


@dataclass(frozen=True)
class StoppedSummary:
    """The clocks of one kind stopped in a window: the promises they kept and broke there, as
    `figures.outcome` decides, and the business time of each (promise or not)."""

    kind: str
    met: int
    missed: int
    seconds: tuple[float, ...]


@dataclass(frozen=True)
class ClockCount:
    kind: str
    count: int


@dataclass(frozen=True)
class RiskCount:
    """Unstopped clocks of active tickets: breached now, or due by the horizon.

    One row per clock kind counts clocks; the row whose `kind` is None counts tickets, each
    once: breached if any of its clocks is, else at risk.
    """

    kind: str | None
    breached: int
    at_risk: int


@dataclass(frozen=True)
class Retained:
    """What retention and forgetting did in a window: text redacted, keys pruned, people."""

    messages: int = 0  # messages whose text retention redacted
    events: int = 0  # audit events whose free text retention redacted
    inbound_keys: int = 0  # dedupe keys retention forgot
    forgotten: int = 0  # people forgotten on request

    @property
    def is_empty(self) -> bool:
        return not (self.messages or self.events or self.inbound_keys or self.forgotten)


@dataclass(frozen=True)
class SnippetUse:
    """How often a saved reply was used in a window."""

    name: str
    count: int


@dataclass(frozen=True)
class IncidentRow:
    """An incident open at some time in a window, with how many tickets it affected."""

    number: int
    title: str
    status: str
    started_at: datetime
    resolved_at: datetime | None
    tickets: int


@dataclass(frozen=True)
class AgentActivity:
    """How often an agent did one thing in a window: `claimed`, `resolved` or
    `first_response`; `seconds` holds the business time each first response took."""

    agent_key: str
    agent_name: str | None
    kind: str
    count: int
    seconds: tuple[float, ...] = ()


@dataclass(frozen=True)
class Subject:
    """A ticket opened in a window, by its subject (what recurring problems are found from)."""

    ticket_id: int
    subject: str


@dataclass(frozen=True)
class DigestRecord:
    """A digest posted to the leads: the period it covered and its headline figures."""

    period_start: datetime
    period_end: datetime
    created_at: datetime
    figures: Mapping[str, int]


@dataclass(frozen=True)
class Rating:
    """A survey answered in a window: its ticket, the holder it rates, the score and comment."""

    ticket_id: int
    subject: str
    permalink: str | None
    agent_key: str | None
    agent_name: str | None
    score: int
    comment: str
    answered_at: datetime


@dataclass(frozen=True)
class SurveyCount:
    """Surveys asked in a window, and how many of those have been answered so far."""

    asked: int = 0
    answered: int = 0
