"""The metrics page's charts, as plain SVG drawn on the server: no chart library, no script.

This module works out the geometry (bars, lines, gridlines, labels) from the day figures;
`templates/chart.html` writes it out as SVG, escaping every label like any other text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from handlers.metrics import DayFigures, Metrics

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 28
COLOURS = {
    "opened": "#4c78a8",
    "resolved": "#59a14f",
    "backlog": "#e15759",
    "first_response": "#4c78a8",
    "resolution": "#f28e2b",
    "first_response_p50": "#4c78a8",
    "first_response_p90": "#9ecae9",
    "resolution_p50": "#f28e2b",
    "resolution_p90": "#ffbf79",
}


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Line:
    """A series drawn as a line through its days' values, with a dot on each (a day alone
    between gaps still shows)."""

    name: str
    colour: str
    points: tuple[tuple[float, float], ...]

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    """One chart's shapes in a WIDTH × HEIGHT box, and the series its legend names."""

    name: str
    unit: str
    series: tuple[str, ...]
    bars: tuple[Bar, ...]
    lines: tuple[Line, ...]
    ticks: tuple[Tick, ...]
    labels: tuple[Label, ...]
    width: int = WIDTH
    height: int = HEIGHT


def _scale_top(values: list[float]) -> float:
    """A round top for the axis: 1, 2 or 5 times a power of ten, at least the largest value."""
    largest = max(values, default=0.0)
    if largest <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(largest))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= largest)


def _y(value: float, top: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top)


def _slot(index: int, count: int) -> tuple[float, float]:
    """The left edge and width of day `index` of `count` along the x axis."""
    width = (WIDTH - LEFT - RIGHT) / max(count, 1)
    return LEFT + index * width, width


def _ticks(top: float, unit: str) -> tuple[Tick, ...]:
    return tuple(
        Tick(_y(top * share, top), _tick_label(top * share, unit)) for share in (0, 0.5, 1)
    )


def _tick_label(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.0f}%"
    if unit == "h":
        return f"{value:g}h"
    return f"{value:g}"


def _labels(days: tuple[DayFigures, ...]) -> tuple[Label, ...]:
    """Day labels, thinned to at most about ten so they never overlap."""
    step = max(1, math.ceil(len(days) / 10))
    found = []
    for index, day in enumerate(days):
        if index % step == 0:
            left, width = _slot(index, len(days))
            found.append(Label(left + width / 2, f"{day.day.day:%d %b}"))
    return tuple(found)


def _lines(named: dict[str, list[float | None]], top: float, count: int) -> tuple[Line, ...]:
    found = []
    for name, values in named.items():
        points = []
        for index, value in enumerate(values):
            if value is not None:
                left, width = _slot(index, count)
                points.append((left + width / 2, _y(value, top)))
        found.append(Line(name, COLOURS[name], tuple(points)))
    return tuple(found)


def volume(days: tuple[DayFigures, ...]) -> Chart:
    """Opened and resolved tickets each day, side by side."""
    top = _scale_top([float(max(d.day.opened, d.day.resolved)) for d in days])
    bars = []
    for index, day in enumerate(days):
        left, width = _slot(index, len(days))
        for offset, name, value in (
            (0.1, "opened", day.day.opened),
            (0.5, "resolved", day.day.resolved),
        ):
            y = _y(value, top)
            bars.append(
                Bar(
                    left + width * offset,
                    y,
                    width * 0.4,
                    _y(0, top) - y,
                    COLOURS[name],
                    f"{day.day.day}: {value} {name}",
                )
            )
    return Chart(
        "volume", "", ("opened", "resolved"), tuple(bars), (), _ticks(top, ""), _labels(days)
    )


def backlog(days: tuple[DayFigures, ...]) -> Chart:
    """Active tickets at the end of each day."""
    values: list[float | None] = [float(day.day.backlog) for day in days]
    top = _scale_top([value or 0.0 for value in values])
    lines = _lines({"backlog": values}, top, len(days))
    return Chart("backlog", "", ("backlog",), (), lines, _ticks(top, ""), _labels(days))


def compliance(days: tuple[DayFigures, ...]) -> Chart:
    """Each day's share of promises kept, first response and resolution."""
    named: dict[str, list[float | None]] = {
        "first_response": [_rate(day.figures.first_response.compliance.rate) for day in days],
        "resolution": [_rate(day.figures.resolution.compliance.rate) for day in days],
    }
    lines = _lines(named, 100.0, len(days))
    return Chart("compliance", "%", tuple(named), (), lines, _ticks(100.0, "%"), _labels(days))


def _rate(share: float | None) -> float | None:
    return None if share is None else share * 100


def times(days: tuple[DayFigures, ...]) -> Chart:
    """Each day's first-response and resolution times in business hours, p50 and p90."""
    named: dict[str, list[float | None]] = {}
    for kind in ("first_response", "resolution"):
        for quantile in ("p50", "p90"):
            named[f"{kind}_{quantile}"] = [
                _in_hours(
                    getattr(
                        getattr(day.figures, kind).times, "median" if quantile == "p50" else "p90"
                    )
                )
                for day in days
            ]
    top = _scale_top([value for values in named.values() for value in values if value is not None])
    lines = _lines(named, top, len(days))
    return Chart("times", "h", tuple(named), (), lines, _ticks(top, "h"), _labels(days))


def _in_hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600


def for_metrics(found: Metrics) -> tuple[Chart, ...]:
    """The metrics page's four charts."""
    days = found.days
    return (volume(days), backlog(days), compliance(days), times(days))
