"""Retention of inbound dedupe keys: pruned daily by the lease holder, or on demand."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import retention_trigger
from bot.cli import main
from bot.config import ConfigError, parse_config
from bot.retention import RetentionJob, prune_inbound_keys
from handlers.ports import Store
from storage.store import SqliteStore
from tests.bot.instances import two_instances
from tests.builders import rows
from tests.clock import FakeClock
from tests.conftest import OpenStore

KEEP = timedelta(days=30)


async def remember(store: Store, clock: FakeClock, key: str, days_ago: float) -> None:
    at = clock.now() - timedelta(days=days_ago)
    await store.transact(lambda tx: tx.remember(key, at))


@pytest.mark.both_stores
async def test_only_the_lease_holder_prunes_old_keys_and_a_redelivery_is_still_caught(
    open_store: OpenStore, clock: FakeClock
) -> None:
    """The daily job on two instances forgets old keys once; a recent key still dedupes."""
    async with two_instances(open_store, clock) as (one_store, one, other_store, other):
        await one.renew()
        await other.renew()
        for key, days_ago in (("slack:old", 31), ("slack:older", 90), ("slack:new", 29)):
            await remember(one_store, clock, key, days_ago)
        jobs = [
            RetentionJob(one_store, clock, one, KEEP),
            RetentionJob(other_store, clock, other, KEEP),
        ]
        assert await asyncio.gather(*(job() for job in jobs)) == [2, None]
        redelivered = await other_store.transact(lambda tx: tx.remember("slack:new", clock.now()))
        returned = await other_store.transact(lambda tx: tx.remember("slack:old", clock.now()))
    assert (redelivered, returned) == (False, True)


async def test_pruning_goes_in_bounded_batches_until_none_is_left(
    store: SqliteStore, clock: FakeClock
) -> None:
    """Seven old keys in batches of three are all forgotten, in three transactions."""
    for n in range(7):
        await remember(store, clock, f"slack:{n}", 40 + n)
    deletes: list[str] = []
    await store.database.run(lambda raw: raw.set_trace_callback(deletes.append))
    assert await prune_inbound_keys(store, clock.now() - KEEP, batch=3) == 7
    await store.database.run(lambda raw: raw.set_trace_callback(None))
    assert len([sql for sql in deletes if sql.startswith("DELETE FROM inbound_keys")]) == 3


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text("storage: {path: desk.db}\nretention: {inbound_keys: 30d}\n")
    return config


async def test_deskbot_retention_says_what_it_would_forget_and_apply_forgets_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --apply nothing is removed; with it, the old keys go and the count is printed."""
    config = write_config(tmp_path)
    clock = FakeClock(datetime.now(UTC))  # the command reads the system's clock
    async with await SqliteStore.open(tmp_path / "desk.db") as store:
        await remember(store, clock, "slack:old", 40)
        await remember(store, clock, "slack:new", 1)
    args = ["retention", "--config", str(config)]
    assert await asyncio.to_thread(main, args) == 0
    assert "Would forget 1 inbound dedupe key first seen before" in capsys.readouterr().out
    assert await asyncio.to_thread(main, [*args, "--apply"]) == 0
    assert "Forgot 1 inbound dedupe key first seen before" in capsys.readouterr().out
    async with await SqliteStore.open(tmp_path / "desk.db") as store:
        assert await rows(store, "SELECT key FROM inbound_keys") == [("slack:new",)]


def test_a_retention_shorter_than_a_day_is_refused() -> None:
    """Keys kept for less than the platforms' redeliveries could let a message in twice."""
    with pytest.raises(ConfigError, match=r"retention\.inbound_keys: must be at least 1d"):
        parse_config("retention: {inbound_keys: 1h}\n", {})


def test_retention_runs_daily_at_half_past_three_in_the_desks_timezone() -> None:
    """The scheduler's retention job fires once a day, at 03:30 where the desk is."""
    config = parse_config("timezone: Europe/Berlin\n", {})
    trigger = retention_trigger(config)
    first = trigger.get_next_fire_time(None, datetime(2026, 3, 1, 12, tzinfo=UTC))
    assert first == datetime(2026, 3, 2, 2, 30, tzinfo=UTC)
    assert trigger.get_next_fire_time(first, first + timedelta(seconds=1)) == first + timedelta(
        days=1
    )
