"""An incident in the web view: its page for staff, and how tickets and the queue point to it."""

from __future__ import annotations

import aiohttp
import pytest
from markupsafe import escape

from handlers.models import NoticeKind
from tests.bot.web.conftest import Site
from tests.bot.web.signing import sign_in
from tests.builders import ALICE, BOB, CAROL, DAVE, open_ticket, run

# These read the store through its ports: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

BASE = "/w/console:local/"
XSS = '<script>alert(1)</script> <img src=x onerror="alert(2)">'
REFUSED = f"Platform said no: {XSS}"


async def get(http: aiohttp.ClientSession, site: Site, path: str) -> tuple[int, str]:
    async with http.get(f"{site.url}{BASE}{path}") as answer:
        return answer.status, await answer.text()


async def an_incident(site: Site) -> tuple[int, int, int]:
    """INC-1 (its title carries markup) holding alice's and dave's tickets, with one update:
    dave's copy of it failed, alice's was delivered; a third ticket stays out of it."""
    first = await open_ticket(site.desk, ALICE, "checkout returns 500")
    second = await open_ticket(site.desk, DAVE, "checkout broken")
    other = await open_ticket(site.desk, ALICE, "printer on fire")
    await run(site.desk, BOB, f"incident declare Checkout {XSS}")
    await run(site.desk, BOB, f"incident link INC-1 {first} {second}")
    await run(site.desk, BOB, "incident update INC-1 Rolling back the deploy")
    await deliver(site, failing=second)
    return first, second, other


async def deliver(site: Site, failing: int) -> None:
    """Play the outbox's part: every due notice sent, but the update to `failing` refused."""
    store, now = site.store, site.clock.now()
    while due := await store.transact(lambda tx: tx.due_notices(now, 100)):
        for queued in due:
            notice = queued.notice
            if notice.kind is NoticeKind.REPLY and notice.ticket_id == failing:
                await store.transact(lambda tx, q=queued: tx.mark_failed(q, REFUSED, now))  # type: ignore[misc]
            else:
                await store.transact(lambda tx, q=queued: tx.mark_sent(q, f"m{q.id}", now))  # type: ignore[misc]


async def test_staff_see_the_incident_its_timeline_deliveries_failures_and_tickets(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """bob's page of INC-1: facts, the update delivered to 1 and failed for 1, and why."""
    first, second, other = await an_incident(site)
    await sign_in(http, site.desk, BOB)
    status, page = await get(http, site, "incidents/1")
    assert status == 200
    assert f"Checkout {escape(XSS)}" in page
    assert XSS not in page
    assert "investigating" in page and "Owner bob" in page
    assert "update by bob to 2 tickets: Rolling back the deploy" in page
    assert '<span class="delivered">1 delivered</span>' in page
    assert '<span class="queued">0 queued</span>' in page
    assert "1 failed</span>" in page
    assert f'<a href="{BASE}tickets/{second}">#{second}</a>' in page
    assert escape(REFUSED) in page
    assert f'href="{BASE}tickets/{first}"' in page and f'href="{BASE}tickets/{other}"' not in page


async def test_a_linked_tickets_page_links_to_its_incident_for_staff(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """carol, a lead, sees "Part of INC-1" on the ticket's page, a link to the incident."""
    first, _, other = await an_incident(site)
    await sign_in(http, site.desk, CAROL)
    _, page = await get(http, site, f"tickets/{first}")
    assert f'<a href="{BASE}incidents/1">Part of INC-1: Checkout {escape(XSS)}</a>' in page
    _, unlinked = await get(http, site, f"tickets/{other}")
    assert "incidents/1" not in unlinked


async def test_a_ticket_still_names_its_incident_once_resolved(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """After INC-1 is resolved its tickets' pages say they were part of it (to a customer, a
    known problem now resolved); a ticket unlinked before then names none."""
    first, second, _ = await an_incident(site)
    await run(site.desk, BOB, f"incident unlink INC-1 {second}")
    await run(site.desk, BOB, "incident resolve INC-1 Rolled back")
    await sign_in(http, site.desk, CAROL)
    _, page = await get(http, site, f"tickets/{first}")
    assert (
        f'<a href="{BASE}incidents/1">Was part of INC-1: Checkout {escape(XSS)} (resolved)</a>'
        in page
    )
    _, unlinked = await get(http, site, f"tickets/{second}")
    assert "incidents/1" not in unlinked
    await sign_in(http, site.desk, ALICE)
    _, own = await get(http, site, f"tickets/{first}")
    assert f"Part of a known problem, now resolved: Checkout {escape(XSS)}" in own
    assert "INC-1" not in own


async def test_the_queue_marks_the_tickets_an_incident_holds(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """Held tickets carry an INC-1 marker linking to the incident; the other ticket none."""
    await an_incident(site)
    await sign_in(http, site.desk, BOB)
    _, page = await get(http, site, "")
    assert page.count(f'<a class="incident-mark" href="{BASE}incidents/1"') == 2


async def test_a_customer_never_sees_an_incident_page(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """alice gets the 404 page; her own ticket says it is part of a known problem, unlinked."""
    first, _, _ = await an_incident(site)
    await sign_in(http, site.desk, ALICE)
    status, page = await get(http, site, "incidents/1")
    assert status == 404 and "Rolling back" not in page
    _, ticket = await get(http, site, f"tickets/{first}")
    assert f"Part of a known problem: Checkout {escape(XSS)}" in ticket
    assert "incidents/1" not in ticket and "INC-1" not in ticket
    _, queue = await get(http, site, "")
    assert "incident-mark" not in queue


@pytest.mark.parametrize("path", ["incidents/2", "incidents/x", "incidents/1234567890"])
async def test_an_unknown_incident_is_the_404_page(
    site: Site, http: aiohttp.ClientSession, path: str
) -> None:
    """No such incident, or no number at all: the same 404 as for a missing ticket."""
    await an_incident(site)
    await sign_in(http, site.desk, BOB)
    status, page = await get(http, site, path)
    assert status == 404 and "Not found" in page


async def test_the_incident_page_carries_the_security_headers(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """The same CSP as every other page: no script at all, no framing."""
    await an_incident(site)
    await sign_in(http, site.desk, BOB)
    async with http.get(f"{site.url}{BASE}incidents/1") as answer:
        csp = answer.headers["Content-Security-Policy"]
        assert "script-src" not in csp and "default-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
