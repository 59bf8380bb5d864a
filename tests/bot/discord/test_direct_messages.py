"""Private tickets on Discord: a DM to the bot opens one; the DM channel is its conversation."""

from __future__ import annotations

from bot.adapters.discord.adapter import intents
from storage.store import SqliteStore
from tests.bot.discord.conftest import Deskbot, World, running
from tests.bot.discord.test_buttons import components
from tests.clock import FakeClock
from tests.fakes.discord import payloads


async def dm(world: World, deskbot: Deskbot, text: str, user: str | None = None) -> str:
    """A member (alice, unless told) writes to the bot directly; return the DM channel id."""
    channel = world.fake.state.open_dm(user or world.alice)
    await world.fake.post_as_user(channel["id"], user or world.alice, text)
    await deskbot.settle(world)
    await deskbot.outbox.drain()
    return str(channel["id"])


async def test_a_dm_opens_a_private_ticket_answered_in_the_dm(
    world: World, deskbot: Deskbot
) -> None:
    """The ack arrives in the DM channel; no thread is started anywhere."""
    channel = await dm(world, deskbot, "my invoice shows someone else's address")
    [ack] = world.direct_texts(world.alice)
    assert "This is ticket #1" in ack and "only you and our agents see it" in ack
    assert world.fake.calls_to("POST", "/channels/{channel_id}/messages/{message_id}/threads") == []
    assert await deskbot.rows("SELECT workspace, channel, private FROM tickets") == [
        (f"discord:{world.guild.id}", channel, 1)
    ]


async def test_the_card_marks_the_ticket_private_and_offers_reply(
    world: World, deskbot: Deskbot
) -> None:
    """The triage card starts with the private mark and carries a Reply button."""
    await dm(world, deskbot, "my invoice is wrong")
    card = world.card()
    assert card["content"].startswith("🔒 Private (direct message): for agents only · #1")
    assert "deskbot:reply:1" in components(card)


async def test_a_further_dm_joins_the_open_ticket(world: World, deskbot: Deskbot) -> None:
    """The next DM is a message of the same ticket, acknowledged once."""
    await dm(world, deskbot, "my invoice is wrong")
    await dm(world, deskbot, "invoice number 4711")
    assert await deskbot.rows("SELECT ticket_id, text FROM messages WHERE role = 'customer'") == [
        (1, "my invoice is wrong"),
        (1, "invoice number 4711"),
    ]
    assert len(world.direct_texts(world.alice)) == 1


async def test_an_agents_reply_lands_in_the_dm(world: World, deskbot: Deskbot) -> None:
    """`/ticket reply` from triage posts bob's answer into alice's DM."""
    await dm(world, deskbot, "my invoice is wrong")
    await world.slash(
        world.bob,
        world.triage["id"],
        "reply",
        payloads.option("id", 1, type=4),
        payloads.option("text", "corrected, sorry!"),
    )
    await deskbot.outbox.drain()
    assert world.direct_texts(world.alice)[-1] == "bob: corrected, sorry!"


async def test_the_cards_reply_button_opens_a_modal_that_answers_in_the_dm(
    world: World, deskbot: Deskbot
) -> None:
    """Reply answers with a modal; what bob submits reaches alice's DM as his answer."""
    await dm(world, deskbot, "my invoice is wrong")
    card = world.card()
    pressed = await world.fake.click(
        world.triage["id"], card["id"], "deskbot:reply:1", user_id=world.bob
    )
    await world.fake.wait_for(lambda: pressed.callback is not None, "the press's answer")
    assert pressed.modal is not None and pressed.modal["title"] == "Reply to the customer"
    submitted = await world.fake.submit_modal(pressed, {"answer": "We fixed the address."})
    [answer] = await world.fake.wait_until_seen(submitted)
    assert answer["flags"] & payloads.EPHEMERAL
    await deskbot.outbox.drain()
    assert world.direct_texts(world.alice)[-1] == "bob: We fixed the address."


async def test_the_survey_lands_in_the_dm(world: World, deskbot: Deskbot) -> None:
    """Resolved, the private ticket's survey and its score buttons are in the DM."""
    channel = await dm(world, deskbot, "my invoice is wrong")
    await world.slash(world.bob, world.triage["id"], "resolve", payloads.option("id", 1, type=4))
    await deskbot.outbox.drain()
    [survey] = [m for m in world.fake.messages(channel) if "How did we do" in m["content"]]
    assert list(components(survey)) == [f"deskbot:rate:1:{score}" for score in range(1, 6)]


async def test_a_dm_after_the_resolution_opens_a_new_ticket(world: World, deskbot: Deskbot) -> None:
    """Once the ticket is resolved, the next DM is a new private ticket."""
    await dm(world, deskbot, "my invoice is wrong")
    await world.slash(world.bob, world.triage["id"], "resolve", payloads.option("id", 1, type=4))
    await dm(world, deskbot, "and my password expired")
    assert await deskbot.rows("SELECT id, status, private FROM tickets ORDER BY id") == [
        (1, "resolved", 1),
        (2, "open", 1),
    ]


async def test_with_dms_off_the_bot_asks_for_no_direct_messages(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """Off, the bot leaves out the direct-messages intent: Discord sends no DM to answer."""
    config = world.config(direct_messages=False)
    async with running(world, store, clock, config) as deskbot:
        await dm(world, deskbot, "hello?")
        assert await deskbot.rows("SELECT count(*) FROM tickets") == [(0,)]
        assert world.direct_texts(world.alice) == []
    assert not intents(direct_messages=False).dm_messages
    assert intents().dm_messages
