"""The composition root: open storage, start the outbox, run the platforms; stop in reverse."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from typing import TextIO

from bot.adapters.console import ConsoleAdapter, stdin_lines
from bot.adapters.discord import DiscordAdapter
from bot.clock import SystemClock
from bot.config import Config
from bot.desk_settings import desk_settings
from bot.outbox import OutboxWorker
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
    async with await SqliteStore.open(config.storage.path) as store:
        outbox = OutboxWorker(store, clock)
        desk = Desk(store, clock, desk_settings(config), on_notices=outbox.wake)
        outbox_task = asyncio.create_task(outbox.run(), name="outbox")
        try:
            await _serve(config, desk, outbox, lines, out, store=store)
        finally:
            try:
                async with asyncio.timeout(DRAIN_TIMEOUT):
                    await outbox.drain()
            except TimeoutError:
                log.warning("Stopping with notices still queued; they go out on the next start")
            outbox_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await outbox_task


async def _serve(
    config: Config,
    desk: Desk,
    outbox: OutboxWorker,
    lines: AsyncIterator[str] | None,
    out: TextIO,
    *,
    store: SqliteStore,
) -> None:
    stop = asyncio.Event()
    platforms: list[asyncio.Task[None]] = []
    if config.console_enabled:
        console = ConsoleAdapter(desk, out, settle=outbox.drain)
        outbox.add_sender(console)
        platforms.append(asyncio.create_task(console.run(lines or stdin_lines()), name="console"))
    if config.discord.enabled:
        discord_bot = DiscordAdapter(config.discord, desk, ChannelCursors(store), desk.clock)
        outbox.add_sender(discord_bot)
        platforms.append(asyncio.create_task(discord_bot.run(), name="discord"))
    stopper = asyncio.create_task(stop.wait(), name="stop")
    try:
        with _stop_on_signals(stop):
            await asyncio.wait([*platforms, stopper], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in [*platforms, stopper]:
            task.cancel()
        await asyncio.gather(*platforms, stopper, return_exceptions=True)
    for task in platforms:
        if task.done() and not task.cancelled() and (error := task.exception()) is not None:
            raise error


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
