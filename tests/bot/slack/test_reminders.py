"""Reminders and escalations reach Slack in real time, from second-long SLAs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from bot.clock import SystemClock
from storage.store import SqliteStore
from tests.bot.slack.conftest import WAIT, Scene, SlackDesk, make_config
from tests.bot.sweeping import fast_reminders, sweeping
from tests.fakes.slack import FakeSlack


async def until(condition: Callable[[], object]) -> None:
    """Wait for what the fake Slack records (it has no event to wait on for this)."""
    async with asyncio.timeout(WAIT):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def running(
    slack: FakeSlack, scene: Scene, db_path: Path, store: SqliteStore
) -> AsyncIterator[SlackDesk]:
    """deskbot on the fake Slack, on the wall clock, with the scheduler sweeping."""
    config = fast_reminders(make_config(slack, scene, db_path, "socket"))
    desk = SlackDesk(slack, scene, config, store, SystemClock())  # type: ignore[arg-type]
    await desk.start()
    try:
        async with sweeping(store, config, desk.desk, desk.outbox):
            yield desk
    finally:
        await desk.stop()


async def test_reminders_and_escalation_reach_slack_in_real_time(
    slack: FakeSlack, scene: Scene, db_path: Path, store: SqliteStore
) -> None:
    """Unclaimed reminder in triage pinging the agents' group; breach escalated to the leads."""

    def said(channel: str, words: str) -> list[str]:
        return [m["text"] for m in slack.messages(channel) if words in m.get("text", "")]

    async with running(slack, scene, db_path, store) as desk:
        await desk.post(scene.alice, "Printer on fire")
        await until(lambda: said(scene.triage.id, "nobody on it"))
        await until(lambda: said(scene.leads.id, "broke its first response promise"))
    (reminder,) = said(scene.triage.id, "nobody on it")
    assert reminder.startswith(f"<!subteam^{scene.agents.id}>")
    (escalation,) = said(scene.leads.id, "broke its")
    assert escalation.startswith(f"<@{scene.carol.id}>")


async def test_warning_goes_to_the_holder_by_direct_message(
    slack: FakeSlack, scene: Scene, db_path: Path, store: SqliteStore
) -> None:
    """Half way to the breach, the agent holding the ticket gets a direct message."""

    def direct() -> list[str]:
        return [
            str(c.args["text"])
            for c in slack.calls_to("chat.postMessage")
            if c.args.get("channel") == scene.erin.id
        ]

    async with running(slack, scene, db_path, store) as desk:
        await desk.post(scene.alice, "Printer on fire")
        await desk.command(scene.erin, "claim 1")
        await until(direct)
    assert "will break its first response promise" in direct()[0]
