"""The satisfaction survey on Discord: persistent score buttons in the ticket's thread."""

from __future__ import annotations

from tests.bot.discord.conftest import Deskbot, Payload, World
from tests.bot.discord.test_buttons import components
from tests.fakes.discord import payloads


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


async def test_survey_offers_a_button_per_score(world: World, deskbot: Deskbot) -> None:
    """The survey carries buttons 1–5 whose ids name the ticket and the score."""
    _, survey = await resolved_with_survey(world)
    found = components(survey)
    assert list(found) == [f"deskbot:rate:1:{score}" for score in range(1, 6)]
    assert [button["label"] for button in found.values()] == ["1", "2", "3", "4", "5"]


async def test_customer_press_rates_and_a_second_changes_it(world: World, deskbot: Deskbot) -> None:
    """alice presses 3, then 5: one rating of 5, two audit events, each answered privately."""
    thread, survey = await resolved_with_survey(world)
    first = await press(world, thread, survey, "deskbot:rate:1:3", world.alice)
    assert first == "Thank you! You rated ticket #1 3/5."
    second = await press(world, thread, survey, "deskbot:rate:1:5", world.alice)
    assert second == "Your rating of ticket #1 is now 5/5 (it was 3/5)."
    assert await deskbot.rows("SELECT score FROM surveys") == [(5,)]
    assert len(await deskbot.rows("SELECT id FROM events WHERE kind = 'rated'")) == 2


async def test_anyone_else_pressing_is_told_privately(world: World, deskbot: Deskbot) -> None:
    """bob pressing a score is told only the person who asked can rate; nothing recorded."""
    thread, survey = await resolved_with_survey(world)
    answer = await press(world, thread, survey, "deskbot:rate:1:1", world.bob)
    assert answer == "Only the person who asked can rate this."
    assert await deskbot.rows("SELECT score FROM surveys") == [(None,)]
