"""Catch-up of direct messages on Discord: a private ticket's DMs written while the bot was down."""

from __future__ import annotations

from storage.store import SqliteStore
from tests.bot.discord.conftest import World, running
from tests.clock import FakeClock

CUSTOMER_MESSAGES = "SELECT ticket_id, text FROM messages WHERE role = 'customer' ORDER BY id"


async def test_a_dm_written_while_down_joins_the_open_private_ticket(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """A follow-up DM written while the bot was stopped is read on start, into the ticket."""
    channel = world.fake.state.open_dm(world.alice)
    async with running(world, store, clock) as d:
        await world.fake.post_as_user(channel["id"], world.alice, "my invoice is wrong")
        await d.until(CUSTOMER_MESSAGES, bool)
    await world.fake.post_as_user(channel["id"], world.alice, "invoice number 4711")
    async with running(world, store, clock) as d:
        found = await d.until(CUSTOMER_MESSAGES, lambda rows: len(rows) == 2)
    assert found == [(1, "my invoice is wrong"), (1, "invoice number 4711")]
    async with running(world, store, clock) as d:
        assert await d.rows(CUSTOMER_MESSAGES) == found
    assert len(world.direct_texts(world.alice)) == 1


async def test_with_dms_off_no_dm_channel_is_read(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """Direct messages switched off after a private ticket: its DM channel is not read."""
    channel = world.fake.state.open_dm(world.alice)
    async with running(world, store, clock) as d:
        await world.fake.post_as_user(channel["id"], world.alice, "my invoice is wrong")
        await d.until(CUSTOMER_MESSAGES, bool)
    await world.fake.post_as_user(channel["id"], world.alice, "invoice number 4711")
    history = f"/channels/{channel['id']}/messages"
    reads = len(world.fake.calls_to("GET", history))
    async with running(world, store, clock, world.config(direct_messages=False)) as d:
        assert await d.rows(CUSTOMER_MESSAGES) == [(1, "my invoice is wrong")]
    assert world.fake.calls_to("GET", history)[reads:] == []
