"""Similar tickets on the Discord card, and the ack's "This solved it" button, on discord.py."""

from __future__ import annotations

from bot.config import KnowledgeConfig
from storage.store import SqliteStore
from tests.bot.discord.conftest import Deskbot, World, running
from tests.bot.discord.test_buttons import components
from tests.clock import FakeClock
from tests.fakes.discord import payloads

PASSWORD = "Password reset email never arrives"


async def _solved_before(world: World, deskbot: Deskbot) -> None:
    """alice's ticket #1 about the password reset email, resolved by bob with a note."""
    await world.open_ticket(PASSWORD)
    await world.slash(
        world.bob, world.triage["id"], "resolve", payloads.option("id", 1, type=4),
        payloads.option("text", "whitelisted our domain", type=3),
    )  # fmt: skip
    await deskbot.settle(world)


async def test_the_card_lists_similar_resolved_tickets(world: World, deskbot: Deskbot) -> None:
    """The second ticket's card names #1, how it was resolved, and links it."""
    await _solved_before(world, deskbot)
    await world.open_ticket(f"the {PASSWORD.lower()}")
    await world.wait_for_message(world.triage["id"], 2)
    await deskbot.matched(world)  # the card is edited with what was found beside the writer
    card = world.fake.sent_messages(world.triage["id"])[-1].content
    assert "Solved before:" in card
    assert "#1 Password reset email never arrives — resolved: whitelisted our domain" in card
    assert f"/{world.support['id']}/" in card.split("Solved before:")[1]


async def test_this_solved_it_resolves_the_ticket_as_deflected(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """The ack offers a persistent button; the customer's click resolves the ticket."""
    knowing = world.config().model_copy(
        update={"knowledge": KnowledgeConfig(suggest_to_customers=True)}
    )
    async with running(world, store, clock, knowing) as deskbot:
        await _solved_before(world, deskbot)
        root = await world.open_ticket(f"{PASSWORD} again")
        await deskbot.matched(world)  # the ack is edited with the answers that helped
        (ack,) = world.fake.sent_messages(root["id"])
        assert "these answers helped others" in ack.content
        stored = world.fake.state.message(root["id"], ack.message["id"])
        assert components(stored)["deskbot:solved:2"]["label"] == "This solved it"
        record = await world.fake.click(
            root["id"], ack.message["id"], "deskbot:solved:2", user_id=world.alice
        )
        [answer] = await world.fake.wait_until_seen(record)
        assert answer["content"] == "Glad that helped! Ticket #2 is resolved."
        assert await deskbot.rows("SELECT status FROM tickets WHERE id = 2") == [("resolved",)]
