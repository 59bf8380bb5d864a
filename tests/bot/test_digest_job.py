"""The daily digest job: posted by the lease holder to each leads' channel, then recorded."""

from __future__ import annotations

import json

from bot.digest_job import DigestJob
from bot.leadership import Leadership
from handlers.desk import Desk
from handlers.settings import DeskSettings, DigestSettings
from storage.store import SqliteStore
from tests import builders
from tests.builders import ALICE, open_ticket, rows
from tests.clock import FakeClock

CONSOLE = {"console": "console:local"}


async def job(store: SqliteStore, clock: FakeClock, settings: DeskSettings,
              holder: str = "me") -> DigestJob:  # fmt: skip
    leadership = Leadership(store, clock, holder=holder)
    await leadership.renew()
    return DigestJob(store, clock, settings, leadership, lambda: CONSOLE)


async def test_digest_goes_to_the_leads_channel_and_is_recorded(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """The digest is queued for the leads' channel and the next period starts after it."""
    await open_ticket(desk, ALICE)
    clock.advance(hours=1)
    assert await (await job(store, clock, settings))()
    (payload,) = await rows(store, "SELECT payload FROM outbox WHERE kind = 'digest'")
    text = json.loads(str(payload[0]))["text"]
    assert text.startswith("Digest for Tue 24 Nov 11:00 UTC")
    assert "New 1" in text
    assert await rows(store, "SELECT channel FROM outbox WHERE kind = 'digest'") == [("leads",)]
    assert await rows(store, "SELECT count(*) FROM digests") == [(1,)]


async def test_nothing_to_say_is_skipped(store: SqliteStore, clock: FakeClock) -> None:
    """An empty desk posts no digest (digest.skip_when_empty)."""
    settings = builders.settings(digest=DigestSettings(skip_when_empty=True))
    assert not await (await job(store, clock, settings))()
    assert await rows(store, "SELECT count(*) FROM outbox") == [(0,)]


async def test_empty_digest_is_posted_when_configured(store: SqliteStore, clock: FakeClock) -> None:
    """With skip_when_empty off, leads hear that all is quiet."""
    settings = builders.settings(digest=DigestSettings(skip_when_empty=False))
    assert await (await job(store, clock, settings))()
    assert await rows(store, "SELECT count(*) FROM outbox WHERE kind = 'digest'") == [(1,)]


async def test_a_process_without_the_lease_posts_nothing(
    desk: Desk, store: SqliteStore, clock: FakeClock, settings: DeskSettings
) -> None:
    """Two processes on one database post one digest: the lease holder's."""
    await open_ticket(desk, ALICE)
    first = await job(store, clock, settings, holder="first")
    second = await job(store, clock, settings, holder="second")
    assert [await first(), await second()] == [True, False]
    assert await rows(store, "SELECT count(*) FROM outbox WHERE kind = 'digest'") == [(1,)]
