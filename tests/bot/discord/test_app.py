"""`deskbot run` with discord enabled: the composition root wires the platform end to end."""

from __future__ import annotations

import asyncio
import contextlib
from io import StringIO
from pathlib import Path

import aiohttp
from pydantic import SecretStr

from bot import app
from bot.adapters.discord import DiscordAdapter
from bot.config import WebConfig
from bot.desk_settings import desk_settings
from handlers.desk import Desk
from storage.cursors import ChannelCursors
from storage.store import SqliteStore
from tests.bot.discord.conftest import FAST, World, running
from tests.bot.web.conftest import free_port
from tests.clock import FakeClock


async def test_run_serves_discord_from_config(world: World, tmp_path: Path) -> None:
    """With discord enabled, `app.run` connects, and a customer's message gets its ack."""
    config = world.config()
    config = config.model_copy(
        update={"storage": config.storage.model_copy(update={"path": tmp_path / "desk.db"})}
    )
    running = asyncio.create_task(app.run(config, out=StringIO()))
    try:
        await world.fake.wait_until_identified()
        await world.open_ticket()
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    assert world.fake.gateway.open_connections == []


async def test_the_adapter_says_whether_its_gateway_connection_is_up(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """Connected while its gateway session is up; not before it starts nor after it stops."""
    config = world.config()
    idle = DiscordAdapter(config.discord, Desk(store, clock, desk_settings(config)),
                          ChannelCursors(store), clock, FAST)  # fmt: skip
    assert not idle.is_connected()
    async with running(world, store, clock) as bot:
        assert bot.adapter.is_connected()
    assert not bot.adapter.is_connected()


async def test_readyz_names_discord_once_it_is_connected(world: World, tmp_path: Path) -> None:
    """`deskbot run` with the web view on: /readyz reports the Discord connection by name."""
    port = free_port()
    config = world.config()
    config = config.model_copy(
        update={
            "storage": config.storage.model_copy(update={"path": tmp_path / "desk.db"}),
            "web": WebConfig(port=port, secret=SecretStr("a-test-secret-of-some-length")),
        }
    )
    task = asyncio.create_task(app.run(config, out=StringIO()))
    try:
        await world.fake.wait_until_identified()
        async with aiohttp.ClientSession() as http:
            checks: dict[str, str] = {}
            for _ in range(200):
                async with http.get(f"http://127.0.0.1:{port}/readyz") as answer:
                    checks = (await answer.json())["checks"]
                if checks.get("platform:discord") == "ok":
                    break
                await asyncio.sleep(0.02)
        assert checks["platform:discord"] == "ok"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
