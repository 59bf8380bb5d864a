"""The leads' digest, checked against a dozen hand-made tickets whose figures were worked out
by hand (the tables in `scenario`'s docstring), and the pure parts on their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.desk import Desk
from handlers.digest import figures, lines, posting
from handlers.digest.figures import AgentLine, Compliance, Day, Digest, Flow, Times
from handlers.digest.posting import chart_name
from handlers.digest.rows import ActiveGroup, ActiveTicket, DigestRecord, StoppedClock
from handlers.models import (
    ClockKind,
    Notice,
    NoticeFile,
    NoticeKind,
    Place,
    Priority,
    SlaClock,
    Status,
)
from handlers.ports import Store, Tx
from handlers.settings import Capabilities, DigestSettings, PlatformPlaces
from handlers.texts import ENGLISH
from storage.store import SqliteStore
from tests.builders import ALICE, BOB, CAROL, ERIN, open_ticket, post, run, settings
from tests.clock import FakeClock

# These exercise the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026 (the 20th is a Friday, the 24th a Tuesday), UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


NOW = at(24, 9)  # the digest is made on Tuesday at 09:00
LAST = at(23, 9)  # the last digest was posted on Monday at 09:00
LAST_FIGURES = {
    "opened": 4,
    "resolved": 2,
    "reopened": 0,
    "backlog": 3,
    "unclaimed": 1,
    "breached": 1,
    "at_risk": 1,
}


class Scenario:
    """Drive the desk through the scenario in time order, then set the SLA clocks."""

    def __init__(self, desk: Desk, clock: FakeClock) -> None:
        self.desk, self.clock = desk, clock

    async def open(self, when: datetime, subject: str) -> int:
        self.clock.set(when)
        return await open_ticket(self.desk, ALICE, subject)

    async def command(self, when: datetime, who: object, text: str, **options: object) -> None:
        self.clock.set(when)
        reply = await run(self.desk, who, text, **options)  # type: ignore[arg-type]
        assert reply.ok, reply.text

    async def say(self, when: datetime, who: object, ticket_id: int, text: str) -> None:
        self.clock.set(when)
        ticket = await self.desk.ticket(ticket_id)
        assert ticket is not None
        await post(self.desk, who, text, place=ticket.place)  # type: ignore[arg-type]


# ticket, kind, target, used, running_since, due_at, stopped_at, breached_at
CLOCKS = [
    (1, "first_response", 14400, 3600, None, None, at(20, 10), None),
    (1, "resolution", 259200, 3600, None, None, None, None),  # paused: waiting
    (2, "first_response", 14400, 3600, None, None, at(22, 11), None),
    (2, "resolution", 259200, 25200, None, None, at(23, 12), None),  # 5h, reopened, +2h
    (3, "first_response", 14400, 7200, None, None, at(22, 14), None),
    (3, "resolution", 259200, 72000, None, None, at(23, 8), None),
    (4, "first_response", 14400, 50400, None, None, at(23, 10), at(23, 0)),
    (4, "next_response", 3600, 0, at(24, 4), at(24, 5), None, at(24, 5)),
    (4, "resolution", 259200, 0, at(22, 20), at(25, 20), None, None),
    (5, "first_response", 14400, 0, at(23, 8, 30), at(23, 12, 30), None, at(23, 12, 30)),
    (5, "resolution", 99000, 0, at(23, 8, 30), at(24, 12), None, None),
    (6, "first_response", 14400, 3600, None, None, at(23, 10), None),
    (6, "resolution", 259200, 25200, None, None, at(23, 16), None),
    (7, "first_response", 14400, 5400, None, None, at(23, 12, 30), None),
    (7, "resolution", 43200, 0, at(23, 11), at(23, 23), None, None),  # overdue, not flagged
    (8, "first_response", 14400, 18000, None, None, at(23, 20), at(23, 19)),
    (8, "resolution", 43200, 61200, None, None, at(24, 8), at(24, 3)),
    (9, "first_response", 3600, 0, at(23, 16, 30), at(24, 9, 30), None, None),
    (10, "first_response", 14400, 16200, None, None, at(24, 2, 30), None),  # late, unflagged
    (10, "resolution", 259200, 18000, None, None, None, None),  # paused: waiting
    (11, "first_response", 900, 900, None, None, None, at(23, 23, 15)),  # resolved unanswered
    (11, "resolution", None, 7200, None, None, at(24, 1), None),  # no promise
    (12, "first_response", 14400, 0, at(24, 9), at(24, 13), None, None),
]


async def set_clocks(store: Store) -> None:
    """Write the clocks as the SLA engine would have left them (business time by hand)."""

    def write(tx: Tx) -> None:
        for ticket_id, kind, target, used, running, due, stopped, breached in CLOCKS:
            ticket = tx.ticket(ticket_id)
            assert ticket is not None
            clock = SlaClock(
                ticket_id,
                ClockKind(kind),
                "24x7",
                None if target is None else timedelta(seconds=target),
                ticket.created_at,
                timedelta(seconds=used),
                running,
                due,
                stopped,
                breached,
            )
            tx.save_clock(clock)

    await store.transact(write)


async def scenario(desk: Desk, store: SqliteStore, clock: FakeClock) -> None:
    """Twelve tickets, from Friday 20 to Tuesday 24 November; bob and erin are agents.

    | # | opened   | what happens                                              | now      |
    |---|----------|-----------------------------------------------------------|----------|
    | 1 | Fri 9:00 | bob claims, answers 10:00, waits on the customer          | waiting  |
    | 2 | Sun 10   | bob answers 11, resolves 15; reopened Mon 10, resolved 12 | resolved |
    | 3 | Sun 12   | erin answers 14, resolves Mon 8:00, closes Mon 10         | closed   |
    | 4 | Sun 20   | erin claims; FR breached Mon 0:00, answered Mon 10:00     | claimed  |
    | 5 | Mon 8:30 | nobody; FR breached 12:30                                 | open     |
    | 6 | Mon 9:00 | bob answers 10, resolves 16                               | resolved |
    | 7 | Mon 11   | carol assigns erin; erin answers 12:30                    | claimed  |
    | 8 | Mon 15   | bob answers 20 (late), alice resolves it Tue 8:00         | resolved |
    | 9 | Mon 16:30| high priority, nobody                                     | open     |
    |10 | Mon 22   | erin answers Tue 2:30 (late, not flagged), waits          | waiting  |
    |11 | Mon 23   | erin resolves Tue 1:00 without answering                  | resolved |
    |12 | Tue 9:00 | nobody (at the digest's own moment: the next period's)    | open     |
    """
    s = Scenario(desk, clock)
    assert await s.open(at(20, 9), "VPN drops every hour") == 1
    await s.command(at(20, 9, 30), BOB, "claim 1")
    await s.say(at(20, 10), BOB, 1, "which client version?")
    await s.command(at(20, 11), BOB, "waiting 1")
    assert await s.open(at(22, 10), "printer on fire") == 2
    await s.command(at(22, 10, 30), BOB, "claim 2")
    await s.say(at(22, 11), BOB, 2, "turn it off and on")
    assert await s.open(at(22, 12), "password reset") == 3
    await s.command(at(22, 13), ERIN, "claim 3")
    await s.say(at(22, 14), ERIN, 3, "done, check your mail")
    await s.command(at(22, 15), BOB, "resolve 2")
    assert await s.open(at(22, 20), "invoice is wrong") == 4
    await s.command(at(22, 20, 30), ERIN, "claim 4")
    await s.command(at(23, 8), ERIN, "resolve 3")
    assert await s.open(at(23, 8, 30), "cannot log in @everyone") == 5
    assert await s.open(at(23, 9), "export is slow") == 6
    await s.command(at(23, 9, 30), BOB, "claim 6")
    await s.say(at(23, 10), ALICE, 2, "it is on fire again")  # reopens #2
    await s.say(at(23, 10), BOB, 6, "looking")
    await s.say(at(23, 10), ERIN, 4, "sorry for the wait")
    await s.command(at(23, 10), ERIN, "close 3")
    assert await s.open(at(23, 11), "webhook 500s") == 7
    await s.command(at(23, 11, 30), CAROL, "assign 7 @erin", mentions=(ERIN,))
    await s.command(at(23, 12), BOB, "resolve 2")
    await s.say(at(23, 12, 30), ERIN, 7, "deploying a fix")
    assert await s.open(at(23, 15), "dark mode please") == 8
    await s.command(at(23, 15, 30), BOB, "claim 8")
    await s.command(at(23, 16), BOB, "resolve 6")
    assert await s.open(at(23, 16, 30), "data loss on sync") == 9
    await s.command(at(23, 16, 40), BOB, "priority 9 high")
    await s.say(at(23, 20), BOB, 8, "on the roadmap")
    assert await s.open(at(23, 22), "2FA codes late") == 10
    await s.command(at(23, 22, 10), ERIN, "claim 10")
    assert await s.open(at(23, 23), "typo on pricing page") == 11
    await s.command(at(23, 23, 30), ERIN, "claim 11")
    await s.command(at(24, 1), ERIN, "resolve 11")
    await s.say(at(24, 2, 30), ERIN, 10, "which phone?")
    await s.command(at(24, 3), ERIN, "waiting 10")
    await s.command(at(24, 8), ALICE, "resolve 8")
    assert await s.open(at(24, 9), "API key rotation") == 12
    await set_clocks(store)
    record = DigestRecord(at(22, 9), LAST, LAST, LAST_FIGURES)
    await store.transact(lambda tx: tx.record_digest(record))


@pytest.fixture
async def made(desk: Desk, store: SqliteStore, clock: FakeClock) -> Digest:
    await scenario(desk, store, clock)
    return await posting.build(store, DigestSettings(), NOW)


async def test_period_runs_from_the_last_digest_to_now(made: Digest) -> None:
    """The period is [Mon 9:00, Tue 9:00); the previous one the 24 hours before it."""
    assert (made.period.start, made.period.end) == (LAST, NOW)
    assert (made.previous.period.start, made.previous.period.end) == (at(22, 9), LAST)
    assert made.since_last_digest


async def test_new_resolved_and_reopened_count_the_period_and_the_one_before(
    made: Digest,
) -> None:
    """#6 opened at the period's first instant counts; #12, opened at its end, does not."""
    assert made.current.flow == Flow(opened=6, resolved=4, reopened=1)
    assert made.previous.flow == Flow(opened=4, resolved=2, reopened=0)


async def test_backlog_by_status_priority_and_holder(made: Digest) -> None:
    """Seven active tickets: #1 #4 #5 #7 #9 #10 #12; three nobody holds, #5 the oldest."""
    backlog = made.backlog
    assert backlog.total == 7
    assert dict(backlog.by_status) == {Status.OPEN: 3, Status.CLAIMED: 2, Status.WAITING: 2}
    assert dict(backlog.by_priority) == {
        Priority.URGENT: 0,
        Priority.HIGH: 1,
        Priority.NORMAL: 6,
        Priority.LOW: 0,
    }
    assert (backlog.unclaimed, backlog.oldest_unclaimed) == (3, at(23, 8, 30))


async def test_backlog_at_the_start_is_walked_back_exactly(made: Digest) -> None:
    """#1, #4 and #5 were active at Mon 9:00: 7 now − 6 new − 1 reopened + 4 resolved − #12."""
    assert made.backlog_at_start == 3


async def test_first_response_compliance_counts_each_broken_promise_where_it_broke(
    made: Digest,
) -> None:
    """Kept: #6 #7. Broken now: #8 (flagged), #10 (late, unflagged), #5 and #11 (never
    answered). #4 broke before the period (counted then) though it was answered in it."""
    assert made.current.first_response.compliance == Compliance(met=2, missed=4)
    assert made.previous.first_response.compliance == Compliance(met=2, missed=1)


async def test_first_response_times_are_business_medians_and_p90(made: Digest) -> None:
    """Answered in the period: 1h, 1.5h, 4.5h, 5h, 14h; before it: 1h, 2h."""
    assert made.current.first_response.times == Times(5, pytest.approx(16200), pytest.approx(37440))
    assert made.previous.first_response.times == Times(2, pytest.approx(5400), pytest.approx(6840))


async def test_resolution_compliance_and_times(made: Digest) -> None:
    """Kept: #2 (cumulative 7h after its reopen), #6. Broken: #8 (flagged), #7 (overdue while
    running). #11 made no promise: its 2h counts in the times, not in compliance. #2's first
    resolution (Sunday) is no longer visible: a clock keeps its latest stop only."""
    assert made.current.resolution.compliance == Compliance(met=2, missed=2)
    assert made.current.resolution.times == Times(4, pytest.approx(25200), pytest.approx(50400))
    assert made.previous.resolution.compliance == Compliance(met=1, missed=0)
    assert made.previous.resolution.times == Times(1, pytest.approx(72000), pytest.approx(72000))


async def test_breached_and_at_risk_count_active_tickets(made: Digest) -> None:
    """Breached: #4 (next response), #5 (first response; its resolution is due soon too),
    #7 (resolution, not flagged yet). #11's breach is on a resolved ticket. At risk within 4h:
    #9 (due 9:30) and #12 (due 13:00, exactly at the horizon)."""
    risk = made.risk
    assert risk.breached == 3
    assert dict(risk.breached_by_kind) == {
        "first_response": 1,
        "next_response": 1,
        "resolution": 1,
    }
    assert risk.at_risk == 2


async def test_per_agent_table(made: Digest) -> None:
    """erin: claimed #10 #11, assigned #7; resolved #11; answered #4 14h, #7 1.5h, #10 4.5h;
    holds #4 #7 #10. bob: claimed #6 #8; holds the resolved #2 #6 #8 (alice resolved #8
    herself); answered #6 1h, #8 5h; holds #1. carol only assigned: no line."""
    assert made.agents == (
        AgentLine("console:erin", "erin", 3, 1, pytest.approx(16200), 3),
        AgentLine("console:bob", "bob", 2, 3, 10800, 1),
    )


async def test_oldest_open_tickets_come_with_their_age_order(made: Digest) -> None:
    """The five oldest active tickets, oldest first."""
    assert [ticket.id for ticket in made.oldest] == [1, 4, 5, 7, 9]


async def test_chart_days_hold_daily_volume_and_end_of_day_backlog(made: Digest) -> None:
    """14 days to today; Monday: 7 opened (#5–#11), 3 resolved (#3 #2 #6), #2 reopened."""
    assert len(made.days) == 14
    assert made.days[0].day.isoformat() == "2026-11-11"
    assert made.days[-5:] == (
        Day(at(20, 0).date(), 1, 0, 1),
        Day(at(21, 0).date(), 0, 0, 1),
        Day(at(22, 0).date(), 3, 1, 3),
        Day(at(23, 0).date(), 7, 3, 8),
        Day(at(24, 0).date(), 1, 2, 7),
    )
    assert all(day == Day(day.day, 0, 0, 0) for day in made.days[:9])


async def test_stock_figures_compare_with_the_last_digest(made: Digest) -> None:
    """Unclaimed 1 → 3, breached 1 → 3, at risk 1 → 2 since Monday's digest."""
    assert made.change("unclaimed", made.backlog.unclaimed) == 2
    assert made.change("breached", made.risk.breached) == 2
    assert made.change("at_risk", made.risk.at_risk) == 1


async def test_rendered_digest_reads_the_figures(made: Digest) -> None:
    """The text says each figure with its change, in plain lines."""
    text = posting.render(made, ENGLISH)
    expected = [
        "Digest for Tue 24 Nov 09:00 UTC: since the last digest (Mon 23 Nov 09:00 UTC, 24h ago).",
        "New 6 (+2) · resolved 4 (+2) · reopened 1 (+1)",
        "Backlog 7 (+4): open 3 · claimed 2 · waiting 2",
        "By priority: urgent 0 · high 1 · normal 6 · low 0",
        "Unclaimed 3 (+2), the oldest for 1d",
        "SLA breached now: 3 (+2): first response 1 · next response 1 · resolution 1",
        "At risk of breaching within 4h: 2 (+1)",
        "First response: 33% on time, 2 of 6 (-33 pts) · median 4h 30m (was 1h 30m)"
        " · p90 10h 24m (was 1h 54m)",
        "Resolution: 50% on time, 2 of 4 (-50 pts) · median 7h (was 20h) · p90 14h (was 20h)",
        "Times are business time; (±n) is the change against the 24h before.",
        "Agents: claimed · resolved · median first response · open now",
        "  erin: 3 · 1 · 4h 30m · 3",
        "  bob: 2 · 3 · 3h · 1",
        "Oldest open:",
        "  #1 4d · normal · bob · waiting · VPN drops every hour",
        "  #4 1d 13h · normal · erin · invoice is wrong",
        "  #5 1d · normal · unclaimed · cannot log in @\u200beveryone",
        "  #7 22h · normal · erin · webhook 500s",
        "  #9 16h 30m · high · unclaimed · data loss on sync",
        "  …and 2 more open tickets",
    ]
    assert [line for line in text.splitlines() if line] == expected


async def test_next_digest_starts_where_the_posted_one_ended(
    made: Digest, store: SqliteStore
) -> None:
    """Posting records the period; the next digest covers only what came after it."""
    notices = posting.digest_notices(made, settings(), {"console": "console:local"})
    await store.transact(lambda tx: posting.post(tx, made, notices, NOW))
    later = await posting.build(store, DigestSettings(), NOW + timedelta(hours=2))
    assert (later.period.start, later.current.flow) == (NOW, Flow(opened=1))
    assert later.last == made.snapshot()
    assert later.change("unclaimed", later.backlog.unclaimed) == 0


async def test_explicit_since_ignores_the_last_digest(made: Digest, store: SqliteStore) -> None:
    """A digest since Friday counts every ticket and compares with nothing posted."""
    since = await posting.build(store, DigestSettings(), NOW, since=at(20, 0))
    assert since.current.flow == Flow(opened=11, resolved=6, reopened=1)
    assert (since.since_last_digest, since.last) == (False, None)


# -- without a previous digest ----------------------------------------------------------------


async def test_first_digest_covers_the_last_24_hours(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """With no digest posted yet, the period is the last 24 hours."""
    clock.set(at(23, 8))
    await open_ticket(desk)
    clock.set(at(23, 10))
    await open_ticket(desk)
    made = await posting.build(store, DigestSettings(), at(24, 9))
    assert (made.period.start, made.since_last_digest) == (at(23, 9), False)
    assert (made.current.flow.opened, made.previous.flow.opened) == (1, 1)
    assert made.last is None


async def test_empty_desk_is_skipped_unless_configured_otherwise(store: SqliteStore) -> None:
    """Nothing happened and nothing is open: skipped when skip_when_empty, posted otherwise."""
    made = await posting.build(store, DigestSettings(), NOW)
    assert made.is_empty
    assert not posting.should_post(made, DigestSettings(skip_when_empty=True))
    assert posting.should_post(made, DigestSettings(skip_when_empty=False))


async def test_quiet_period_with_open_tickets_is_still_posted(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """A backlog nobody touched is exactly what leads need to hear about."""
    clock.set(at(10, 9))
    await open_ticket(desk)
    made = await posting.build(store, DigestSettings(), NOW)
    assert made.current.flow == Flow()
    assert posting.should_post(made, DigestSettings())


async def test_days_follow_the_digest_timezone(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """At 23:30 UTC it is already the next day in Berlin: the ticket counts on that day."""
    clock.set(at(23, 23, 30))
    await open_ticket(desk)
    berlin = DigestSettings(timezone=ZoneInfo("Europe/Berlin"))
    made = await posting.build(store, berlin, NOW)
    assert made.days[-1] == Day(at(24, 0).date(), 1, 0, 1)
    assert made.days[-2].opened == 0


# -- notices ----------------------------------------------------------------------------------


def test_notices_go_to_each_leads_channel_with_the_chart_where_files_go(
    made_offline: Digest,
) -> None:
    """Slack and Discord get the text and the PNG; the console the text; no leads channel,
    or no known workspace, no notice."""
    desk_settings = settings(
        places={
            "slack": PlatformPlaces(leads_channel="C-LEADS"),
            "discord": PlatformPlaces(leads_channel="123"),
            "console": PlatformPlaces(leads_channel="leads"),
            "other": PlatformPlaces(),
        },
        capabilities={"slack": Capabilities(files=True), "discord": Capabilities(files=True)},
    )
    workspaces = {"slack": "slack:T1", "console": "console:local", "other": "other:x"}
    notices = posting.digest_notices(made_offline, desk_settings, workspaces, b"\x89PNG")
    assert [(n.kind, n.place) for n in notices] == [
        (NoticeKind.DIGEST, Place("console:local", "leads")),
        (NoticeKind.DIGEST, Place("slack:T1", "C-LEADS")),
    ]
    console, slack = notices
    assert console.file is None
    assert slack.file is not None and slack.file.content == b"\x89PNG"
    assert slack.file.name == "deskbot-digest-2026-11-24.png"
    assert console.text == slack.text == posting.render(made_offline, ENGLISH)


def test_chart_goes_where_the_platform_takes_files_whatever_its_name(
    made_offline: Digest,
) -> None:
    """The desk attaches the chart by capability: a new platform that takes files gets it."""
    desk_settings = settings(
        places={
            "matrix": PlatformPlaces(leads_channel="!leads"),
            "teams": PlatformPlaces(leads_channel="19:leads"),
        },
        capabilities={"matrix": Capabilities(files=True), "teams": Capabilities(edits=True)},
    )
    workspaces = {"matrix": "matrix:example.org", "teams": "teams:tenant"}
    notices = posting.digest_notices(made_offline, desk_settings, workspaces, b"\x89PNG")
    files = {notice.place.workspace: notice.file for notice in notices}
    assert files["teams:tenant"] is None
    assert files["matrix:example.org"] == NoticeFile(chart_name(made_offline), b"\x89PNG")


def test_post_queues_notices_and_records_the_digest(made_offline: Digest) -> None:
    """One transaction: every notice queued, then the digest remembered with its figures."""
    done: list[object] = []

    class Recorder:
        def enqueue(self, notice: Notice, now: datetime) -> None:
            done.append(("enqueue", notice.place.channel, now))

        def record_digest(self, record: DigestRecord) -> None:
            done.append(record)

    notice = Notice(NoticeKind.DIGEST, Place("console:local", "leads"), "text")
    posting.post(Recorder(), made_offline, [notice], NOW)  # type: ignore[arg-type]
    assert done == [
        ("enqueue", "leads", NOW),
        DigestRecord(LAST, NOW, NOW, made_offline.snapshot()),
    ]


# -- pure parts ---------------------------------------------------------------------------------


def offline(**changes: object) -> Digest:
    """A digest built by hand, for the text and notice tests."""
    period = figures.Period(LAST, NOW)
    empty = figures.PeriodFigures(period, Flow(), figures.Sla(), figures.Sla())
    values: dict[str, object] = {
        "now": NOW,
        "timezone": ZoneInfo("UTC"),
        "since_last_digest": True,
        "current": empty,
        "previous": figures.PeriodFigures(
            figures.Period(at(22, 9), LAST),
            Flow(),
            figures.Sla(),
            figures.Sla(),
        ),
        "backlog": figures.backlog_of([]),
        "backlog_at_start": 0,
        "risk": figures.Risk(0, (), 0, timedelta(hours=4)),
        "agents": (),
        "oldest": (),
        "days": (),
    }
    values.update(changes)
    return Digest(**values)  # type: ignore[arg-type]


@pytest.fixture
def made_offline() -> Digest:
    return offline()


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([5.0], 0.5, 5.0),
        ([1.0, 2.0], 0.5, 1.5),
        ([1.0, 2.0, 3.0, 4.0, 5.0], 0.5, 3.0),
        ([1.0, 2.0, 3.0, 4.0, 5.0], 0.9, 4.6),
        ([10.0, 20.0], 0.9, 19.0),
        ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0], 0.9, 10.0),
    ],
)
def test_quantiles_interpolate_between_ranks(
    values: list[float], q: float, expected: float
) -> None:
    """Median and p90 interpolate linearly between the closest ranks."""
    assert figures.quantile(values, q) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        (StoppedClock("first_response", 100, 100, None), True),
        (StoppedClock("first_response", 101, 100, None), False),
        (StoppedClock("first_response", 50, None, None), None),
        (StoppedClock("first_response", 500, 100, LAST), False),
        (StoppedClock("first_response", 500, 100, LAST - timedelta(microseconds=1)), None),
    ],
    ids=["on-target", "over-unflagged", "no-promise", "breached-in-period", "breached-before"],
)
def test_outcome_of_a_stopped_clock(clock: StoppedClock, expected: bool | None) -> None:
    """Kept at or under target; broken over it or when flagged in the period; not decided
    without a promise or when it broke before the period."""
    assert figures.outcome(clock, LAST) is expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "0s"),
        (45, "45s"),
        (60, "1m"),
        (2100, "35m"),
        (3600, "1h"),
        (11400, "3h 10m"),
        (504000, "140h"),
    ],
)
def test_business_times_are_hours_and_minutes(seconds: float, expected: str) -> None:
    """A business day differs by calendar, so business time is written in hours."""
    assert lines.business(seconds) == expected


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        (timedelta(0), "0m"),
        (timedelta(minutes=12), "12m"),
        (timedelta(hours=22), "22h"),
        (timedelta(hours=5, minutes=10), "5h 10m"),
        (timedelta(days=1, minutes=30), "1d"),
        (timedelta(days=3, hours=4, minutes=5), "3d 4h"),
        (timedelta(seconds=-5), "0m"),
    ],
)
def test_ages_show_their_two_largest_units(span: timedelta, expected: str) -> None:
    """Wall-clock ages read at a glance: the two largest units, zeros left out."""
    assert lines.age(span) == expected


@pytest.mark.parametrize(
    ("delta", "expected"), [(None, ""), (0, " (±0)"), (3, " (+3)"), (-1200, " (-1,200)")]
)
def test_changes_are_signed(delta: int | None, expected: str) -> None:
    """A change shows its sign; nothing to compare with shows nothing."""
    assert lines.change(delta) == expected


def test_compliance_rounds_down_so_100_percent_means_all_kept() -> None:
    """999 of 1,000 is 99%, not 100%."""
    assert lines.percent(Compliance(999, 1).rate or 0) == "99%"
    assert lines.percent(0.29) == "29%"


def many_agents(count: int) -> tuple[AgentLine, ...]:
    return tuple(
        AgentLine(f"slack:U{n}", f"agent number {n}", n, n, 600.0 * n, n) for n in range(count)
    )


def many_tickets(count: int) -> tuple[ActiveTicket, ...]:
    link = "https://example.slack.com/archives/C0123456789/p1700000000123456?thread_ts=1"
    return tuple(
        ActiveTicket(
            n,
            "a very long subject line @here " * 4,
            Status.OPEN,
            Priority.HIGH,
            None,
            at(1, 0),
            link,
        )
        for n in range(1, count + 1)
    )


def test_long_digest_fits_discord_with_and_n_more() -> None:
    """Forty agents and twenty long tickets with Slack links are cut to 2,000 characters by
    dropping whole lines ("…and N more") and shortening subjects."""
    group = ActiveGroup(Status.OPEN, Priority.HIGH, None, None, 20, at(1, 0))
    made = offline(
        agents=many_agents(40), oldest=many_tickets(20), backlog=figures.backlog_of([group])
    )
    text = posting.render(made, ENGLISH)
    assert len(text) <= lines.LIMIT
    shown_agents = text.count("agent number")
    shown_tickets = text.count("https://")
    assert f"…and {40 - shown_agents} more agents" in text
    assert f"…and {20 - shown_tickets} more open tickets" in text
    assert shown_agents >= 3 and shown_tickets >= 1
    assert text.splitlines()[-1].startswith("  …and")


def test_short_digest_is_not_cut() -> None:
    """Three agents and two tickets fit whole: no "…and N more"."""
    made = offline(agents=many_agents(3), oldest=many_tickets(2))
    text = posting.render(made, ENGLISH)
    assert "more" not in text
    assert text.count("agent number") == 3


def test_agent_names_and_subjects_are_quoted() -> None:
    """Customer-supplied subjects and names never ping anyone."""
    agent = AgentLine("slack:U1", "@everyone", 1, 1, None, 1)
    made = offline(agents=(agent,), oldest=many_tickets(1))
    text = posting.render(made, ENGLISH)
    assert "@everyone" not in text and "@here" not in text
    assert "  @\u200beveryone: 1 · 1 · – · 1" in text


async def test_digest_reads_the_sla_engines_own_clocks(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """No clock set by hand: with 4h first responses on 24x7, an answer after 1h is kept, one
    after 5h is broken, and a ticket nobody answered is broken and breached now."""
    for subject in ("kept", "late", "forgotten"):
        await Scenario(desk, clock).open(at(23, 10), subject)
    await Scenario(desk, clock).say(at(23, 11), BOB, 1, "on it")
    await Scenario(desk, clock).say(at(23, 15), BOB, 2, "sorry, on it")
    made = await posting.build(store, DigestSettings(), NOW)
    first = made.current.first_response
    assert first.compliance == Compliance(met=1, missed=2)
    assert first.times == Times(2, pytest.approx(10800), pytest.approx(16560))
    assert (made.risk.breached, dict(made.risk.breached_by_kind)) == (1, {"first_response": 1})
