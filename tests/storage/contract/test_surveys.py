"""Satisfaction surveys: one per resolution, the latest found, ratings rewritten, reported."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from handlers.digest.rows import Rating, SurveyCount, Window
from handlers.models import Notice, NoticeKind, Scale, Survey, SurveyView
from handlers.ports import Store
from tests.builders import ALICE
from tests.clock import START
from tests.storage.contract.values import later, opened


def survey(ticket_id: int, round_: int = 1, *, asked: bool = True, **changes: object) -> Survey:
    asked_at = changes.pop("asked_at", START)
    made = Survey(
        ticket_id=ticket_id,
        round=round_,
        customer_key=ALICE.key,
        asked=asked,
        scale=Scale.FIVE,
        asked_at=asked_at,  # type: ignore[arg-type]
        expires_at=asked_at + timedelta(days=7),  # type: ignore[operator]
        agent_key="console:bob",
        agent_name="bob",
    )
    return replace(made, **changes)  # type: ignore[arg-type]


async def add(store: Store, *surveys: Survey) -> None:
    for one in surveys:
        await store.transact(lambda tx, one=one: tx.add_survey(one))  # type: ignore[misc]


async def test_a_survey_round_trips_as_the_tickets_latest(store: Store) -> None:
    """The survey of the latest resolution comes back as stored; none before any."""
    ticket = await opened(store)
    assert await store.read(lambda tx: tx.latest_survey(ticket.id)) is None
    first, second = survey(ticket.id, 1), survey(ticket.id, 2, asked=False)
    await add(store, first, second)
    assert await store.read(lambda tx: tx.latest_survey(ticket.id)) == second


async def test_a_rating_is_written_over_the_survey(store: Store) -> None:
    """`save_rating` writes the score, comment and times of that (ticket, round) only."""
    ticket = await opened(store)
    await add(store, survey(ticket.id, 1), survey(ticket.id, 2))
    rated = replace(
        survey(ticket.id, 2), score=4, comment="仍然很好 👍", answered_at=later(hours=1)
    )
    rated = replace(rated, rated_at=later(hours=2))
    await store.transact(lambda tx: tx.save_rating(rated))
    assert await store.read(lambda tx: tx.latest_survey(ticket.id)) == rated


async def test_last_asked_is_the_customers_latest_asked_survey(store: Store) -> None:
    """Unasked resolutions and other customers do not count towards a customer's cooldown."""
    one, two = await opened(store, "1.0"), await opened(store, "2.0")
    await add(
        store,
        survey(one.id, 1, asked_at=later(hours=1)),
        survey(two.id, 1, asked=False, asked_at=later(hours=3)),
        survey(two.id, 2, asked_at=later(hours=2), customer_key="console:dave"),
    )
    assert await store.read(lambda tx: tx.last_asked(ALICE.key)) == later(hours=1)
    assert await store.read(lambda tx: tx.last_asked("console:nobody")) is None


async def test_ratings_are_reported_by_when_first_given(store: Store) -> None:
    """A rating belongs to the window it was first given in, with its latest score."""
    one, two = await opened(store, "1.0"), await opened(store, "2.0")
    await add(store, survey(one.id), survey(two.id))
    early = replace(survey(one.id), score=5, answered_at=later(hours=1), rated_at=later(hours=30))
    late = replace(survey(two.id), score=1, comment="no", answered_at=later(hours=25))
    for rated in (early, late):
        await store.transact(lambda tx, rated=rated: tx.save_rating(rated))  # type: ignore[misc]
    first_day = await store.report(lambda r: r.ratings(Window(START, later(hours=24))))
    assert first_day == [
        Rating(one.id, "subject 1.0", None, "console:bob", "bob", 5, "", later(hours=1))
    ]
    second_day = await store.report(lambda r: r.ratings(Window(later(hours=24))))
    assert [(rating.ticket_id, rating.score) for rating in second_day] == [(two.id, 1)]


async def test_surveys_asked_count_the_asked_and_answered(store: Store) -> None:
    """Asked surveys in the window, and how many are answered; unasked ones count nowhere."""
    one, two, three = [await opened(store, f"{n}.0") for n in (1, 2, 3)]
    await add(
        store,
        replace(survey(one.id), score=3, answered_at=later(hours=50)),
        survey(two.id),
        survey(three.id, asked=False),
        survey(three.id, 2, asked_at=later(days=2)),
    )
    window = Window(START, later(hours=1))
    assert await store.report(lambda r: r.surveys_asked(window)) == SurveyCount(2, 1)
    empty = Window(later(hours=1), later(hours=2))
    assert await store.report(lambda r: r.surveys_asked(empty)) == SurveyCount(0, 0)


async def test_a_survey_notice_round_trips_and_edits_in_place(store: Store) -> None:
    """A survey notice keeps its view through the outbox and shares its edit key."""
    ticket = await opened(store)
    view = SurveyView(ticket.id, 2, Scale.THUMBS, closed=True)
    notice = Notice(NoticeKind.SURVEY, ticket.place, "closed", ticket_id=ticket.id, survey=view)
    await store.transact(lambda tx: tx.enqueue(notice, START))
    [queued] = await store.read(lambda tx: tx.due_notices(START, 10))
    assert queued.notice == notice
    assert queued.notice.edit_key == f"survey:{ticket.id}:2"


async def test_customer_history_carries_the_latest_rating(store: Store) -> None:
    """The rating of the customer's most recently asked, answered survey, with its scale."""
    one, two, three = [await opened(store, f"{n}.0") for n in (1, 2, 3)]
    await add(
        store,
        survey(one.id, score=2, answered_at=later(hours=1)),
        survey(
            two.id, asked_at=later(days=1), scale=Scale.THUMBS, score=5, answered_at=later(days=1)
        ),
        survey(three.id, asked_at=later(days=2)),  # asked, not answered: no rating
    )
    history = await store.read(lambda tx: tx.customer_history(three, START, 100))
    assert (history.last_score, history.last_thumbs) == (5, True)
    none_yet = await store.read(lambda tx: tx.customer_history(one, later(days=9), 100))
    assert none_yet.recent == 0
