"""The leads' digest reaches Discord's leads channel with its chart attached."""

from __future__ import annotations

from bot.desk_settings import desk_settings
from bot.digest_job import DigestJob
from bot.leadership import Leadership
from storage.store import SqliteStore
from tests.bot.discord.conftest import World, running
from tests.clock import FakeClock


async def test_digest_is_posted_with_its_chart_in_the_leads_channel(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """The digest's text with the chart PNG attached, pinging nobody."""
    config = world.config()
    async with running(world, store, clock, config) as bot:
        await world.open_ticket()
        clock.advance(hours=1)
        leadership = Leadership(store, clock)
        await leadership.renew()
        workspace = bot.adapter.leads_workspace()
        assert workspace is not None
        job = DigestJob(
            store, clock, desk_settings(config), leadership, lambda: {"discord": workspace}
        )
        assert await job()
        bot.outbox.wake()
        [text] = await world.wait_for_message(world.leads["id"])
    [sent] = world.fake.sent_messages(world.leads["id"])
    assert "New 1" in text
    assert [file.filename for file in sent.files] == ["deskbot-digest-2026-11-24.png"]
    assert sent.files[0].data.startswith(b"\x89PNG")
    assert sent.allowed_mentions == {"parse": []}
