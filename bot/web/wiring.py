"""How the composition root plugs the web view in: the meters, the desk, the server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.config import Config
from bot.platform import Platform
from bot.scheduler import Scheduler
from bot.web.health import OK, Readiness
from bot.web.meters import MeteredDesk, Meters
from bot.web.parts import WebParts, WebStore
from bot.web.server import WebView
from handlers.desk import Desk
from handlers.ports import Clock
from handlers.settings import DeskSettings


def meters(config: Config) -> Meters | None:
    """The Prometheus instruments, when `web.metrics` is on."""
    return Meters() if config.web.on and config.web.metrics else None


def timed(found: Meters | None) -> Callable[[float], None]:
    """Where the scheduler reports each sweep's duration."""
    return found.swept if found is not None else _untimed


def _untimed(seconds: float) -> None:
    """Let a sweep's duration go unrecorded: /metrics is off."""


def desk(
    found: Meters | None,
    store: WebStore,
    clock: Clock,
    settings: DeskSettings,
    on_notices: Callable[[], None],
    on_scheduled: Callable[[datetime], None],
) -> Desk:
    """The desk, counting the events it receives when /metrics is on."""
    if found is None:
        return Desk(store, clock, settings, on_notices, on_scheduled)
    return MeteredDesk(found, store, clock, settings, on_notices, on_scheduled)


async def platform_finding(platform: Platform, task: asyncio.Task[None]) -> str:
    """What `/readyz` says of a platform: serving and connected, or what is wrong."""
    if task.done():
        return "stopped (it is no longer running)"
    if not await platform.connected():
        return "not connected"
    return OK


async def start(
    running: contextlib.AsyncExitStack,
    config: Config,
    parts: tuple[WebStore, Clock, DeskSettings, Scheduler, Meters | None],
    platforms: Sequence[Platform],
    serving: Sequence[asyncio.Task[None]],
) -> None:
    """Start the web server when `web` is on; it stops first, before what it reports on."""
    if not config.web.on:
        return
    store, clock, settings, scheduler, found = parts

    async def still_serving() -> dict[str, str]:
        return {
            platform.name: await platform_finding(platform, task)
            for platform, task in zip(platforms, serving, strict=True)
        }

    ready = config.web.ready
    readiness = Readiness(
        store, store, clock, scheduler, still_serving, ready.sweep_within, ready.notices_within
    )
    view = WebView(config.web, WebParts(store, clock, settings, readiness, found))
    await view.start()
    running.push_async_callback(view.stop)
