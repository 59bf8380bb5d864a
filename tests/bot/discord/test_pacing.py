"""Delivery on Discord: a channel discord.py is waiting on holds up no other channel."""

from __future__ import annotations

import time

from storage.store import SqliteStore
from tests.bot.discord.conftest import World, running
from tests.clock import FakeClock


async def test_a_channel_waiting_out_a_rate_limit_holds_up_no_other(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """While discord.py waits out #triage's 429 inside the call, every ack goes out."""
    world.fake.fail("POST", f"/channels/{world.triage['id']}/messages", retry_after=3.0)
    async with running(world, store, clock):
        started = time.monotonic()
        posted = [
            await world.fake.post_as_user(world.support["id"], world.alice, f"problem {n}")
            for n in range(3)
        ]
        for message in posted:
            await world.wait_for_message(message["id"])
        assert time.monotonic() - started < 2.5  # the 429 holds #triage for 3 s
        assert world.sent_texts(world.triage["id"]) == []
