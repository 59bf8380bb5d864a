"""A web server on a free loopback port, over the test's store and a hand-turned clock.

The test modules that read through the store's ports are marked `both_stores`: each runs
over a real SQLite file and over a PostgreSQL database of the throwaway cluster.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import aiohttp
import psycopg
import pytest

from bot.config import Config, WebConfig
from bot.desk_settings import desk_settings
from bot.leadership import Leadership
from bot.scheduler import Scheduler
from bot.web.health import Readiness
from bot.web.meters import Meters
from bot.web.parts import WebParts
from bot.web.server import WebView
from handlers.desk import Desk
from handlers.settings import DeskSettings
from storage.postgres.store import PostgresStore
from storage.store import SqliteStore
from tests.clock import FakeClock

SECRET = "a-test-secret-of-some-length"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def web_config(**web: object) -> Config:
    """A console desk (bob an agent, carol a lead) with the web view on a free port."""
    values: dict[str, object] = {"port": free_port(), "secret": SECRET, **web}
    return Config.model_validate(
        {
            "web": values,
            "roles": {"agents": {"console_users": ["bob"]}, "leads": {"console_users": ["carol"]}},
            "sla": {
                "policies": {
                    "high": {"first_response": "1h", "resolution": "1d"},
                    "normal": {"first_response": "4h", "resolution": "3d"},
                }
            },
        }
    )


@dataclass
class Site:
    """A running web view and what it reports on."""

    config: WebConfig
    store: SqliteStore | PostgresStore
    clock: FakeClock
    settings: DeskSettings
    desk: Desk
    scheduler: Scheduler
    serving: dict[str, str] = field(default_factory=lambda: {"console": "ok"})

    async def platforms(self) -> dict[str, str]:
        return self.serving

    meters: Meters | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.config.listen_port}"


@pytest.fixture
def make_site(
    store: SqliteStore | PostgresStore, clock: FakeClock
) -> Callable[..., contextlib.AbstractAsyncContextManager[Site]]:
    @contextlib.asynccontextmanager
    async def start(locale: str = "en", **web: object) -> AsyncIterator[Site]:
        config = web_config(**web).model_copy(update={"locale": locale})
        settings = desk_settings(config)
        meters = Meters() if config.web.metrics else None
        leadership = Leadership(store, clock)
        await leadership.renew()
        swept = asyncio.Event()
        scheduler = Scheduler(store, clock, settings, leadership, on_timed=lambda _: swept.set())
        desk = Desk(store, clock, settings)
        site = Site(config.web, store, clock, settings, desk, scheduler, meters=meters)
        ready = config.web.ready
        readiness = Readiness(
            store,
            store,
            clock,
            scheduler,
            lambda: site.platforms(),
            ready.sweep_within,
            ready.notices_within,
        )
        view = WebView(config.web, WebParts(store, clock, settings, readiness, meters))
        scheduler.start()
        await swept.wait()  # the sweep `start` runs at once has ended
        await view.start()
        try:
            yield site
        finally:
            await view.stop()
            await scheduler.shutdown()

    return start


@pytest.fixture
async def site(
    make_site: Callable[..., contextlib.AbstractAsyncContextManager[Site]],
) -> AsyncIterator[Site]:
    async with make_site() as started:
        yield started


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    # Cookies of every host, as a browser on this machine keeps them for 127.0.0.1.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def execute(store: SqliteStore | PostgresStore, statement: str) -> None:
    """Run one statement straight on the store's database and commit it (to break it).

    On PostgreSQL it runs on a connection of its own, outside the store's pool.
    """
    if isinstance(store, PostgresStore):
        await asyncio.to_thread(_execute_on_postgres, store.database.url, statement)
    else:
        await store.database.run(lambda raw: raw.execute(statement))


def _execute_on_postgres(url: str, statement: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement.encode())


# Every write the database refuses, by making every session read-only: SQLite's writer
# connection, or each PostgreSQL connection (the pool's are closed so they open again so).
READ_ONLY = {
    "sqlite": "PRAGMA query_only = ON",
    "postgres": """
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I SET default_transaction_read_only = on', current_database());
    PERFORM pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid();
END $$
""",
}
