"""The leads' figures for any period, day by day: what the web view's metrics page charts.

Everything is counted by the digest's rules (`handlers.digest.figures`): volume and backlog
walked back from the backlog now (`chart_days`), SLA compliance and business times from the
clocks stopped or broken in each day (`sla_of`). The period's totals are its days added up
(its times are quantiles of all its clocks), so each clock is read once however long the
period: what keeps a month over a million tickets quick.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from handlers.digest import figures
from handlers.digest.figures import (
    FIRST_RESPONSE,
    RESOLUTION,
    AgentLine,
    Backlog,
    Compliance,
    Day,
    Flow,
    Period,
    PeriodFigures,
    Risk,
    Satisfaction,
    Sla,
)
from handlers.digest.rows import ClockCount, StoppedSummary, Window
from handlers.ports import Reports, ReportSource
from handlers.settings import DigestSettings

LONGEST = timedelta(days=366)


class Span(StrEnum):
    TODAY = "today"
    WEEK = "7d"
    MONTH = "30d"
    CUSTOM = "custom"


_DAYS = {Span.WEEK: 7, Span.MONTH: 30}


class BadPeriod(ValueError):
    """A custom period that cannot be shown: backwards, in the future, or over a year long."""


def period_of(
    span: Span, now: datetime, zone: ZoneInfo, first: date | None = None, last: date | None = None
) -> Period:
    """The period a span names, in whole local days (today runs until now)."""
    today = now.astimezone(zone).date()
    if span is Span.CUSTOM:
        if first is None or last is None or last < first:
            raise BadPeriod("A custom period needs a first day on or before its last day.")
        if first > today:
            raise BadPeriod("A custom period cannot start in the future.")
        end = min(_midnight(last + timedelta(days=1), zone), now)
        start = _midnight(first, zone)
        if end - start > LONGEST:
            raise BadPeriod("A custom period is at most a year long.")
        return Period(start, end)
    days = _DAYS.get(span, 1)
    return Period(_midnight(today - timedelta(days=days - 1), zone), now)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


@dataclass(frozen=True)
class DayFigures:
    """One day of the period: volume and end-of-day backlog, and that day's SLA figures."""

    day: Day
    figures: PeriodFigures


@dataclass(frozen=True)
class Metrics:
    """The period's figures as the digest counts them, what stands now, and each day."""

    current: PeriodFigures
    backlog: Backlog
    risk: Risk
    agents: tuple[AgentLine, ...]
    days: tuple[DayFigures, ...]
    satisfaction: Satisfaction  # the period's ratings, as the digest counts them


async def gather(
    store: ReportSource, settings: DigestSettings, period: Period, now: datetime, workspace: str
) -> Metrics:
    """Read a workspace's figures of the period and its days in one snapshot; `now` for what
    stands now."""
    return await store.report(lambda reports: _read(reports, settings, period, now), workspace)


def _read(reports: Reports, settings: DigestSettings, period: Period, now: datetime) -> Metrics:
    zone = settings.timezone
    midnights = _day_bounds(period, zone)
    windows = [*figures.spans(midnights), Window(midnights[-1])]
    flows = figures.tally(reports.flows(windows), len(windows))
    active = reports.active()
    backlog = figures.backlog_of(active)
    chart = figures.chart_days(midnights, flows, backlog.total, zone)
    days: list[DayFigures] = []
    seconds: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for index, day in enumerate(chart):
        # Each clock is counted on the day it stopped or broke, so the days add up to the
        # period: a promise broken on Monday and met on Wednesday is one broken, on Monday.
        # The store counts a day's clocks (`stopped_summary`): a month is 60 rows, not every
        # clock of the month.
        span = Period(midnights[index], midnights[index + 1])
        stopped = {found.kind: found for found in reports.stopped_summary(span.window)}
        day_missed = reports.missed_unstopped(span.window, period.end)
        sla = {kind: _day_sla(kind, stopped.get(kind), day_missed) for kind in KINDS}
        for found in stopped.values():
            seconds[found.kind] += found.seconds
        per_day = PeriodFigures(span, flows[index], sla[FIRST_RESPONSE], sla[RESOLUTION])
        days.append(DayFigures(day, per_day))
    current = PeriodFigures(
        period,
        _sum_flows(flows[: len(chart)]),
        _period_sla(FIRST_RESPONSE, days, seconds[FIRST_RESPONSE]),
        _period_sla(RESOLUTION, days, seconds[RESOLUTION]),
    )
    ratings = reports.ratings(period.window)
    return Metrics(
        current,
        backlog,
        figures.risk_of(reports.risk(now, now + settings.at_risk_within), settings),
        figures.agent_lines(reports.agent_activity(period.window), active, ratings),
        tuple(days),
        figures.satisfaction_of(ratings, reports.surveys_asked(period.window)),
    )


KINDS = (FIRST_RESPONSE, RESOLUTION)


def _sum_flows(flows: list[Flow]) -> Flow:
    return Flow(
        sum(flow.opened for flow in flows),
        sum(flow.resolved for flow in flows),
        sum(flow.reopened for flow in flows),
    )


def _day_sla(kind: str, stopped: StoppedSummary | None, missed: Iterable[ClockCount]) -> Sla:
    """A day's compliance and times of one kind of clock, as `figures.sla_of` counts them."""
    unstopped = sum(count.count for count in missed if count.kind == kind)
    if stopped is None:
        return Sla(Compliance(0, unstopped), figures.times_of(()))
    compliance = Compliance(stopped.met, stopped.missed + unstopped)
    return Sla(compliance, figures.times_of(stopped.seconds))


def _period_sla(kind: str, days: list[DayFigures], seconds: list[float]) -> Sla:
    """The period's compliance (the days' promises, added up) and times (every clock's)."""
    met = missed = 0
    for day in days:
        compliance = getattr(day.figures, kind).compliance
        met, missed = met + compliance.met, missed + compliance.missed
    return Sla(Compliance(met, missed), figures.times_of(seconds))


def _day_bounds(period: Period, zone: ZoneInfo) -> list[datetime]:
    """Where the period's days begin and end: its start, each local midnight inside it, and
    its end (so its first and last days may be parts of days)."""
    first = period.start.astimezone(zone).date() + timedelta(days=1)
    inside: list[datetime] = []
    while (midnight := _midnight(first + timedelta(days=len(inside)), zone)) < period.end:
        inside.append(midnight)
    return [period.start, *inside, period.end]
