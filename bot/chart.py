"""The digest's chart: daily opened and resolved tickets above, the end-of-day backlog below.

Two panels share the days, each with its own scale and unit: volume (tickets a day) and
backlog (open tickets) are different quantities, so they are not drawn against one pair of
axes where their heights would look comparable. Today is still going on, so its bars are
drawn faint and hatched, and labelled "so far".

Drawn with matplotlib's Agg backend on a bare `Figure` (no pyplot, no global state, no
display), so it is safe off the event loop: call it as `await asyncio.to_thread(chart_png,
digest)`, since drawing takes a tenth of a second or so.
"""

from __future__ import annotations

import io
from datetime import date

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from handlers.digest.figures import Day, Digest

WIDTH, HEIGHT, DPI = 9.0, 5.5, 100  # 900 × 550 pixels: legible in a chat preview
OPENED, RESOLVED, BACKLOG = "#4c78a8", "#59a14f", "#e15759"
PARTIAL_HATCH, PARTIAL_ALPHA = "///", 0.45
SO_FAR = "so far"


def chart_png(digest: Digest) -> bytes:
    """The digest's chart as PNG bytes."""
    out = io.BytesIO()
    draw(digest).savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def draw(digest: Digest) -> Figure:
    """Draw the digest's days: volume bars in the top panel, the backlog line below."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    FigureCanvasAgg(figure)
    volume, backlog = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    today = digest.now.astimezone(digest.timezone).date()
    _volume(volume, digest.days, today)
    _backlog(backlog, digest.days, today)
    backlog.set_xticks(range(len(digest.days)), [_label(day, today) for day in digest.days])
    backlog.tick_params(axis="x", labelsize=8)
    zone = digest.timezone.key
    figure.suptitle(f"Volume and backlog, last {len(digest.days)} days ({zone})", fontsize=10)
    figure.subplots_adjust(left=0.08, right=0.98, top=0.87, bottom=0.1, hspace=0.32)
    return figure


def _volume(axes: Axes, days: tuple[Day, ...], today: date) -> None:
    """Opened and resolved side by side for each day; today's bars faint and hatched."""
    positions = range(len(days))
    for offset, values, colour, label in (
        (-0.2, [day.opened for day in days], OPENED, "opened"),
        (0.2, [day.resolved for day in days], RESOLVED, "resolved"),
    ):
        bars = axes.bar([x + offset for x in positions], values, 0.4, label=label, color=colour)
        _mark_partial(bars, days, today)
    axes.set_ylabel("tickets per day", fontsize=9)
    axes.set_title("Opened and resolved each day", fontsize=9, loc="left")
    _integers_from_zero(axes)
    handles, _ = axes.get_legend_handles_labels()
    if any(day.day == today for day in days):
        handles.append(_partial_key())
    # Above the panel, right of its title, where no bar can hide under it.
    axes.legend(
        handles=handles,
        loc="lower right",
        bbox_to_anchor=(1, 1),
        fontsize=8,
        frameon=False,
        ncols=len(handles),
        borderaxespad=0.2,
    )


def _mark_partial(bars: BarContainer, days: tuple[Day, ...], today: date) -> None:
    for bar, day in zip(bars, days, strict=True):
        if day.day == today:
            bar.set_hatch(PARTIAL_HATCH)
            bar.set_alpha(PARTIAL_ALPHA)


def _partial_key() -> Patch:
    return Patch(facecolor="none", edgecolor="grey", hatch=PARTIAL_HATCH, label=f"today ({SO_FAR})")


def _backlog(axes: Axes, days: tuple[Day, ...], today: date) -> None:
    """Open tickets at each day's end (today's: now), as a line over a light fill."""
    positions = list(range(len(days)))
    values = [day.backlog for day in days]
    axes.plot(positions, values, color=BACKLOG, marker="o", linewidth=2)
    axes.fill_between(positions, values, color=BACKLOG, alpha=0.12)
    if days and days[-1].day == today:
        # Today's point is the backlog now, not at the day's end: draw it hollow.
        axes.plot(positions[-1:], values[-1:], "o", color=BACKLOG, markerfacecolor="white")
    axes.set_ylabel("open tickets", fontsize=9)
    axes.set_title(
        "Backlog: open tickets at the end of each day (today: now)", fontsize=9, loc="left"
    )
    _integers_from_zero(axes)


def _integers_from_zero(axes: Axes) -> None:
    # A quiet desk's zeros would otherwise get a scale of fractions of a ticket.
    axes.set_ylim(bottom=0, top=max(1.0, axes.get_ylim()[1]))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(short_count))
    axes.tick_params(axis="y", labelsize=8)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)


def _label(day: Day, today: date) -> str:
    if day.day == today:
        return f"today\n({SO_FAR})"
    return f"{day.day:%a}\n{day.day:%d %b}"


def short_count(value: float, _position: object = None) -> str:
    """A tick's count, short enough for the margin: 950, 9500, 95k, 9.5M."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if abs(value) >= 10_000:
        return f"{value / 1_000:g}k"
    return f"{value:g}"
