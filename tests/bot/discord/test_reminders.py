"""Reminders and escalations reach Discord in real time, from second-long SLAs."""

from __future__ import annotations

from bot.clock import SystemClock
from storage.store import SqliteStore
from tests.bot.discord.conftest import World, running
from tests.bot.sweeping import fast_reminders, sweeping


async def test_reminders_and_escalation_reach_discord_in_real_time(
    world: World, store: SqliteStore
) -> None:
    """The agents' role is pinged in triage, the leads in their channel; nobody else."""
    config = fast_reminders(world.config())
    clock = SystemClock()
    async with (
        running(world, store, clock, config) as bot,  # type: ignore[arg-type]
        sweeping(store, config, bot.desk, bot.outbox),
    ):
        await world.open_ticket()
        await world.fake.wait_for(
            lambda: any("nobody on it" in text for text in world.sent_texts(world.triage["id"])),
            "the unclaimed reminder in triage",
        )
        await world.fake.wait_for(
            lambda: any("broke its" in text for text in world.sent_texts(world.leads["id"])),
            "the breach escalation in leads",
        )
    [reminder] = [
        s for s in world.fake.sent_messages(world.triage["id"]) if "nobody on it" in s.content
    ]
    assert reminder.content.startswith(f"<@&{world.agents_role['id']}>")
    assert reminder.allowed_mentions == {
        "parse": [],
        "users": [],
        "roles": [int(world.agents_role["id"])],
    }
    [escalation] = [
        s for s in world.fake.sent_messages(world.leads["id"]) if "broke its" in s.content
    ]
    assert escalation.content.startswith(f"<@{world.carol}>")


async def test_warning_goes_to_the_holder_by_direct_message(
    world: World, store: SqliteStore
) -> None:
    """Half way to the breach, the agent holding the ticket gets a direct message."""
    config = fast_reminders(world.config())
    clock = SystemClock()
    async with (
        running(world, store, clock, config) as bot,  # type: ignore[arg-type]
        sweeping(store, config, bot.desk, bot.outbox),
    ):
        message = await world.open_ticket()
        await world.slash(world.bob, message["id"], "claim")
        await world.fake.wait_for(
            lambda: world.fake.calls_to("POST", "/users/@me/channels"), "a DM channel"
        )
        dm = world.fake.calls_to("POST", "/users/@me/channels")[0]
        await world.fake.wait_for(
            lambda: any("will break" in text for text in world.sent_texts(str(dm.response["id"]))),
            "the warning in the DM",
        )
    assert str(dm.json["recipient_id"]) == world.bob
