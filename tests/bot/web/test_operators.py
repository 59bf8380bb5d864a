"""`/healthz`, `/readyz` and `/metrics`: what operators point their monitoring at."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bot import app
from bot.adapters.console import ConsolePlatform
from bot.config import Config
from bot.leadership import LEASE
from bot.platform import Services
from bot.web import wiring
from handlers.desk import Desk
from handlers.models import Notice, NoticeKind, Place
from storage.cursors import ChannelCursors
from tests.bot.web.conftest import READ_ONLY, Site, execute, free_port, web_config
from tests.bot.web.signing import open_link
from tests.builders import ALICE, post

# These read the store through its ports: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

MakeSite = Callable[..., contextlib.AbstractAsyncContextManager[Site]]


async def readyz(http: aiohttp.ClientSession, site: Site) -> tuple[int, dict[str, object]]:
    async with http.get(f"{site.url}/readyz") as answer:
        return answer.status, await answer.json()


async def test_healthz_says_the_process_answers(site: Site, http: aiohttp.ClientSession) -> None:
    """/healthz answers 200 with a small JSON body."""
    async with http.get(f"{site.url}/healthz") as answer:
        assert answer.status == 200
        assert await answer.json() == {"status": "ok"}


async def test_readyz_passes_when_every_check_does(site: Site, http: aiohttp.ClientSession) -> None:
    """Database, platforms, scheduler and notices all fine: 200, nothing failed."""
    status, body = await readyz(http, site)
    assert status == 200
    assert body["failed"] == []
    assert body["checks"] == {
        "database": "ok",
        "platform:console": "ok",
        "scheduler": "ok",
        "notices": "ok",
    }


async def test_readyz_fails_when_the_scheduler_is_stopped(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """A stopped scheduler fails readiness, by name, with 503."""
    await site.scheduler.shutdown()
    status, body = await readyz(http, site)
    assert status == 503
    assert body["failed"] == ["scheduler"]
    assert body["checks"]["scheduler"] == "not running"  # type: ignore[index]


async def test_readyz_fails_when_the_last_sweep_is_old(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """A scheduler that stopped sweeping (a stuck job) fails readiness though it 'runs'."""
    site.clock.advance(minutes=6)
    status, body = await readyz(http, site)
    assert status == 503
    assert body["failed"] == ["scheduler"]
    assert body["checks"]["scheduler"] == "last sweep ended 6m ago"  # type: ignore[index]


async def test_readyz_fails_when_a_platform_is_down(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """A platform that stopped or lost its connection fails readiness under its own name."""
    site.serving["console"] = "not connected"
    status, body = await readyz(http, site)
    assert status == 503
    assert body["failed"] == ["platform:console"]
    assert body["checks"]["platform:console"] == "not connected"  # type: ignore[index]


async def test_a_platform_whose_task_ended_is_stopped(desk: Desk) -> None:
    """Once a platform's run ends (the console's input ran out), /readyz calls it stopped."""

    async def no_lines() -> AsyncIterator[str]:
        return
        yield

    async def settled() -> None:
        """Nothing is queued: the console waits for no notice."""

    cursors = ChannelCursors(desk.store)  # type: ignore[arg-type]
    services = Services(cursors, settled, no_lines(), io.StringIO())
    platform = ConsolePlatform.from_config(Config(), desk, services)
    assert platform is not None
    task = asyncio.create_task(platform.run())
    assert await wiring.platform_finding(platform, task) == "ok"
    await task
    assert await wiring.platform_finding(platform, task) == "stopped (it is no longer running)"


async def test_readyz_fails_when_a_notice_waits_too_long(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """A notice pending for longer than the threshold fails readiness; a fresh one does not."""
    notice = Notice(NoticeKind.THREAD, Place("console:local", "support"), "hello")
    await site.store.transact(lambda tx: tx.enqueue(notice, site.clock.now()))
    assert (await readyz(http, site))[0] == 200
    site.clock.advance(minutes=16)
    await site.scheduler.sweep()  # the scheduler is fine: only the notice is late
    status, body = await readyz(http, site)
    assert status == 503
    assert body["failed"] == ["notices"]
    assert body["checks"]["notices"] == "the oldest pending notice was queued 16m ago"  # type: ignore[index]


async def test_readyz_fails_when_the_database_takes_no_write(
    site: Site, http: aiohttp.ClientSession, store_kind: str
) -> None:
    """A database that refuses writes fails readiness (and the answer is still JSON)."""
    await execute(site.store, READ_ONLY[store_kind])
    status, body = await readyz(http, site)
    assert status == 503
    assert "database" in body["failed"]  # type: ignore[operator]
    refusal = {"sqlite": "OperationalError", "postgres": "ReadOnlySqlTransaction"}[store_kind]
    assert body["checks"]["database"] == f"a write failed: {refusal}"  # type: ignore[index]


async def test_metrics_are_off_unless_asked_for(site: Site, http: aiohttp.ClientSession) -> None:
    """Without `web.metrics: true` there is no /metrics."""
    async with http.get(f"{site.url}/metrics") as answer:
        assert answer.status == 404


async def test_metrics_count_tickets_without_personal_data(
    make_site: MakeSite, http: aiohttp.ClientSession
) -> None:
    """/metrics shows tickets, the outbox and breaches, and no name or ticket text."""
    async with make_site(metrics=True) as site:
        await post(site.desk, ALICE, "my secret printer problem")
        async with http.get(f"{site.url}/metrics") as answer:
            assert answer.status == 200
            assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            text = await answer.text()
    assert "deskbot_tickets_opened_total 1.0" in text
    assert 'deskbot_open_tickets{priority="normal",status="open"} 1.0' in text
    assert 'deskbot_outbox_notices{state="pending"} 2.0' in text
    assert "deskbot_sweep_seconds_count" in text
    assert "alice" not in text and "printer" not in text


async def test_metrics_can_have_a_port_of_their_own(
    make_site: MakeSite, http: aiohttp.ClientSession
) -> None:
    """With `web.metrics_port`, /metrics is served there and not beside the pages."""
    port = free_port()
    async with make_site(metrics=True, metrics_port=port) as site:
        async with http.get(f"http://127.0.0.1:{port}/metrics") as answer:
            assert answer.status == 200
        async with http.get(f"{site.url}/metrics") as answer:
            assert answer.status == 404


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(40)) + b"\r\n\r\n",
        b"GET /healthz HTTP/9.9\r\n\r\n",
        b"GET /\x00\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST /readyz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"\r\n\r\nhello there\r\n\r\n",
    ],
    ids=["tls-hello", "bad-version", "control-bytes", "negative-length", "bad-chunk", "words"],
)
async def test_garbage_on_the_port_gets_a_4xx_and_no_traceback(site: Site, garbage: bytes) -> None:
    """Whatever arrives on the port, the answer is a 4xx without a trace of our code."""
    reader, writer = await asyncio.open_connection("127.0.0.1", site.config.listen_port)
    writer.write(garbage)
    await writer.drain()
    answer = await reader.read(65536)
    writer.close()
    await writer.wait_closed()
    status_line = answer.split(b"\r\n", 1)[0]
    assert re.fullmatch(rb"HTTP/1\.[01] 4\d\d .*", status_line), answer[:200]
    assert b"Traceback" not in answer and b".py" not in answer


@pytest.mark.parametrize("path", ["/%ff%fe", "/w/", "/..%2f..%2fetc%2fpasswd", "/healthz/x"])
async def test_odd_paths_get_a_4xx(site: Site, http: aiohttp.ClientSession, path: str) -> None:
    """Odd paths are refused with a 4xx, and carry the security headers all the same."""
    async with http.get(f"{site.url}{path}") as answer:
        assert 400 <= answer.status < 500
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


async def test_an_overlong_path_gets_a_4xx(site: Site, http: aiohttp.ClientSession) -> None:
    """A request line longer than aiohttp reads is refused before any handler runs."""
    async with http.get(f"{site.url}/{'a' * 9000}") as answer:
        assert 400 <= answer.status < 500


async def lines_then_wait(served: asyncio.Event) -> AsyncIterator[str]:
    yield "alice: my printer is on fire"
    yield "carol: /ticket web"
    await served.wait()


async def test_deskbot_run_serves_the_web_view_beside_the_console(tmp_path: Path) -> None:
    """`deskbot run` on the console serves the web view: ready, and `/ticket web` signs in."""
    config = web_config()
    config = config.model_copy(
        update={"storage": config.storage.model_copy(update={"path": tmp_path / "desk.db"})}
    )
    url = f"http://127.0.0.1:{config.web.listen_port}"
    served, out = asyncio.Event(), io.StringIO()
    running = asyncio.create_task(app.run(config, lines=lines_then_wait(served), out=out))
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        body: dict[str, object] = {}
        for _ in range(200):
            with contextlib.suppress(aiohttp.ClientConnectionError):
                async with http.get(f"{url}/readyz") as answer:
                    body = await answer.json()
                    if answer.status == 200 and "/sign-in/" in out.getvalue():
                        break
            await asyncio.sleep(0.05)
        assert body["ready"] is True
        assert body["checks"]["platform:console"] == "ok"  # type: ignore[index]
        link = re.search(r"http://\S+/sign-in/\S+", out.getvalue())
        assert link is not None, out.getvalue()
        assert "my printer is on fire" in await open_link(http, link.group(0))
        served.set()
        await asyncio.wait_for(running, 10)
        with pytest.raises(aiohttp.ClientConnectionError):
            await http.get(f"{url}/healthz")


async def test_readyz_says_which_instance_leads(site: Site, http: aiohttp.ClientSession) -> None:
    """The answering instance, whether it leads, and the leader's name."""
    _, body = await readyz(http, site)
    holder = site.scheduler.leadership.holder
    assert (body["instance"], body["leads"], body["leader"]) == (holder, True, holder)


async def test_a_standby_instance_is_ready_and_names_the_leader(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """An instance waiting for the lease sweeps nothing, by design: still ready, behind the
    balancer, naming who leads."""
    leadership = site.scheduler.leadership
    await leadership.release()
    now = site.clock.now()
    await site.store.transact(
        lambda tx: tx.take_lease(LEASE, "other-host:7", now, now + timedelta(hours=1))
    )
    assert not await leadership.renew()
    site.clock.advance(minutes=6)  # long past the last sweep this instance made
    status, body = await readyz(http, site)
    assert (status, body["failed"]) == (200, [])
    assert (body["leads"], body["leader"]) == (False, "other-host:7")
