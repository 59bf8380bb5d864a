"""The metrics page's figures: the digest's, for any period, and its days adding up to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers import metrics
from handlers.desk import Desk
from handlers.digest import posting
from handlers.digest.figures import Period
from handlers.settings import DigestSettings
from storage.store import SqliteStore
from tests.builders import SUPPORT
from tests.clock import FakeClock
from tests.handlers.test_digest import NOW, at, scenario

UTC_ZONE = ZoneInfo("UTC")

# These exercise the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores


@pytest.mark.parametrize(
    "start",
    [at(17, 0), at(20, 0), at(22, 0), at(23, 9), at(24, 0)],
    ids=["week", "from-friday", "from-sunday", "since-the-last-digest", "today"],
)
async def test_the_period_figures_are_the_digests(
    desk: Desk, store: SqliteStore, clock: FakeClock, start: datetime
) -> None:
    """Flows, compliance and business times of a period equal the digest's for it."""
    await scenario(desk, store, clock)
    settings = DigestSettings()
    digest = await posting.build(store, settings, NOW, since=start)
    found = await metrics.gather(store, settings, Period(start, NOW), NOW, SUPPORT.workspace)
    assert found.current == digest.current
    assert found.backlog == digest.backlog
    assert found.risk == digest.risk
    assert found.agents == digest.agents


async def test_the_days_add_up_to_the_period(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """Each day's opened, resolved and promises decided add up to the period's."""
    await scenario(desk, store, clock)
    found = await metrics.gather(
        store, DigestSettings(), Period(at(17, 0), NOW), NOW, SUPPORT.workspace
    )
    assert [day.day.day.day for day in found.days] == list(range(17, 25))
    assert sum(day.day.opened for day in found.days) == found.current.flow.opened
    for kind in ("first_response", "resolution"):
        met = sum(getattr(day.figures, kind).compliance.met for day in found.days)
        missed = sum(getattr(day.figures, kind).compliance.missed for day in found.days)
        total = getattr(found.current, kind).compliance
        assert (met, missed) == (total.met, total.missed)


@pytest.mark.parametrize(
    ("span", "first", "last", "expected"),
    [
        (metrics.Span.TODAY, None, None, (at(24, 0), NOW)),
        (metrics.Span.WEEK, None, None, (at(18, 0), NOW)),
        (metrics.Span.MONTH, None, None, (datetime(2026, 10, 26, tzinfo=UTC), NOW)),
        (metrics.Span.CUSTOM, "2026-11-02", "2026-11-08", (at(2, 0), at(9, 0))),
        (metrics.Span.CUSTOM, "2026-11-20", "2026-12-31", (at(20, 0), NOW)),
    ],
)
def test_spans_name_whole_days_up_to_now(
    span: metrics.Span, first: str | None, last: str | None, expected: tuple[datetime, datetime]
) -> None:
    """Today, 7 and 30 days end now; a custom period is its days, cut at now."""
    days = [None if text is None else datetime.fromisoformat(text).date() for text in (first, last)]
    period = metrics.period_of(span, NOW, UTC_ZONE, *days)
    assert (period.start, period.end) == expected


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (None, None),
        ("2026-11-10", "2026-11-01"),
        ("2026-12-01", "2026-12-02"),
        ("2024-01-01", "2026-11-01"),
    ],
    ids=["missing", "backwards", "future", "over-a-year"],
)
def test_custom_periods_that_cannot_be_shown_are_refused(
    first: str | None, last: str | None
) -> None:
    """Backwards, future and over-a-year periods are refused with a sentence."""
    days = [None if text is None else datetime.fromisoformat(text).date() for text in (first, last)]
    with pytest.raises(metrics.BadPeriod):
        metrics.period_of(metrics.Span.CUSTOM, NOW, UTC_ZONE, *days)


def test_a_week_is_seven_local_days() -> None:
    """In a zone ahead of UTC, the week starts at that zone's midnight, six days before today."""
    zone = ZoneInfo("Asia/Tokyo")
    period = metrics.period_of(metrics.Span.WEEK, NOW, zone)
    assert period.start == datetime(2026, 11, 18, tzinfo=zone)
    assert period.end - period.start < timedelta(days=7)
