"""The digest's chart: daily opened and resolved tickets and the end-of-day backlog, as a PNG.

Drawn with matplotlib's Agg backend on a bare `Figure` (no pyplot, no global state, no
display), so it is safe off the event loop: call it as `await asyncio.to_thread(chart_png,
digest)`, since drawing takes a tenth of a second or so.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from handlers.digest import Digest

WIDTH, HEIGHT, DPI = 9.0, 4.5, 100  # 900 × 450 pixels: legible in a chat preview
OPENED, RESOLVED, BACKLOG = "#4c78a8", "#59a14f", "#e15759"


def chart_png(digest: Digest) -> bytes:
    """The digest's chart as PNG bytes."""
    out = io.BytesIO()
    draw(digest).savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def draw(digest: Digest) -> Figure:
    """Draw the digest's days: bars of opened and resolved, a line of end-of-day backlog."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    FigureCanvasAgg(figure)
    volume = figure.add_subplot()
    positions = list(range(len(digest.days)))
    labels = [f"{day.day:%a}\n{day.day:%d %b}" for day in digest.days]
    volume.bar(
        [x - 0.2 for x in positions],
        [d.opened for d in digest.days],
        0.4,
        label="opened",
        color=OPENED,
    )
    volume.bar(
        [x + 0.2 for x in positions],
        [d.resolved for d in digest.days],
        0.4,
        label="resolved",
        color=RESOLVED,
    )
    volume.set_ylabel("tickets a day")
    volume.set_xticks(positions, labels, fontsize=8)
    backlog = volume.twinx()
    backlog.plot(
        positions,
        [d.backlog for d in digest.days],
        color=BACKLOG,
        marker="o",
        linewidth=2,
        label="backlog at end of day",
    )
    backlog.set_ylabel("backlog")
    backlog.set_ylim(bottom=0)
    volume.set_ylim(bottom=0)
    for axis in (volume, backlog):
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    handles = volume.get_legend_handles_labels()[0] + backlog.get_legend_handles_labels()[0]
    volume.legend(handles=handles, loc="upper left", fontsize=8, frameon=False)
    zone = digest.timezone.key
    volume.set_title(f"Backlog and volume, last {len(digest.days)} days ({zone})", fontsize=10)
    figure.tight_layout()
    return figure
