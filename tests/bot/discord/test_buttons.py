"""The triage card: persistent Claim/Resolve buttons and a priority menu, edited in place."""

from __future__ import annotations

from storage.store import SqliteStore
from tests.bot.discord.conftest import Deskbot, Payload, World, running
from tests.clock import FakeClock
from tests.fakes.discord import payloads


def components(message: Payload) -> dict[str, Payload]:
    """A message's components by custom id (link buttons by label)."""
    found = {}
    for row in message["components"]:
        for item in row["components"]:
            found[item.get("custom_id") or item["label"]] = item
    return found


async def click(world: World, custom_id: str, user: str) -> str:
    """Click a component of the card as `user`; return the private answer they see."""
    record = await world.fake.click(world.triage["id"], world.card()["id"], custom_id, user_id=user)
    [answer] = await world.fake.wait_until_seen(record)
    assert answer["flags"] & payloads.EPHEMERAL
    return str(answer["content"])


async def pick_high(world: World) -> str:
    """Pick `high` in the card's priority menu as bob; return the private answer."""
    record = await world.fake.click(
        world.triage["id"],
        world.card()["id"],
        "deskbot:priority:1",
        user_id=world.bob,
        component_type=payloads.STRING_SELECT,
        values=["high"],
    )
    [answer] = await world.fake.wait_until_seen(record)
    return str(answer["content"])


async def test_card_offers_buttons_whose_ids_carry_action_and_ticket(
    world: World, deskbot: Deskbot
) -> None:
    """A new ticket's card has Claim, Reply, Resolve, a priority menu and a thread link."""
    root = await world.open_ticket()
    await world.wait_for_message(world.triage["id"])
    found = components(world.card())
    assert set(found) == {
        "deskbot:claim:1",
        "deskbot:reply:1",
        "deskbot:resolve:1",
        "deskbot:priority:1",
        "Open thread",
    }
    assert found["deskbot:claim:1"]["label"] == "Claim"
    assert found["Open thread"]["url"].endswith(f"/{world.support['id']}/{root['id']}")


async def test_claim_button_claims_and_the_card_is_edited_in_place(
    world: World, deskbot: Deskbot
) -> None:
    """Claim claims the ticket for whoever clicks; the same card message then says so."""
    await world.open_ticket()
    await world.wait_for_message(world.triage["id"])
    assert await click(world, "deskbot:claim:1", world.bob) == "You claimed #1 printer on fire."
    await world.fake.wait_for(lambda: "claimed by bob" in world.card()["content"], "the card edit")
    assert set(components(world.card())) == {
        "deskbot:reply:1",
        "deskbot:resolve:1",
        "deskbot:priority:1",
        "Open thread",
    }
    assert len(world.fake.sent_messages(world.triage["id"])) == 1


async def test_claim_button_works_after_a_restart(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """A card posted before a restart still works: a new client, the same database."""
    async with running(world, store, clock):
        await world.open_ticket()
        await world.wait_for_message(world.triage["id"])
    async with running(world, store, clock) as restarted:
        assert await click(world, "deskbot:claim:1", world.bob) == "You claimed #1 printer on fire."
        found = await restarted.rows("SELECT status, assignee_key FROM tickets")
        await world.fake.wait_for(lambda: "claimed by bob" in world.card()["content"], "the edit")
    assert found == [("claimed", f"discord:{world.bob}")]
    assert world.fake.identify_count == 2


async def test_resolve_button_resolves_and_offers_reopen(world: World, deskbot: Deskbot) -> None:
    """Resolve resolves the ticket; the card then offers only Reopen (and the link)."""
    await world.open_ticket()
    await world.wait_for_message(world.triage["id"])
    assert await click(world, "deskbot:resolve:1", world.bob) == "Ticket #1 is resolved."
    await world.fake.wait_for(lambda: "resolved" in world.card()["content"], "the card edit")
    assert set(components(world.card())) == {"deskbot:reopen:1", "Open thread"}
    assert await deskbot.rows("SELECT status FROM tickets") == [("resolved",)]


async def test_customer_clicking_claim_is_refused(world: World, deskbot: Deskbot) -> None:
    """A customer who clicks Claim is told it is for agents; nothing changes."""
    await world.open_ticket()
    await world.wait_for_message(world.triage["id"])
    assert await click(world, "deskbot:claim:1", world.alice) == "/ticket claim is for agents."
    assert await deskbot.rows("SELECT status FROM tickets") == [("open",)]


async def test_priority_menu_sets_the_priority(world: World, deskbot: Deskbot) -> None:
    """Picking `high` in the card's menu makes the ticket high priority."""
    await world.open_ticket()
    await world.wait_for_message(world.triage["id"])
    assert await pick_high(world) == "Ticket #1 is now high priority."
    assert await deskbot.rows("SELECT priority FROM tickets") == [("high",)]


async def test_a_card_speaks_the_platforms_language(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """With `discord.locale: zh_CN` the buttons, the menu and the answers are in Chinese."""
    config = world.config()
    config = config.model_copy(
        update={"discord": config.discord.model_copy(update={"locale": "zh_CN"})}
    )
    async with running(world, store, clock, config):
        await world.open_ticket()
        await world.wait_for_message(world.triage["id"])
        found = components(world.card())
        assert found["deskbot:claim:1"]["label"] == "认领"
        menu = found["deskbot:priority:1"]
        assert menu["placeholder"] == "设置优先级…"
        assert {option["label"]: option["value"] for option in menu["options"]}["高"] == "high"
        assert "打开讨论串" in found
        assert await pick_high(world) == "工单 #1 的优先级现为高。"
