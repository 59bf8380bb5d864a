"""The leads' figures for any period, day by day: what the web view's metrics page charts.

The period's totals are the digest's own (`handlers.digest.figures.gather` over the period);
the days are counted with the digest's rules too: volume and backlog walked back from the
backlog now (`chart_days`), and each day's SLA compliance and business times from the clocks
stopped or broken that day (`period_figures`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from handlers.digest import figures
from handlers.digest.figures import Day, Digest, Period, PeriodFigures
from handlers.digest.rows import Window
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
    digest: Digest
    days: tuple[DayFigures, ...]


async def gather(store: ReportSource, settings: DigestSettings, period: Period) -> Metrics:
    """Read the digest of `period` and its days in one snapshot."""
    return await store.report(lambda reports: _read(reports, settings, period))


def _read(reports: Reports, settings: DigestSettings, period: Period) -> Metrics:
    digest = figures.gather(reports, settings, period.end, period.start)
    midnights = _day_bounds(period, settings.timezone)
    windows = [*figures.spans(midnights), Window(midnights[-1])]
    flows = figures.tally(reports.flows(windows), len(windows))
    days = figures.chart_days(midnights, flows, digest.backlog.total, settings.timezone)
    found = []
    for index, day in enumerate(days):
        start, end = max(midnights[index], period.start), min(midnights[index + 1], period.end)
        per = figures.period_figures(reports, Period(start, end), flows[index], period.end)
        found.append(DayFigures(day, per))
    return Metrics(digest, tuple(found))


def _day_bounds(period: Period, zone: ZoneInfo) -> list[datetime]:
    """The local midnights from the period's first day to after its last (the last bound
    is the period's end when that falls inside a day)."""
    first = period.start.astimezone(zone).date()
    last = (period.end - timedelta(microseconds=1)).astimezone(zone).date()
    count = (last - first).days + 1
    return [_midnight(first + timedelta(days=offset), zone) for offset in range(count + 1)]
