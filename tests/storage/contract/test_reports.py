"""The digests' record and the reports read beside it."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.digest.rows import DigestRecord, SurveyCount, Window
from handlers.models import (
    ClockKind,
    Event,
    EventKind,
    NewTicket,
    Person,
    Place,
    Priority,
    Scale,
    SlaClock,
    Status,
    Survey,
)
from handlers.ports import Reports, Store, Tx
from tests.builders import ALICE, BOB, DAVE, ERIN
from tests.clock import START


async def test_digest_record_round_trips(store: Store) -> None:
    """The latest posted digest (by period end) comes back with its figures."""
    first = DigestRecord(START - timedelta(days=2), START - timedelta(days=1), START, {"a": 1})
    second = DigestRecord(START - timedelta(days=1), START, START, {"backlog": 7})
    for record in (first, second):
        await store.transact(lambda tx, record=record: tx.record_digest(record))  # type: ignore[misc]
    assert await store.report(lambda r: r.last_digest()) == second


async def test_no_digest_posted_yet(store: Store) -> None:
    """An empty digests table gives no last digest."""
    assert await store.report(lambda r: r.last_digest()) is None


# -- reports of one workspace ---------------------------------------------------------------


def one_life(tx: Tx, workspace: str, thread: str, agent: Person, at: datetime) -> None:
    """A ticket of `workspace` opened at `at`, claimed, answered, resolved and rated 5."""
    place = Place(workspace, "support", thread)
    made = tx.insert_ticket(NewTicket(place, ALICE, f"life {thread}", "", Priority.NORMAL, at))
    assert made is not None
    for kind, actor, minutes in (
        (EventKind.OPENED, ALICE, 0),
        (EventKind.CLAIMED, agent, 1),
        (EventKind.FIRST_RESPONSE, agent, 2),
        (EventKind.RESOLVED, agent, 3),
    ):
        tx.record(Event(made.id, actor, kind, at + timedelta(minutes=minutes)))
    tx.update_ticket(replace(made, status=Status.RESOLVED, assignee=agent))
    for kind, minutes in ((ClockKind.FIRST_RESPONSE, 2), (ClockKind.RESOLUTION, 3)):
        done = at + timedelta(minutes=minutes)
        used = timedelta(minutes=minutes)
        tx.save_clock(
            SlaClock(made.id, kind, "24x7", timedelta(hours=1), at, used, stopped_at=done)
        )
    tx.add_survey(
        Survey(
            made.id,
            1,
            ALICE.key,
            True,
            Scale.FIVE,
            at,
            at + timedelta(days=7),
            agent.key,
            agent.name,
            5,
            "",
            at + timedelta(minutes=4),
            at + timedelta(minutes=4),
        )
    )


def late_one(tx: Tx, workspace: str, at: datetime) -> None:
    """An unclaimed ticket of `workspace` whose first response is overdue, not yet flagged."""
    place = Place(workspace, "support", "late")
    made = tx.insert_ticket(NewTicket(place, DAVE, "late", "", Priority.NORMAL, at))
    assert made is not None
    tx.record(Event(made.id, DAVE, EventKind.OPENED, at))
    due = at + timedelta(minutes=30)
    tx.save_clock(
        SlaClock(
            made.id,
            ClockKind.FIRST_RESPONSE,
            "24x7",
            timedelta(minutes=30),
            at,
            running_since=at,
            due_at=due,
        )
    )


def summary(reports: Reports, now: datetime) -> tuple[object, ...]:
    """Every figure the reports give for the day before `now`, in a comparable form."""
    window = Window(now - timedelta(days=1), now)
    return (
        sorted((flow.kind, flow.count) for flow in reports.flows([window])),
        sorted((group.status, group.count) for group in reports.active()),
        [ticket.subject for ticket in reports.oldest_active(10)],
        sorted((clock.kind, clock.used_seconds) for clock in reports.stopped_clocks(window)),
        sorted((s.kind, s.met, s.missed, s.seconds) for s in reports.stopped_summary(window)),
        sorted((count.kind, count.count) for count in reports.missed_unstopped(window, now)),
        sorted((c.kind or "", c.breached, c.at_risk) for c in reports.risk(now, now)),
        sorted(subject.subject for subject in reports.opened_subjects(window, 10)),
        sorted((a.agent_key, a.kind, a.count, a.seconds) for a in reports.agent_activity(window)),
        sorted((rating.agent_key or "", rating.score) for rating in reports.ratings(window)),
        reports.surveys_asked(window),
    )


def expected(lives: list[tuple[str, Person]]) -> tuple[object, ...]:
    """What `summary` gives for a desk of these lives (thread, agent) and one late ticket."""
    agents = sorted({agent.key for _, agent in lives})
    return (
        sorted([("opened", len(lives) + 1), ("resolved", len(lives))]),
        [(Status.OPEN, 1)],
        ["late"],
        sorted([("first_response", 120.0), ("resolution", 180.0)] * len(lives)),
        [
            ("first_response", len(lives), 0, (120.0,) * len(lives)),
            ("resolution", len(lives), 0, (180.0,) * len(lives)),
        ],
        [("first_response", 1)],
        sorted([("", 1, 0), ("first_response", 1, 0)]),
        sorted([*(f"life {thread}" for thread, _ in lives), "late"]),
        sorted(
            (key, kind, sum(agent.key == key for _, agent in lives), seconds)
            for key in agents
            for kind, seconds in (
                ("claimed", ()),
                ("first_response", (120.0,) * sum(agent.key == key for _, agent in lives)),
                ("resolved", ()),
            )
        ),
        sorted((agent.key, 5) for _, agent in lives),
        SurveyCount(len(lives), len(lives)),
    )


async def test_a_workspaces_reports_count_its_tickets_alone(store: Store) -> None:
    """On a desk of two workspaces, each workspace's reports hold its own tickets' events,
    clocks, surveys and agents only, exactly as a desk of that workspace alone would."""
    now = START + timedelta(hours=2)
    desks = {"console:one": [("1", BOB), ("2", BOB)], "console:two": [("3", ERIN)]}

    def fill(tx: Tx) -> None:
        for workspace, lives in desks.items():
            for thread, agent in lives:
                one_life(tx, workspace, thread, agent, START)
            late_one(tx, workspace, START)

    await store.transact(fill)
    for workspace, lives in desks.items():
        found = await store.report(lambda r: summary(r, now), workspace)
        assert found == expected(lives), workspace
    assert await store.report(lambda r: r.deflections(Window(START)), "console:two") == 0


ADELAIDE = ZoneInfo("Australia/Adelaide")  # +9:30, +10:30 from 04:00 local on 4 Oct 2026


async def test_a_workspaces_flows_from_the_rollup_equal_its_events(store: Store) -> None:
    """A workspace's opened, resolved and reopened counts (whole quarter hours read from the
    rollup) equal its events counted one by one, for the local days around a change to
    daylight saving time in a half-hour zone, a window ending mid-quarter and an open one."""
    rng = random.Random(4)
    first_day = datetime(2026, 10, 2, tzinfo=ADELAIDE)
    kinds = [EventKind.OPENED, EventKind.RESOLVED, EventKind.REOPENED, EventKind.CLAIMED]
    written: list[tuple[str, str, datetime]] = []

    def fill(tx: Tx) -> None:
        for number in range(40):
            workspace = ("console:one", "console:two")[number % 2]
            place = Place(workspace, "support", str(number))
            at = first_day + timedelta(minutes=rng.randrange(5 * 24 * 60))
            made = tx.insert_ticket(NewTicket(place, ALICE, "x", "", Priority.NORMAL, at))
            assert made is not None
            for _ in range(6):
                kind = rng.choice(kinds)
                at += timedelta(seconds=rng.randrange(6 * 3600))
                tx.record(Event(made.id, BOB, kind, at))
                written.append((workspace, kind, at))

    await store.transact(fill)
    midnights = [first_day + timedelta(days=day) for day in range(5)]  # local: 23h on the 4th
    windows = [
        *(Window(lo, hi) for lo, hi in itertools.pairwise(midnights)),
        Window(midnights[-1], midnights[-1] + timedelta(hours=7, minutes=52, seconds=3)),
        Window(midnights[2] + timedelta(minutes=7)),
    ]
    for workspace in ("console:one", "console:two"):
        found = await store.report(lambda r: r.flows(windows), workspace)
        counted = {(flow.window, flow.kind): flow.count for flow in found}
        expected = Counter(
            (number, kind)
            for where, kind, at in written
            for number, window in enumerate(windows)
            if where == workspace
            and kind in kinds[:3]
            and window.start <= at
            and (window.end is None or at < window.end)
        )
        assert counted == dict(expected), workspace
