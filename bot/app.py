"""The composition root: open storage, start the outbox, run the platforms; stop in reverse."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, TextIO

from bot.adapters.console import ConsoleAdapter, stdin_lines
from bot.adapters.discord import DiscordAdapter
from bot.adapters.slack.adapter import SlackAdapter
from bot.clock import SystemClock
from bot.config import Config
from bot.desk_settings import desk_settings
from bot.leadership import Leadership
from bot.outbox import OutboxWorker
from bot.scheduler import Scheduler
from handlers.desk import Desk
from handlers.ports import Clock
from storage.cursors import ChannelCursors
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
    async with await SqliteStore.open(config.storage.path) as store:
        leadership = Leadership(store, clock)
        await leadership.renew()
        outbox = OutboxWorker(store, clock, leadership=leadership)
        scheduler = Scheduler(store, clock, settings, leadership, on_swept=outbox.wake)
        desk = Desk(store, clock, settings, on_notices=outbox.wake, on_scheduled=scheduler.arm)
        platforms = _start_platforms(config, desk, outbox, store, lines, out)
        outbox_task = asyncio.create_task(outbox.run(), name="outbox")
        scheduler.start()
        try:
            await _until_stopped(platforms)
        finally:
            scheduler.shutdown()
            # Drain while the platforms are still connected, then stop them.
            await _drain(outbox)
            await _cancel(platforms)
            await _cancel([outbox_task])
            await leadership.release()
        for task in platforms:
            if not task.cancelled() and (error := task.exception()) is not None:
                raise error


def _start_platforms(
    config: Config,
    desk: Desk,
    outbox: OutboxWorker,
    store: SqliteStore,
    lines: AsyncIterator[str] | None,
    out: TextIO,
) -> list[asyncio.Task[None]]:
    """Register each enabled platform's sender with the outbox and start it."""
    platforms = []
    if config.console_enabled:
        console = ConsoleAdapter(desk, out, settle=outbox.drain)
        outbox.add_sender(console)
        platforms.append(asyncio.create_task(console.run(lines or stdin_lines()), name="console"))
    if config.slack.enabled:
        slack = SlackAdapter(config, desk, desk.clock)
        outbox.add_sender(slack.sender)
        platforms.append(asyncio.create_task(slack.run(), name="slack"))
    if config.discord.enabled:
        discord_bot = DiscordAdapter(config.discord, desk, ChannelCursors(store), desk.clock)
        outbox.add_sender(discord_bot)
        platforms.append(asyncio.create_task(discord_bot.run(), name="discord"))
    return platforms


async def _until_stopped(platforms: list[asyncio.Task[None]]) -> None:
    """Wait until a platform ends (the console's input ran out, or one failed) or a signal."""
    stop = asyncio.Event()
    stopper = asyncio.create_task(stop.wait(), name="stop")
    try:
        with _stop_on_signals(stop):
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
