"""The composition root: open storage, start the outbox, run the platforms; stop in reverse."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, TextIO

from apscheduler.triggers.cron import CronTrigger

from bot.clock import SystemClock
from bot.config import Config
from bot.desk_settings import desk_settings
from bot.digest_job import DigestJob
from bot.leadership import Leadership
from bot.outbox import OutboxWorker
from bot.platform import Platform, Services
from bot.platforms import PLATFORMS
from bot.retention import RETENTION, RetentionJob
from bot.scheduler import DIGEST, Scheduler
from bot.web import wiring as web
from bot.web.meters import Meters
from handlers.desk import Desk
from handlers.ports import Clock, Cursors
from handlers.settings import DeskSettings
from storage.cursors import ChannelCursors
from storage.postgres.cursors import PostgresCursors
from storage.postgres.database import safe_url
from storage.postgres.store import PostgresStore
from storage.store import SqliteStore

log = logging.getLogger(__name__)

DRAIN_TIMEOUT = 10.0


async def run(
    config: Config,
    *,
    lines: AsyncIterator[str] | None = None,
    out: TextIO = sys.stdout,
    clock: Clock | None = None,
) -> None:
    """Run the bot until the console's input ends or the process is asked to stop."""
    clock = clock or SystemClock()
    settings = desk_settings(config)
    async with await open_store(config) as store:  # opens and migrates
        leadership = _leadership(store, clock, config)
        outbox = OutboxWorker(store, clock, leadership=leadership)
        if isinstance(store, PostgresStore):
            # Another instance queued a notice: the holder hears it at once, not at its poll.
            store.on_outside_change(outbox.wake)
        meters = web.meters(config)
        scheduler = Scheduler(
            store, clock, settings, leadership, on_swept=outbox.wake, on_timed=web.timed(meters)
        )
        desk = web.desk(meters, store, clock, settings, outbox.wake, scheduler.arm)
        platforms = _platforms(config, desk, outbox, store, lines, out, meters)
        daily = _daily_digest(store, clock, settings, leadership, outbox, platforms)
        # Each step registers its own undoing, so shutdown runs in reverse: drain the
        # outbox while the platforms are connected and the lease renewed, stop the
        # scheduler, then the outbox, the platforms, and last the lease.
        stop = asyncio.Event()
        # Signals are caught before the lease is taken: a SIGTERM at any later moment stops
        # gracefully and releases the lease, rather than killing the process holding it.
        with _stop_on_signals(stop):
            async with contextlib.AsyncExitStack() as running:
                await _hold_lease(running, leadership)
                delivering = _start_outbox(outbox)
                serving = _start_platforms(running, platforms)
                # Stop delivering before the platforms close their connections: a send cut
                # off by a closed connection would count as a failure and wait out a backoff.
                running.push_async_callback(_cancel, [delivering])
                _start_scheduler(running, scheduler, daily, config)
                parts = (store, clock, settings, scheduler, meters)
                await web.start(running, config, parts, platforms, serving)
                running.push_async_callback(_drain, outbox)
                # First on the way out: the similar tickets still being found, whose card
                # edits the drain then sends.
                running.push_async_callback(desk.settled)
                await _until_stopped(serving, stop)
        _raise_first_failure(serving)


async def open_store(config: Config) -> SqliteStore | PostgresStore:
    """Open (and migrate) the store the config names: PostgreSQL by URL, else the file."""
    if config.storage.url is not None:
        return await PostgresStore.open(config.storage.url)
    return await SqliteStore.open(config.storage.path)


def storage_name(config: Config) -> str:
    """Which store the config names, in words for an operator (no password)."""
    if config.storage.url is not None:
        return f"{safe_url(config.storage.url)} (PostgreSQL)"
    return str(config.storage.path)


def _leadership(store: SqliteStore | PostgresStore, clock: Clock, config: Config) -> Leadership:
    """The lease, renewed at 30% of the takeover time so that two renewals can fail."""
    ttl = config.storage.takeover.total_seconds()
    return Leadership(store, clock, ttl=ttl, renew_every=ttl * 0.3)


def _cursors(store: SqliteStore | PostgresStore) -> Cursors:
    if isinstance(store, PostgresStore):
        return PostgresCursors(store)
    return ChannelCursors(store)


async def _hold_lease(running: contextlib.AsyncExitStack, leadership: Leadership) -> None:
    """Take the lease before anything can send; release it last."""
    await leadership.renew()
    running.push_async_callback(leadership.release)


def _start_outbox(outbox: OutboxWorker) -> asyncio.Task[None]:
    """Start delivering; the caller stops it, before the platforms close their connections."""
    return asyncio.create_task(outbox.run(), name="outbox")


def _start_platforms(
    running: contextlib.AsyncExitStack, platforms: list[Platform]
) -> list[asyncio.Task[None]]:
    tasks = [asyncio.create_task(_serve(platform), name=platform.name) for platform in platforms]
    running.push_async_callback(_cancel, tasks)
    return tasks


def _start_scheduler(
    running: contextlib.AsyncExitStack, scheduler: Scheduler, daily: DigestJob, config: Config
) -> None:
    """Start the timers and the daily digest; on the way out, let running jobs finish."""
    scheduler.start()
    running.push_async_callback(scheduler.shutdown)
    cron = CronTrigger.from_crontab(config.digest.cron, timezone=config.digest.timezone)
    scheduler.add_cron(DIGEST, daily, cron)
    keep = config.retention
    retention = RetentionJob(
        scheduler.store,
        scheduler.clock,
        scheduler.leadership,
        keep.inbound_keys,
        keep.messages,
        keep.audit_data,
    )
    scheduler.add_cron(RETENTION, retention, retention_trigger(config))


def retention_trigger(config: Config) -> CronTrigger:
    """Every day at 03:30 in the desk's timezone, when the desk is quietest."""
    return CronTrigger(hour=3, minute=30, timezone=config.timezone)


def _daily_digest(
    store: SqliteStore | PostgresStore,
    clock: Clock,
    settings: DeskSettings,
    leadership: Leadership,
    outbox: OutboxWorker,
    platforms: list[Platform],
) -> DigestJob:
    """The digest job, posting for each workspace a platform leads."""
    leads = functools.partial(_leads_workspaces, platforms)
    return DigestJob(store, clock, settings, leadership, leads, on_posted=outbox.wake)


def _raise_first_failure(tasks: list[asyncio.Task[None]]) -> None:
    """Re-raise the error a platform stopped with, now that everything is shut down."""
    for task in tasks:
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error


def _platforms(
    config: Config,
    desk: Desk,
    outbox: OutboxWorker,
    store: SqliteStore | PostgresStore,
    lines: AsyncIterator[str] | None,
    out: TextIO,
    meters: Meters | None = None,
) -> list[Platform]:
    """Build each platform the config enables, and register its sender with the outbox."""
    services = Services(_cursors(store), outbox.drain, lines, out)
    found = (kind.from_config(config, desk, services) for kind in PLATFORMS)
    platforms = [platform for platform in found if platform is not None]
    for platform in platforms:
        outbox.add_sender(meters.sender(platform.sender) if meters else platform.sender)
    return platforms


async def _serve(platform: Platform) -> None:
    await platform.run()


def _leads_workspaces(platforms: list[Platform]) -> dict[str, str]:
    found = {platform.name: platform.leads_workspace() for platform in platforms}
    return {name: workspace for name, workspace in found.items() if workspace is not None}


async def _until_stopped(platforms: list[asyncio.Task[None]], stop: asyncio.Event) -> None:
    """Wait until a platform ends (the console's input ran out, or one failed) or a signal."""
    stopper = asyncio.create_task(stop.wait(), name="stop")
    try:
        await asyncio.wait([*platforms, stopper], return_when=asyncio.FIRST_COMPLETED)
    finally:
        await _cancel([stopper])


async def _drain(outbox: OutboxWorker) -> None:
    try:
        async with asyncio.timeout(DRAIN_TIMEOUT):
            await outbox.drain()
    except TimeoutError:
        log.warning("Stopping with notices still queued; they go out on the next start")


async def _cancel(tasks: Sequence[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """Turn SIGINT and SIGTERM into a graceful stop (drain the outbox, close storage)."""
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
