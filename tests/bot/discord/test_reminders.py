"""Reminders and escalations reach Discord in real time, from second-long SLAs."""

from __future__ import annotations

from bot.clock import SystemClock
from bot.config import Config
from bot.desk_settings import desk_settings
from bot.leadership import Leadership
from bot.scheduler import Scheduler
from storage.store import SqliteStore
from tests.bot.discord.conftest import World, running


def fast_config(world: World) -> Config:
    """Unclaimed reminders after 1s, a 2-second first-response promise escalated at breach."""
    config = world.config()
    changes = Config.model_validate(
        {
            "escalation": {"unclaimed": {"after": "1s"}, "breach": {}, "warn_before_breach": "50%"},
            "sla": {"policies": {"normal": {"first_response": "2s"}}},
        }
    )
    return config.model_copy(update={"escalation": changes.escalation, "sla": changes.sla})


async def test_reminders_and_escalation_reach_discord_in_real_time(
    world: World, store: SqliteStore
) -> None:
    """The agents' role is pinged in triage, the leads in their channel; nobody else."""
    config, clock = fast_config(world), SystemClock()
    async with running(world, store, clock, config) as bot:  # type: ignore[arg-type]
        leadership = Leadership(store, clock)
        await leadership.renew()
        scheduler = Scheduler(
            store, clock, desk_settings(config), leadership, on_swept=bot.outbox.wake
        )
        bot.desk.on_scheduled = scheduler.arm
        scheduler.start()
        try:
            await world.open_ticket()
            await world.fake.wait_for(
                lambda: any(
                    "nobody on it" in text for text in world.sent_texts(world.triage["id"])
                ),
                "the unclaimed reminder in triage",
            )
            await world.fake.wait_for(
                lambda: any("broke its" in text for text in world.sent_texts(world.leads["id"])),
                "the breach escalation in leads",
            )
        finally:
            scheduler.shutdown()
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
    config, clock = fast_config(world), SystemClock()
    async with running(world, store, clock, config) as bot:  # type: ignore[arg-type]
        leadership = Leadership(store, clock)
        await leadership.renew()
        scheduler = Scheduler(
            store, clock, desk_settings(config), leadership, on_swept=bot.outbox.wake
        )
        bot.desk.on_scheduled = scheduler.arm
        scheduler.start()
        try:
            message = await world.open_ticket()
            await world.slash(world.bob, message["id"], "claim")
            await world.fake.wait_for(
                lambda: world.fake.calls_to("POST", "/users/@me/channels"), "a DM channel"
            )
            dm = world.fake.calls_to("POST", "/users/@me/channels")[0]
            await world.fake.wait_for(
                lambda: any(
                    "will break" in text for text in world.sent_texts(str(dm.response["id"]))
                ),
                "the warning in the DM",
            )
        finally:
            scheduler.shutdown()
    assert str(dm.json["recipient_id"]) == world.bob
