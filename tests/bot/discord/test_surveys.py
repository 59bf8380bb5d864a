"""The satisfaction survey on Discord: persistent score buttons in the ticket's thread."""

from __future__ import annotations

from handlers import timers
from tests.bot.discord.conftest import Deskbot, Payload, World
from tests.bot.discord.test_buttons import components
from tests.clock import FakeClock
from tests.fakes.discord import InteractionRecord, payloads


async def resolved_with_survey(world: World) -> tuple[str, Payload]:
    """alice's ticket, claimed and resolved by bob; return its thread and the survey there."""
    root = await world.open_ticket()
    thread = str(root["id"])
    await world.slash(world.bob, thread, "claim")
    await world.slash(world.bob, thread, "resolve")
    await world.fake.wait_for(
        lambda: any("How did we do" in text for text in world.sent_texts(thread)), "the survey"
    )
    [sent] = [s for s in world.fake.sent_messages(thread) if "How did we do" in s.content]
    return thread, world.fake.state.message(thread, sent.message["id"])


async def press(world: World, thread: str, survey: Payload, custom_id: str, user: str) -> str:
    """Press a survey button as `user`; return the private answer they see."""
    record = await world.fake.click(thread, survey["id"], custom_id, user_id=user)
    [answer] = await world.fake.wait_until_seen(record)
    assert answer["flags"] & payloads.EPHEMERAL
    return str(answer["content"])


async def press_for_modal(
    world: World, thread: str, survey: Payload, custom_id: str
) -> InteractionRecord:
    """alice presses a survey button; return the press once it is answered with a modal."""
    record = await world.fake.click(thread, survey["id"], custom_id, user_id=world.alice)
    await world.fake.wait_for(lambda: record.callback is not None, "the press's answer")
    assert record.modal is not None, record.callback
    return record


async def test_survey_offers_a_button_per_score(world: World, deskbot: Deskbot) -> None:
    """The survey carries buttons 1–5 whose ids name the ticket and the score."""
    _, survey = await resolved_with_survey(world)
    found = components(survey)
    assert list(found) == [f"deskbot:rate:1:{score}" for score in range(1, 6)]
    assert [button["label"] for button in found.values()] == ["1", "2", "3", "4", "5"]


async def test_customer_press_rates_and_a_second_changes_it(world: World, deskbot: Deskbot) -> None:
    """alice presses 3, then 5: one rating of 5, two audit events, each press opens a modal."""
    thread, survey = await resolved_with_survey(world)
    first = await press_for_modal(world, thread, survey, "deskbot:rate:1:3")
    assert await deskbot.rows("SELECT score FROM surveys") == [(3,)]
    second = await press_for_modal(world, thread, survey, "deskbot:rate:1:5")
    assert first.seen == second.seen == []  # the modal is the press's one answer
    assert await deskbot.rows("SELECT score FROM surveys") == [(5,)]
    assert len(await deskbot.rows("SELECT id FROM events WHERE kind = 'rated'")) == 2


async def test_anyone_else_pressing_is_told_privately(world: World, deskbot: Deskbot) -> None:
    """bob pressing a score is told only the person who asked can rate; nothing recorded."""
    thread, survey = await resolved_with_survey(world)
    answer = await press(world, thread, survey, "deskbot:rate:1:1", world.bob)
    assert answer == "Only the person who asked can rate this."
    assert await deskbot.rows("SELECT score FROM surveys") == [(None,)]


async def test_expired_survey_is_edited_in_place_without_buttons(
    world: World, deskbot: Deskbot, clock: FakeClock
) -> None:
    """When the survey expires, its message says it is closed and has no buttons left."""
    thread, survey = await resolved_with_survey(world)
    posted = len(world.sent_texts(thread))
    clock.advance(days=8)
    settings = deskbot.desk.settings
    await deskbot.store.transact(lambda tx: timers.fire_due(tx, clock.now(), settings))
    deskbot.outbox.wake()
    closed = "The survey for ticket #1 is closed."
    await world.fake.wait_for(
        lambda: world.fake.state.message(thread, survey["id"])["content"] == closed,
        "the survey edited closed",
    )
    assert world.fake.state.message(thread, survey["id"])["components"] == []
    assert len(world.sent_texts(thread)) == posted


async def test_newer_survey_closes_the_older_one_in_place(world: World, deskbot: Deskbot) -> None:
    """A reopened ticket resolved again: the first survey is edited closed, the second asks."""
    thread, survey = await resolved_with_survey(world)
    await press_for_modal(world, thread, survey, "deskbot:rate:1:2")
    await world.slash(world.bob, thread, "reopen")
    await world.slash(world.bob, thread, "resolve")
    closed = "The survey for ticket #1 is closed. You rated it 2/5; thank you!"
    await world.fake.wait_for(
        lambda: world.fake.state.message(thread, survey["id"])["content"] == closed,
        "the first survey edited closed",
    )
    assert world.fake.state.message(thread, survey["id"])["components"] == []
    await world.fake.wait_for(
        lambda: len(asking_again(world, thread, survey)) == 1, "the second survey"
    )
    [newer] = asking_again(world, thread, survey)
    assert list(components(newer)) == [f"deskbot:rate:1:{score}" for score in range(1, 6)]


def asking_again(world: World, thread: str, first: Payload) -> list[Payload]:
    """The surveys in the thread that ask for a rating, other than `first`."""
    return [
        message
        for message in world.fake.messages(thread)
        if message["id"] != first["id"] and "How did we do" in message["content"]
    ]


async def submit(world: World, pressed: InteractionRecord, comment: str) -> str:
    """alice submits the comment modal; return the private answer she sees."""
    record = await world.fake.submit_modal(pressed, {"comment": comment})
    [answer] = await world.fake.wait_until_seen(record)
    assert answer["flags"] & payloads.EPHEMERAL
    return str(answer["content"])


async def test_the_press_opens_a_comment_modal(world: World, deskbot: Deskbot) -> None:
    """The modal asks for one optional comment and says how long it may be."""
    thread, survey = await resolved_with_survey(world)
    pressed = await press_for_modal(world, thread, survey, "deskbot:rate:1:4")
    assert pressed.modal is not None
    [label] = pressed.modal["components"]
    assert pressed.modal["title"] == "Add a comment"
    assert label["label"] == "Anything to add about ticket #1?"
    assert "up to 4000 characters" in label["description"]
    assert label["component"]["required"] is False
    assert label["component"]["max_length"] == 4000


async def test_submitting_a_comment_records_it_with_the_rating(
    world: World, deskbot: Deskbot
) -> None:
    """The comment joins the rating, audited; the leads' alert quotes it; alice is thanked."""
    thread, survey = await resolved_with_survey(world)
    pressed = await press_for_modal(world, thread, survey, "deskbot:rate:1:2")
    answer = await submit(world, pressed, "Slow. @everyone look")
    assert answer == "Thank you! You rated ticket #1 2/5, with your comment."
    assert await deskbot.rows("SELECT score, comment FROM surveys") == [(2, "Slow. @everyone look")]
    assert len(await deskbot.rows("SELECT id FROM events WHERE kind = 'rated'")) == 2
    await world.fake.wait_for(
        lambda: any("Slow. @\u200beveryone look" in t for t in world.sent_texts(world.leads["id"])),
        "the leads' alert with the quoted comment",
    )


async def test_an_empty_comment_keeps_the_rating(world: World, deskbot: Deskbot) -> None:
    """Submitting the modal empty leaves the rating as the press made it."""
    thread, survey = await resolved_with_survey(world)
    pressed = await press_for_modal(world, thread, survey, "deskbot:rate:1:4")
    assert await submit(world, pressed, "") == "You rated ticket #1 4/5 already."
    assert await deskbot.rows("SELECT score, comment FROM surveys") == [(4, "")]
    assert len(await deskbot.rows("SELECT id FROM events WHERE kind = 'rated'")) == 1


async def test_someone_else_pressing_gets_no_modal(world: World, deskbot: Deskbot) -> None:
    """bob's press is answered with the private refusal, never a modal."""
    thread, survey = await resolved_with_survey(world)
    record = await world.fake.click(thread, survey["id"], "deskbot:rate:1:1", user_id=world.bob)
    await world.fake.wait_until_seen(record)
    assert record.modal is None
