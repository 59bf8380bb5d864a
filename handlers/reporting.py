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
    target_seconds: int | None
    breached_at: datetime | None


@dataclass(frozen=True)
class ClockCount:
    kind: str
    count: int


@dataclass(frozen=True)
class ClockFlag:
    """A running or paused clock of an active ticket that broke its promise or soon will."""

    ticket_id: int
    kind: str
    breached: bool


@dataclass(frozen=True)
class AgentActivity:
    """One thing an agent did in a window: `claimed`, `resolved` or `first_response`.

    `seconds` is the business time a first response took; None for the other kinds.
    """

    agent_key: str
    agent_name: str | None
    kind: str
    seconds: float | None = None


@dataclass(frozen=True)
class DigestRecord:
    """A digest posted to the leads: the period it covered and its headline figures."""

    period_start: datetime
    period_end: datetime
    created_at: datetime
    figures: Mapping[str, int]
