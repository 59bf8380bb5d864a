"""The digest's figures: what came and went since the last one, what waits, what is late.

`gather` reads the figures in one consistent snapshot through the reports port; everything
else here is a pure function of plain rows, so every figure can be checked by hand:

- **Periods** are half-open, `[start, end)`. A digest covers `[since, now)`, where `since`
  is the end of the last digest posted (or 24 hours ago); the previous period is the span of
  the same length just before it. An event at the very moment a digest is made belongs to
  the next one: nothing is counted twice, nothing is lost between two digests.
- **New, resolved, reopened** count audit events (a ticket resolved twice counts twice), so
  that backlog then + new + reopened − resolved = backlog now, exactly. The backlog at any
  earlier moment is walked back from the backlog now with the same events; that is how the
  chart's end-of-day backlog and the backlog change are found.
- **SLA compliance** of a period: promises kept (a clock stopped in the period within its
  target) against promises broken in the period (a clock that breached then — flagged by the
  sweep, overdue while running, or stopped over target). A promise broken in one period and
  answered in the next counts once, where it broke; letting a late ticket sit never hides it.
- **Times** are business time (the clocks' `used_seconds`) of the clocks stopped in the
  period, promise or not; median and p90 interpolate linearly between ranks.
- **Satisfaction**: the ratings first given in the period (a rating changed later stays
  where it was first given, with its latest score): CSAT is the share of positive ones (4 or
  5; 👍 counts as 5, 👎 as 1), the average their mean score; the response rate is the share
  of the surveys asked in the period answered so far. Per agent, CSAT of the ratings of the
  tickets they held when resolved. The lowest-rated tickets are the period's ratings below
  positive, lowest first.
- **Breached now**: active tickets with a clock that broke its promise and is not stopped.
  **At risk**: a running clock due within `at_risk_within` of wall-clock time (a plain
  duration, not business hours: a promise due tonight at 23:00 is at risk at 20:00).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers import knowledge
from handlers.digest.rows import (
    ActiveGroup,
    ActiveTicket,
    AgentActivity,
    ClockCount,
    FlowCount,
    IncidentRow,
    Rating,
    Retained,
    RiskCount,
    SnippetUse,
    StoppedClock,
    SurveyCount,
    Window,
)
from handlers.models import POSITIVE_SCORE, EventKind, Priority, Status
from handlers.ports import Reports
from handlers.settings import DigestSettings

DEFAULT_PERIOD = timedelta(hours=24)
CHART_DAYS = 14
SNIPPETS_SHOWN = 5  # the saved replies the digest names, most used first
CLUSTERED_TICKETS = 5000  # the most tickets of a period grouped into recurring problems
FIRST_RESPONSE, RESOLUTION = "first_response", "resolution"
LOWEST_RATED = 3
ACTIVE_ORDER = (Status.OPEN, Status.CLAIMED, Status.WAITING)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def window(self) -> Window:
        return Window(self.start, self.end)


@dataclass(frozen=True)
class Flow:
    """Tickets into and out of the backlog: audit events counted in a window."""

    opened: int = 0
    resolved: int = 0
    reopened: int = 0

    @property
    def net(self) -> int:
        """How much the backlog grew."""
        return self.opened + self.reopened - self.resolved


@dataclass(frozen=True)
class Compliance:
    """Promises kept and broken in a period."""

    met: int = 0
    missed: int = 0

    @property
    def decided(self) -> int:
        return self.met + self.missed

    @property
    def rate(self) -> float | None:
        return self.met / self.decided if self.decided else None


@dataclass(frozen=True)
class Times:
    """Business seconds taken, over `count` clocks; None when there were none."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True)
class Sla:
    compliance: Compliance = Compliance()
    times: Times = Times()


@dataclass(frozen=True)
class PeriodFigures:
    period: Period
    flow: Flow
    first_response: Sla
    resolution: Sla


@dataclass(frozen=True)
class Backlog:
    """Active tickets now."""

    by_status: tuple[tuple[Status, int], ...]
    by_priority: tuple[tuple[Priority, int], ...]
    unclaimed: int
    oldest_unclaimed: datetime | None

    @property
    def total(self) -> int:
        return sum(count for _, count in self.by_status)


@dataclass(frozen=True)
class Risk:
    """Tickets with a broken promise now, and tickets whose promise breaks soon."""

    breached: int
    breached_by_kind: tuple[tuple[str, int], ...]
    at_risk: int
    within: timedelta


@dataclass(frozen=True)
class AgentLine:
    key: str
    name: str
    claimed: int
    resolved: int
    first_response_median: float | None
    open: int
    csat: float | None = None  # positive share of the ratings of tickets they resolved


@dataclass(frozen=True)
class Satisfaction:
    """The period's ratings and how many of the surveys asked were answered."""

    ratings: int = 0
    positive: int = 0
    score_total: int = 0
    surveys: SurveyCount = field(default_factory=SurveyCount)
    lowest: tuple[Rating, ...] = ()

    @property
    def csat(self) -> float | None:
        return self.positive / self.ratings if self.ratings else None

    @property
    def average(self) -> float | None:
        return self.score_total / self.ratings if self.ratings else None

    @property
    def response_rate(self) -> float | None:
        asked = self.surveys.asked
        return self.surveys.answered / asked if asked else None

    @property
    def is_empty(self) -> bool:
        return not (self.ratings or self.surveys.asked)


@dataclass(frozen=True)
class Day:
    """One day of the chart, in the digest's timezone; `backlog` is at the day's end."""

    day: date
    opened: int
    resolved: int
    backlog: int


@dataclass(frozen=True)
class Digest:
    now: datetime
    timezone: ZoneInfo
    since_last_digest: bool
    current: PeriodFigures
    previous: PeriodFigures
    backlog: Backlog
    backlog_at_start: int
    risk: Risk
    agents: tuple[AgentLine, ...]
    oldest: tuple[ActiveTicket, ...]
    days: tuple[Day, ...]
    last: Mapping[str, int] | None = None  # the figures of the digest this one continues
    snippets: tuple[SnippetUse, ...] = ()  # the saved replies used most in the period
    satisfaction: Satisfaction = Satisfaction()
    learnt: Learnt = field(default_factory=lambda: Learnt())
    retained: Retained = field(default_factory=Retained)  # retention, forgetting: done
    incidents: tuple[IncidentRow, ...] = ()  # the period's incidents

    @property
    def period(self) -> Period:
        return self.current.period

    @property
    def is_empty(self) -> bool:
        """Nothing happened in the period and nothing waits."""
        flow = self.current.flow
        return not (flow.opened or flow.resolved or flow.reopened or self.backlog.total)

    def snapshot(self) -> dict[str, int]:
        """The headline figures kept with a posted digest, for the next one to compare with."""
        flow = self.current.flow
        return {
            "opened": flow.opened,
            "resolved": flow.resolved,
            "reopened": flow.reopened,
            "backlog": self.backlog.total,
            "unclaimed": self.backlog.unclaimed,
            "breached": self.risk.breached,
            "at_risk": self.risk.at_risk,
        }

    def change(self, name: str, now: int) -> int | None:
        """How a stock figure moved since the last digest, when this digest continues it."""
        if self.last is None or name not in self.last:
            return None
        return now - self.last[name]


# -- gathering ------------------------------------------------------------------------------


def gather(
    reports: Reports,
    settings: DigestSettings,
    now: datetime,
    since: datetime | None,
    *,
    compare: bool = True,
) -> Digest:
    """Read every figure of the digest through `reports` (one snapshot) and put it together;
    `compare` its standing figures with the last digest's (both of the same tickets)."""
    last = reports.last_digest() if since is None else None
    start = min(since or (last.period_end if last else now - DEFAULT_PERIOD), now)
    current = Period(start, now)
    previous = Period(start - current.length, start)
    midnights = day_starts(now, settings.timezone, CHART_DAYS)
    windows = [
        previous.window,
        current.window,
        Window(now),
        *spans(midnights),
        Window(midnights[-1]),
    ]
    flows = tally(reports.flows(windows), len(windows))
    active = reports.active()
    ratings = reports.ratings(current.window)
    backlog = backlog_of(active)
    after_now = flows[2]
    return Digest(
        now=now,
        timezone=settings.timezone,
        since_last_digest=last is not None,
        current=period_figures(reports, current, flows[1], now),
        previous=period_figures(reports, previous, flows[0], now),
        backlog=backlog,
        backlog_at_start=backlog.total - flows[1].net - after_now.net,
        risk=risk_of(reports.risk(now, now + settings.at_risk_within), settings),
        agents=agent_lines(reports.agent_activity(current.window), active, ratings),
        oldest=tuple(reports.oldest_active(settings.oldest)),
        days=chart_days(midnights, flows[3:], backlog.total, settings.timezone),
        last=last.figures if last is not None and compare else None,
        snippets=tuple(reports.snippet_uses(current.window, SNIPPETS_SHOWN)),
        satisfaction=satisfaction_of(ratings, reports.surveys_asked(current.window)),
        learnt=learnt(reports, current.window),
        retained=reports.retained(current.window),
        incidents=tuple(reports.incidents(current.window)),
    )


@dataclass(frozen=True)
class Learnt:
    """The period's recurring problems, and tickets solved by an answer that helped others."""

    clusters: tuple[knowledge.Cluster, ...] = ()
    deflected: int = 0


def learnt(reports: Reports, window: Window) -> Learnt:
    """Cluster the subjects of the tickets opened in the window; count its deflections."""
    subjects = reports.opened_subjects(window, CLUSTERED_TICKETS)
    found = knowledge.clusters((row.ticket_id, row.subject) for row in subjects)
    return Learnt(tuple(found), reports.deflections(window))


def day_starts(now: datetime, zone: ZoneInfo, count: int) -> list[datetime]:
    """The local midnights that bound the last `count` days (today included): count + 1."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=count - 1)
    return [
        datetime.combine(first + timedelta(days=offset), time(), tzinfo=zone).astimezone(UTC)
        for offset in range(count + 1)
    ]


def spans(bounds: Sequence[datetime]) -> list[Window]:
    return [Window(start, end) for start, end in itertools.pairwise(bounds)]


def tally(counts: Iterable[FlowCount], windows: int) -> list[Flow]:
    """One `Flow` per window from the event counts."""
    found: list[dict[str, int]] = [{} for _ in range(windows)]
    for count in counts:
        found[count.window][count.kind] = count.count
    return [Flow(**flow) for flow in found]


def chart_days(
    midnights: Sequence[datetime], flows: Sequence[Flow], backlog: int, zone: ZoneInfo
) -> tuple[Day, ...]:
    """Each day's volume and end-of-day backlog, walked back from the backlog now.

    `flows` holds one flow per day and, last, the flow after the last day (normally none).
    """
    days, later = [], flows[-1].net
    for index in reversed(range(len(midnights) - 1)):
        flow = flows[index]
        day = midnights[index].astimezone(zone).date()
        days.append(Day(day, flow.opened, flow.resolved, backlog - later))
        later += flow.net
    return tuple(reversed(days))


def period_figures(reports: Reports, period: Period, flow: Flow, now: datetime) -> PeriodFigures:
    stopped = reports.stopped_clocks(period.window)
    missed = reports.missed_unstopped(period.window, now)
    return PeriodFigures(
        period,
        flow,
        sla_of(FIRST_RESPONSE, stopped, missed, period.start),
        sla_of(RESOLUTION, stopped, missed, period.start),
    )


def sla_of(
    kind: str, stopped: Iterable[StoppedClock], missed: Iterable[ClockCount], start: datetime
) -> Sla:
    """Compliance and times of one kind of clock, from the clocks stopped in the period and
    the promises broken in it by clocks that did not stop in it."""
    clocks = [clock for clock in stopped if clock.kind == kind]
    outcomes = Counter(outcome(clock, start) for clock in clocks)
    unstopped = sum(count.count for count in missed if count.kind == kind)
    compliance = Compliance(outcomes[True], outcomes[False] + unstopped)
    return Sla(compliance, times_of(clock.used_seconds for clock in clocks))


def outcome(clock: StoppedClock, start: datetime) -> bool | None:
    """Whether a clock stopped in the period kept its promise; None when the period does not
    decide it (no promise, or broken before the period began and counted then)."""
    if clock.target_seconds is None:
        return None
    if clock.breached_at is not None:
        return None if clock.breached_at < start else False
    return clock.used_seconds <= clock.target_seconds


def times_of(seconds: Iterable[float]) -> Times:
    ordered = sorted(seconds)
    if not ordered:
        return Times()
    return Times(len(ordered), quantile(ordered, 0.5), quantile(ordered, 0.9))


def quantile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values, interpolating linearly between ranks."""
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


def median(values: Iterable[float]) -> float | None:
    return times_of(values).median


def backlog_of(groups: Iterable[ActiveGroup]) -> Backlog:
    by_status: Counter[Status] = Counter()
    by_priority: Counter[Priority] = Counter()
    unclaimed, oldest_unclaimed = 0, None
    for group in groups:
        by_status[group.status] += group.count
        by_priority[group.priority] += group.count
        if group.assignee_key is None:
            unclaimed += group.count
            if oldest_unclaimed is None or group.oldest < oldest_unclaimed:
                oldest_unclaimed = group.oldest
    return Backlog(
        tuple((status, by_status[status]) for status in ACTIVE_ORDER),
        tuple((priority, by_priority[priority]) for priority in Priority),
        unclaimed,
        oldest_unclaimed,
    )


def risk_of(counts: Iterable[RiskCount], settings: DigestSettings) -> Risk:
    breached = at_risk = 0
    by_kind = []
    for count in counts:
        if count.kind is None:
            breached, at_risk = count.breached, count.at_risk
        elif count.breached:
            by_kind.append((count.kind, count.breached))
    by_kind.sort(key=lambda item: _KIND_ORDER.get(item[0], 9))
    return Risk(breached, tuple(by_kind), at_risk, settings.at_risk_within)


_KIND_ORDER = {FIRST_RESPONSE: 0, "next_response": 1, RESOLUTION: 2}


def satisfaction_of(ratings: Sequence[Rating], surveys: SurveyCount) -> Satisfaction:
    """The period's satisfaction figures from its ratings and its surveys asked."""
    unhappy = sorted(
        (rating for rating in ratings if rating.score < POSITIVE_SCORE),
        key=lambda rating: (rating.score, rating.answered_at, rating.ticket_id),
    )
    return Satisfaction(
        ratings=len(ratings),
        positive=sum(rating.score >= POSITIVE_SCORE for rating in ratings),
        score_total=sum(rating.score for rating in ratings),
        surveys=surveys,
        lowest=tuple(unhappy[:LOWEST_RATED]),
    )


def agent_lines(
    activity: Iterable[AgentActivity],
    active: Iterable[ActiveGroup],
    ratings: Iterable[Rating] = (),
) -> tuple[AgentLine, ...]:
    """One line per agent who did something in the period or holds tickets now; the busiest
    (most open, then most resolved) first."""
    names: dict[str, str] = {}
    claimed: Counter[str] = Counter()
    resolved: Counter[str] = Counter()
    answers: defaultdict[str, list[float]] = defaultdict(list)
    holding: Counter[str] = Counter()
    rated: Counter[str] = Counter()
    liked: Counter[str] = Counter()
    for rating in ratings:
        if rating.agent_key is not None:
            rated[rating.agent_key] += 1
            liked[rating.agent_key] += rating.score >= POSITIVE_SCORE
            names.setdefault(rating.agent_key, rating.agent_name or "")
    for group in active:
        if group.assignee_key is not None:
            holding[group.assignee_key] += group.count
            names.setdefault(group.assignee_key, group.assignee_name or "")
    for done in activity:
        if done.agent_name and not names.get(done.agent_key):
            names[done.agent_key] = done.agent_name
        if done.kind == EventKind.CLAIMED:
            claimed[done.agent_key] += done.count
        elif done.kind == EventKind.RESOLVED:
            resolved[done.agent_key] += done.count
        elif done.kind == EventKind.FIRST_RESPONSE:
            answers[done.agent_key].extend(done.seconds)
    keys = set(holding) | set(claimed) | set(resolved) | set(answers) | set(rated)
    lines = [
        AgentLine(
            key,
            names.get(key) or key.partition(":")[2] or key,
            claimed[key],
            resolved[key],
            median(answers[key]),
            holding[key],
            liked[key] / rated[key] if rated[key] else None,
        )
        for key in keys
    ]
    return tuple(
        sorted(lines, key=lambda line: (-line.open, -line.resolved, -line.claimed, line.name))
    )
