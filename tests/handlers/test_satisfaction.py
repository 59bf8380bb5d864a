"""Satisfaction surveys: asked once per resolution, rated by the customer alone, counted once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from handlers import timers
from handlers.desk import Desk
from handlers.digest import posting
from handlers.models import Scale
from handlers.satisfaction import asking
from handlers.settings import DeskSettings, SatisfactionSettings
from storage.store import SqliteStore
from tests import builders
from tests.builders import ALICE, BOB, DAVE, open_ticket, rows, run
from tests.clock import FakeClock

# These exercise the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores


def surveying(**overrides: object) -> DeskSettings:
    """The console desk with surveys on: 1–5, a week to answer, alerts at 2 and below."""
    values: dict[str, object] = {"enabled": True}
    values.update(overrides)
    return builders.settings(satisfaction=SatisfactionSettings(**values))  # type: ignore[arg-type]


@pytest.fixture
def settings() -> DeskSettings:
    return surveying()


async def resolved(desk: Desk, customer: builders.Person = ALICE) -> int:
    """Open a ticket as `customer`, have bob claim and resolve it; return its id."""
    ticket = await open_ticket(desk, customer)
    await run(desk, BOB, f"claim {ticket}")
    await run(desk, BOB, f"resolve {ticket} fixed")
    return ticket


async def surveys_sent(store: SqliteStore) -> list[tuple[str | None, dict[str, object]]]:
    """(thread, payload) of every survey notice queued, oldest first."""
    found = await rows(
        store, "SELECT thread, payload FROM outbox WHERE kind = 'survey' ORDER BY id"
    )
    return [(thread, json.loads(str(payload))) for thread, payload in found]  # type: ignore[misc]


async def rated_events(store: SqliteStore) -> list[dict[str, object]]:
    found = await rows(store, "SELECT data FROM events WHERE kind = 'rated' ORDER BY id")
    return [json.loads(str(data)) for (data,) in found]


async def test_resolution_asks_the_customer_once_in_the_thread(
    desk: Desk, store: SqliteStore
) -> None:
    """Resolving a ticket queues one survey, in the ticket's thread, with the command in it."""
    ticket = await resolved(desk)
    sent = await surveys_sent(store)
    assert len(sent) == 1
    thread, payload = sent[0]
    assert thread is not None
    assert payload["survey"] == [ticket, 1, "5", False]
    assert f"/ticket rate {ticket} <1-5> [comment]" in str(payload["text"])


async def test_surveys_off_ask_nothing(store: SqliteStore, clock: FakeClock) -> None:
    """With satisfaction disabled a resolution asks nothing, and a rating is refused."""
    desk = Desk(store, clock, builders.settings())
    ticket = await resolved(desk)
    assert await surveys_sent(store) == []
    reply = await run(desk, ALICE, f"rate {ticket} 5")
    assert not reply.ok
    assert "has no survey to rate" in reply.text


async def test_reopened_ticket_is_asked_again_after_its_next_resolution(
    desk: Desk, store: SqliteStore
) -> None:
    """Reopen and resolve again: a second survey (round 2), and the first one is closed."""
    ticket = await resolved(desk)
    await run(desk, ALICE, f"reopen {ticket}")
    assert len(await surveys_sent(store)) == 1  # reopening asks nothing
    await run(desk, BOB, f"resolve {ticket}")
    sent = [payload["survey"] for _, payload in await surveys_sent(store)]
    assert sent == [[ticket, 1, "5", False], [ticket, 1, "5", True], [ticket, 2, "5", False]]


async def test_closing_a_resolved_ticket_asks_nothing_more(desk: Desk, store: SqliteStore) -> None:
    """Closing is no resolution: still one survey."""
    ticket = await resolved(desk)
    await run(desk, BOB, f"close {ticket}")
    assert len(await surveys_sent(store)) == 1


async def test_customer_rates_and_the_rating_is_audited(desk: Desk, store: SqliteStore) -> None:
    """`/ticket rate 1 4 great help` records the score and comment, as a `rated` event."""
    ticket = await resolved(desk)
    reply = await run(desk, ALICE, f"rate {ticket} 4 great help")
    assert reply.ok
    assert reply.text == f"Thank you! You rated ticket #{ticket} 4/5, with your comment."
    assert await rows(store, "SELECT score, comment FROM surveys") == [(4, "great help")]
    assert await rated_events(store) == [
        {"round": 1, "score": 4, "previous": None, "comment": "great help"}
    ]


async def test_second_rating_changes_the_first_and_is_counted_once(
    desk: Desk, store: SqliteStore, clock: FakeClock
) -> None:
    """A second click changes the rating: two audit events, one rating in the surveys."""
    ticket = await resolved(desk)
    await run(desk, ALICE, f"rate {ticket} 2")
    clock.advance(hours=1)
    reply = await run(desk, ALICE, f"rate {ticket} 5")
    assert reply.text == f"Your rating of ticket #{ticket} is now 5/5 (it was 2/5)."
    assert await rows(store, "SELECT score, answered_at < rated_at FROM surveys") == [(5, 1)]
    assert [event["score"] for event in await rated_events(store)] == [2, 5]


async def test_same_rating_again_changes_nothing(desk: Desk, store: SqliteStore) -> None:
    """The same score again is no change: no second event."""
    ticket = await resolved(desk)
    await run(desk, ALICE, f"rate {ticket} 4")
    reply = await run(desk, ALICE, f"rate {ticket} 4")
    assert reply.ok
    assert reply.text == f"You rated ticket #{ticket} 4/5 already."
    assert len(await rated_events(store)) == 1


async def test_a_click_without_comment_keeps_the_comment(desk: Desk, store: SqliteStore) -> None:
    """Changing the score by a button keeps the comment written earlier."""
    ticket = await resolved(desk)
    await run(desk, ALICE, f"rate {ticket} 3 slow but fine")
    await run(desk, ALICE, f"rate {ticket} 4")
    assert await rows(store, "SELECT score, comment FROM surveys") == [(4, "slow but fine")]


@pytest.mark.parametrize("who", [BOB, DAVE], ids=["agent", "another customer"])
async def test_only_the_customer_may_rate(desk: Desk, store: SqliteStore, who: object) -> None:
    """Anyone but the ticket's customer is told only the person who asked can rate it."""
    ticket = await resolved(desk)
    reply = await run(desk, who, f"rate {ticket} 5")  # type: ignore[arg-type]
    assert not reply.ok
    assert reply.text == "Only the person who asked can rate this."
    assert await rows(store, "SELECT score FROM surveys") == [(None,)]


@pytest.mark.parametrize("score", ["0", "6", "great", "4.5", "-1"])
async def test_score_out_of_range_is_refused_with_the_range(desk: Desk, score: str) -> None:
    """A score off the scale is refused, saying what the scale is."""
    ticket = await resolved(desk)
    reply = await run(desk, ALICE, f"rate {ticket} {score}")
    assert not reply.ok
    assert f"Rate ticket #{ticket} with a whole number from 1 to 5" in reply.text


async def test_missing_score_is_refused_with_the_range(desk: Desk) -> None:
    """`/ticket rate 1` says how to rate."""
    ticket = await resolved(desk)
    reply = await run(desk, ALICE, f"rate {ticket}")
    assert not reply.ok and "from 1 to 5" in reply.text


async def test_rating_a_ticket_never_resolved_is_refused(desk: Desk) -> None:
    """An open ticket was never surveyed: a clear sentence, nothing recorded."""
    ticket = await open_ticket(desk)
    reply = await run(desk, ALICE, f"rate {ticket} 5")
    assert not reply.ok
    assert reply.text.startswith(f"Ticket #{ticket} has no survey to rate")


async def test_thumbs_scale_takes_up_and_down(store: SqliteStore, clock: FakeClock) -> None:
    """`scale: thumbs`: up is 5, down is 1; a number in between is refused."""
    desk = Desk(store, clock, surveying(scale=Scale.THUMBS))
    ticket = await resolved(desk)
    assert "up|down" in str((await surveys_sent(store))[0][1]["text"])
    refused = await run(desk, ALICE, f"rate {ticket} 3")
    assert not refused.ok and "up or down" in refused.text
    reply = await run(desk, ALICE, f"rate {ticket} down")
    assert reply.text == f"Thank you! You rated ticket #{ticket} 👎."
    await run(desk, ALICE, f"rate {ticket} 👍")
    assert await rows(store, "SELECT scale, score FROM surveys") == [("thumbs", 5)]


async def test_unanswered_survey_expires_and_its_buttons_say_so(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """After `expires` the sweep edits the survey closed, and a rating is refused."""
    ticket = await resolved(desk)
    clock.advance(days=7, seconds=-1)
    assert (await run(desk, ALICE, f"rate {ticket} 4")).ok  # just in time
    clock.advance(seconds=1)
    await store.transact(lambda tx: timers.fire_due(tx, clock.now(), settings))
    sent = await surveys_sent(store)
    assert sent[-1][1]["survey"] == [ticket, 1, "5", True]
    assert "You rated it 4/5" in str(sent[-1][1]["text"])
    reply = await run(desk, ALICE, f"rate {ticket} 5")
    assert not reply.ok
    assert reply.text.startswith(f"The survey for ticket #{ticket} closed on ")
    assert await rows(store, "SELECT score FROM surveys") == [(4,)]


async def test_expiry_edits_the_survey_message_in_place(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """The closed survey shares its edit key with the question: one message, edited."""
    await resolved(desk)
    clock.advance(days=8)
    await store.transact(lambda tx: timers.fire_due(tx, clock.now(), settings))
    keys = await rows(store, "SELECT edit_key FROM outbox WHERE kind = 'survey' ORDER BY id")
    assert keys == [("survey:1:1",), ("survey:1:1",)]


async def test_expiry_survives_other_changes_to_the_ticket(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Reopening re-plans the ticket's steps; the survey still closes on time."""
    ticket = await resolved(desk)
    await run(desk, ALICE, f"reopen {ticket}")
    clock.advance(days=7)
    await store.transact(lambda tx: timers.fire_due(tx, clock.now(), settings))
    sent = await surveys_sent(store)
    assert [payload["survey"] for _, payload in sent][-1] == [ticket, 1, "5", True]


async def test_sampling_is_the_same_every_time_and_near_the_share() -> None:
    """The sample depends on (ticket, resolution) alone, and takes about its share."""
    picks = [asking.sampled(ticket, 1, 0.2) for ticket in range(1, 5001)]
    assert picks == [asking.sampled(ticket, 1, 0.2) for ticket in range(1, 5001)]
    assert 0.18 < sum(picks) / len(picks) < 0.22
    assert asking.sampled(7, 1, 1.0)
    assert not any(asking.sampled(ticket, 1, 0.0) for ticket in range(1, 200))


async def test_a_resolution_left_out_of_the_sample_is_not_asked(
    store: SqliteStore, clock: FakeClock
) -> None:
    """Sampled out: no survey posted, its resolution recorded as unasked, rating refused."""
    desk = Desk(store, clock, surveying(sample=0.0))
    ticket = await resolved(desk)
    assert await surveys_sent(store) == []
    assert await rows(store, "SELECT round, asked FROM surveys") == [(1, 0)]
    assert not (await run(desk, ALICE, f"rate {ticket} 5")).ok


async def test_cooldown_spares_a_customer_asked_recently(
    store: SqliteStore, clock: FakeClock
) -> None:
    """Within the cooldown a customer's next resolution is not asked; after it, it is."""
    desk = Desk(store, clock, surveying(cooldown=timedelta(days=1)))
    await resolved(desk)
    clock.advance(hours=23)
    await resolved(desk)
    await resolved(desk, DAVE)  # another customer is asked all the same
    clock.advance(hours=1)
    await resolved(desk)
    asked = await rows(store, "SELECT ticket_id, asked FROM surveys ORDER BY ticket_id")
    assert asked == [(1, 1), (2, 0), (3, 1), (4, 1)]


async def test_low_rating_alerts_the_leads_with_link_and_comment(
    desk: Desk, store: SqliteStore
) -> None:
    """A rating at or below alert_below is posted to the leads' channel at once."""
    ticket = await resolved(desk)
    await run(desk, ALICE, f"rate {ticket} 2 nobody read my message")
    alerts = await rows(
        store, "SELECT channel, payload FROM outbox WHERE kind = 'escalation' ORDER BY id"
    )
    assert len(alerts) == 1
    channel, payload = alerts[0]
    assert channel == "leads"
    text = json.loads(str(payload))["text"]
    assert text == (
        f"Low rating: alice rated #{ticket} printer on fire 2/5 (held by bob):"
        " nobody read my message"
    )


async def test_good_rating_alerts_nobody(desk: Desk, store: SqliteStore) -> None:
    """A rating above alert_below stays in the reports."""
    ticket = await resolved(desk)
    await run(desk, ALICE, f"rate {ticket} 3")
    assert await rows(store, "SELECT id FROM outbox WHERE kind = 'escalation'") == []


async def test_comment_on_a_low_rating_alerts_again(desk: Desk, store: SqliteStore) -> None:
    """The comment after a low click reaches the leads too; the same rating again does not."""
    ticket = await resolved(desk)
    await run(desk, ALICE, f"rate {ticket} 1")
    await run(desk, ALICE, f"rate {ticket} 1 it is still on fire")
    await run(desk, ALICE, f"rate {ticket} 1")
    found = await rows(store, "SELECT payload FROM outbox WHERE kind = 'escalation' ORDER BY id")
    texts = [json.loads(str(payload))["text"] for (payload,) in found]
    assert len(texts) == 2
    assert texts[0].endswith("without a comment.")
    assert texts[1].endswith(": it is still on fire")


async def test_rate_works_inside_the_tickets_thread(desk: Desk, store: SqliteStore) -> None:
    """In the ticket's thread the id may be left out: `rate 5`."""
    ticket = await resolved(desk)
    thread = (await desk.ticket(ticket)).place  # type: ignore[union-attr]
    reply = await run(desk, ALICE, "rate 5 thanks", place=thread)
    assert reply.ok
    assert await rows(store, "SELECT score, comment FROM surveys") == [(5, "thanks")]


# -- the digest -------------------------------------------------------------------------------


async def digest_text(store: SqliteStore, clock: FakeClock, settings: DeskSettings) -> str:
    made = await posting.build(store, settings.digest, clock.now())
    return posting.render(made, settings.texts_for("console"))


async def test_digest_shows_csat_average_response_rate_and_lowest_rated(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Four surveys, three answered (5, 4 changed to 2, 1 with a comment): CSAT 33%."""
    first, second, third = [await resolved(desk) for _ in range(3)]
    await resolved(desk, DAVE)  # asked, never answered
    await run(desk, ALICE, f"rate {first} 5")
    await run(desk, ALICE, f"rate {second} 4")
    await run(desk, ALICE, f"rate {second} 2")  # a change: still one rating
    await run(desk, ALICE, f"rate {third} 1 the   printer\nstill burns")
    clock.advance(minutes=1)
    text = await digest_text(store, clock, settings)
    assert (
        "Satisfaction: CSAT 33% (1 of 3 positive) · average 2.7 / 5"
        " · response rate 75% (3 of 4 asked)"
    ) in text
    assert (
        "Lowest rated:\n"
        f"  #{third} 1/5 · bob · printer on fire · “the printer still burns”\n"
        f"  #{second} 2/5 · bob · printer on fire"
    ) in text
    assert "Agents: claimed · resolved · median first response · open now · CSAT" in text
    assert "  bob: 4 · 4 · – · 0 · 33%" in text


async def test_digest_without_surveys_says_nothing_of_satisfaction(
    store: SqliteStore, clock: FakeClock
) -> None:
    """Surveys off: no satisfaction line, and the agent table has no CSAT column."""
    settings = builders.settings()
    desk = Desk(store, clock, settings)
    await resolved(desk)
    clock.advance(minutes=1)
    text = await digest_text(store, clock, settings)
    assert "Satisfaction" not in text
    assert "Agents: claimed · resolved · median first response · open now\n" in text


async def test_digest_counts_surveys_asked_before_any_rating(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Asked but unanswered: no ratings yet, response rate 0%."""
    await resolved(desk)
    clock.advance(minutes=1)
    text = await digest_text(store, clock, settings)
    assert "Satisfaction: no ratings in the period · response rate 0% (0 of 1 asked)" in text
    assert "Lowest rated" not in text
