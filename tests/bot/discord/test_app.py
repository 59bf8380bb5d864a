"""`deskbot run` with discord enabled: the composition root wires the platform end to end."""

from __future__ import annotations

import asyncio
import contextlib
from io import StringIO
from pathlib import Path

from bot import app
from tests.bot.discord.conftest import World


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
