"""Reminders and escalations reach Slack in real time, from second-long SLAs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from bot.clock import SystemClock
from bot.config import Config
from bot.desk_settings import desk_settings
from bot.leadership import Leadership
from bot.scheduler import Scheduler
from storage.store import SqliteStore
from tests.bot.slack.conftest import WAIT, Scene, SlackDesk, make_config
from tests.fakes.slack import FakeSlack


def fast_config(slack: FakeSlack, scene: Scene, db_path: Path) -> Config:
    """Unclaimed reminders after 1s, a 2-second first-response promise escalated at breach."""
    config = make_config(slack, scene, db_path, "socket")
    changes = Config.model_validate(
        {
            "escalation": {"unclaimed": {"after": "1s"}, "breach": {}, "warn_before_breach": "50%"},
            "sla": {"policies": {"normal": {"first_response": "2s"}}},
        }
    )
    return config.model_copy(update={"escalation": changes.escalation, "sla": changes.sla})


async def until(condition: Callable[[], object]) -> None:
    """Wait for what the fake Slack records (it has no event to wait on for this)."""
    async with asyncio.timeout(WAIT):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def test_reminders_and_escalation_reach_slack_in_real_time(
    slack: FakeSlack, scene: Scene, db_path: Path, store: SqliteStore
) -> None:
    """Unclaimed reminder in triage pinging the agents' group; breach escalated to the leads."""
    config = fast_config(slack, scene, db_path)
    clock = SystemClock()
    running = SlackDesk(slack, scene, config, store, clock)  # type: ignore[arg-type]
    leadership = Leadership(store, clock)
    await leadership.renew()
    scheduler = Scheduler(
        store, clock, desk_settings(config), leadership, on_swept=running.outbox.wake
    )
    running.desk.on_scheduled = scheduler.arm
    await running.start()
    scheduler.start()
    try:
        await running.post(scene.alice, "Printer on fire")

        def said(channel: str, words: str) -> list[str]:
            return [m["text"] for m in slack.messages(channel) if words in m.get("text", "")]

        await until(lambda: said(scene.triage.id, "nobody on it"))
        (reminder,) = said(scene.triage.id, "nobody on it")
        assert reminder.startswith(f"<!subteam^{scene.agents.id}>")
        await until(lambda: said(scene.leads.id, "broke its first response promise"))
        (escalation,) = said(scene.leads.id, "broke its")
        assert escalation.startswith(f"<@{scene.carol.id}>")
    finally:
        scheduler.shutdown()
        await running.stop()


async def test_warning_goes_to_the_holder_by_direct_message(
    slack: FakeSlack, scene: Scene, db_path: Path, store: SqliteStore
) -> None:
    """Half way to the breach, the agent holding the ticket gets a direct message."""
    config = fast_config(slack, scene, db_path)
    clock = SystemClock()
    running = SlackDesk(slack, scene, config, store, clock)  # type: ignore[arg-type]
    leadership = Leadership(store, clock)
    await leadership.renew()
    scheduler = Scheduler(
        store, clock, desk_settings(config), leadership, on_swept=running.outbox.wake
    )
    running.desk.on_scheduled = scheduler.arm
    await running.start()
    scheduler.start()
    try:
        await running.post(scene.alice, "Printer on fire")
        await running.command(scene.erin, "claim 1")

        def direct() -> list[dict[str, object]]:
            return [
                c.args
                for c in slack.calls_to("chat.postMessage")
                if c.args.get("channel") == scene.erin.id
            ]

        await until(direct)
        assert "will break its first response promise" in str(direct()[0]["text"])
    finally:
        scheduler.shutdown()
        await running.stop()
