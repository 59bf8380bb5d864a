"""The digest's chart: a real PNG of the right size, drawing every one of the 14 days."""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot.chart import DPI, HEIGHT, PARTIAL_ALPHA, PARTIAL_HATCH, WIDTH, chart_png, draw, short_count
from handlers.digest.figures import Day, Digest
from tests.handlers.test_digest import NOW, offline

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def fortnight() -> Digest:
    first = date(2026, 11, 11)
    days = tuple(
        Day(first + timedelta(days=n), opened=n % 5 + 1, resolved=n % 3, backlog=10 + n)
        for n in range(14)
    )
    return offline(days=days)


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """Split a PNG into (type, data) chunks, checking each chunk's CRC."""
    found, offset = [], len(PNG_SIGNATURE)
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        data = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + data), f"bad CRC in {kind!r}"
        found.append((kind, data))
        offset += 12 + length
    return found


def test_chart_is_a_valid_png_of_the_promised_size() -> None:
    """Signature, intact chunks, 900 × 550 pixels, image data that inflates to every row."""
    png = chart_png(fortnight())
    assert png.startswith(PNG_SIGNATURE)
    found = chunks(png)
    kinds = [kind for kind, _ in found]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    width, height, depth, colour = struct.unpack(">IIBB", found[0][1][:10])
    assert (width, height) == (int(WIDTH * DPI), int(HEIGHT * DPI))
    channels = {2: 3, 6: 4}[colour]
    pixels = zlib.decompress(b"".join(data for kind, data in found if kind == b"IDAT"))
    assert len(pixels) == height * (1 + width * channels * depth // 8)
    assert 5_000 < len(png) < 500_000


def test_chart_draws_fourteen_days_of_bars_and_backlog() -> None:
    """Two bars (opened, resolved) and one backlog point for each of the 14 days."""
    made = fortnight()
    volume, backlog = draw(made).axes
    labels = [label.get_text() for label in backlog.get_xticklabels()]
    assert len(labels) == 14
    assert labels[0] == "Wed\n11 Nov" and labels[-2] == "Mon\n23 Nov"
    heights = [bar.get_height() for bar in volume.patches]
    assert heights == [d.opened for d in made.days] + [d.resolved for d in made.days]
    line = backlog.get_lines()[0]
    assert list(line.get_ydata()) == [d.backlog for d in made.days]


def test_volume_and_backlog_are_separate_panels_with_their_own_units() -> None:
    """Tickets a day and open tickets are drawn one above the other, never on shared axes."""
    volume, backlog = draw(fortnight()).axes
    assert volume.get_ylabel() == "tickets per day"
    assert backlog.get_ylabel() == "open tickets"
    assert volume.get_position().y0 > backlog.get_position().y1
    assert volume.get_shared_x_axes().joined(volume, backlog)


def test_todays_partial_day_is_marked() -> None:
    """Today's bars are hatched and faint, its label says "so far", the legend explains it."""
    volume, backlog = draw(fortnight()).axes
    bars = volume.patches
    today = [bars[13], bars[27]]
    assert all(bar.get_hatch() == PARTIAL_HATCH for bar in today)
    assert all(bar.get_alpha() == PARTIAL_ALPHA for bar in today)
    assert not [bar for bar in bars if bar not in today and bar.get_hatch()]
    assert backlog.get_xticklabels()[-1].get_text() == "today\n(so far)"
    legend = volume.get_legend()
    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()][-1] == "today (so far)"


def test_finished_days_are_not_marked_partial() -> None:
    """A chart whose last day is over draws every day alike."""
    made = replace(fortnight(), now=NOW + timedelta(days=1))
    volume, backlog = draw(made).axes
    assert not [bar for bar in volume.patches if bar.get_hatch()]
    assert backlog.get_xticklabels()[-1].get_text() == "Tue\n24 Nov"


def test_chart_of_a_quiet_fortnight_still_draws() -> None:
    """All zeros (a new desk) is a valid chart, not an error."""
    days = tuple(Day(date(2026, 11, 11) + timedelta(days=n), 0, 0, 0) for n in range(14))
    assert chart_png(offline(days=days)).startswith(PNG_SIGNATURE)


@pytest.mark.parametrize(
    ("value", "shown"), [(0, "0"), (950, "950"), (9500, "9500"), (95_000, "95k"), (1.6e6, "1.6M")]
)
def test_large_counts_are_shortened_to_fit_the_margin(value: float, shown: str) -> None:
    """A backlog in the millions still fits left of its panel."""
    assert short_count(value) == shown
