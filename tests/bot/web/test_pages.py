"""The web view's pages over HTTP: the queue, a ticket, the metrics, the exports."""

from __future__ import annotations

import contextlib
import gettext
import re
from collections.abc import Callable

import aiohttp
import pytest

from bot.web.templates import Templates
from handlers.models import Attachment, Place
from handlers.texts import ENGLISH
from tests.bot.web.conftest import Site, execute
from tests.bot.web.signing import sign_in
from tests.builders import ALICE, BOB, CAROL, DAVE, open_ticket, post, run

# These read the store through its ports: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

BASE = "/w/console:local/"
XSS = '<script>alert(1)</script> <img src=x onerror="alert(2)">'


async def get(http: aiohttp.ClientSession, site: Site, path: str) -> tuple[int, str]:
    async with http.get(f"{site.url}{BASE}{path}") as answer:
        return answer.status, await answer.text()


async def test_every_page_carries_the_security_headers(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """CSP without inline script, nosniff, no referrer, no framing: on pages and refusals."""
    await sign_in(http, site.desk, BOB)
    for path in ("", "tickets/999", "nowhere"):
        async with http.get(f"{site.url}{BASE}{path}") as answer:
            csp = answer.headers["Content-Security-Policy"]
            assert "script-src" not in csp and "default-src 'none'" in csp
            assert "frame-ancestors 'none'" in csp
            assert answer.headers["X-Content-Type-Options"] == "nosniff"
            assert answer.headers["Referrer-Policy"] == "same-origin"
            assert answer.headers["X-Frame-Options"] == "DENY"


async def test_the_queue_lists_tickets_with_their_facts(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """An agent's queue shows each active ticket, linked, with its status and priority."""
    first = await open_ticket(site.desk, ALICE, "printer on fire")
    await open_ticket(site.desk, DAVE, "scanner jammed")
    await run(site.desk, BOB, f"claim {first}")
    await sign_in(http, site.desk, BOB)
    status, page = await get(http, site, "")
    assert status == 200
    assert f'href="{BASE}tickets/{first}"' in page
    assert "printer on fire" in page and "scanner jammed" in page
    assert "claimed" in page and "bob" in page


async def test_a_customer_sees_only_their_own_tickets(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """Alice's queue holds Alice's tickets, never Dave's."""
    await open_ticket(site.desk, ALICE, "printer on fire")
    await open_ticket(site.desk, DAVE, "scanner jammed")
    await sign_in(http, site.desk, ALICE)
    status, page = await get(http, site, "")
    assert status == 200
    assert "printer on fire" in page and "scanner jammed" not in page


async def test_the_queue_pages_by_key_without_gaps_or_repeats(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """120 tickets page as 50, 50 and 20, in order, following each page's next link."""
    for number in range(120):
        await open_ticket(site.desk, ALICE, f"ticket {number}")
    await sign_in(http, site.desk, BOB)
    seen: list[int] = []
    path = "?sort=newest"
    while path is not None:
        status, page = await get(http, site, path)
        assert status == 200
        seen += [int(found) for found in re.findall(r'<td><a href="[^"]+">(\d+)</a></td>', page)]
        following = re.search(r'rel="next" href="/w/console:local/([^"]+)"', page)
        path = following.group(1).replace("&amp;", "&") if following else None
    assert seen == list(range(120, 0, -1))


async def test_the_queue_pages_by_last_change_too(site: Site, http: aiohttp.ClientSession) -> None:
    """Sorted by last change, 60 tickets page as 50 and 10, most recently changed first."""
    for number in range(60):
        await open_ticket(site.desk, ALICE, f"ticket {number}")
        site.clock.advance(seconds=1)
    await sign_in(http, site.desk, BOB)
    _, page = await get(http, site, "?sort=updated")
    first = [int(found) for found in re.findall(r'<td><a href="[^"]+">(\d+)</a></td>', page)]
    following = re.search(r'rel="next" href="/w/console:local/([^"]+)"', page)
    assert following is not None
    _, page = await get(http, site, following.group(1).replace("&amp;", "&"))
    second = [int(found) for found in re.findall(r'<td><a href="[^"]+">(\d+)</a></td>', page)]
    assert first + second == list(range(60, 0, -1))


@pytest.mark.parametrize(
    "query",
    [
        "?colour=blue",
        "?status=everything",
        "?priority=meh",
        "?sort=id;DROP TABLE tickets",
        "?holder=console:bob",
        "?after=12",
        "?after=abc~1",
        "?status=open&status=closed",
        "?sort=updated&after=2026-11-24T10:00:00~5",
        "?sort=updated&after=yesterday~5",
    ],
)
async def test_the_queue_takes_only_its_own_parameters(
    site: Site, http: aiohttp.ClientSession, query: str
) -> None:
    """An unknown parameter or value is a 400, never passed on."""
    await sign_in(http, site.desk, BOB)
    status, page = await get(http, site, query)
    assert status == 400
    assert "does not take those parameters" in page


async def test_filters_narrow_the_queue(site: Site, http: aiohttp.ClientSession) -> None:
    """Unassigned and priority filters keep only the matching tickets."""
    held = await open_ticket(site.desk, ALICE, "held one")
    urgent = await open_ticket(site.desk, ALICE, "urgent one")
    await run(site.desk, BOB, f"claim {held}")
    await run(site.desk, BOB, f"priority {urgent} urgent")
    await sign_in(http, site.desk, BOB)
    _, page = await get(http, site, "?holder=nobody")
    assert "urgent one" in page and "held one" not in page
    _, page = await get(http, site, "?priority=urgent&sort=priority")
    assert "urgent one" in page and "held one" not in page
    _, page = await get(http, site, "?holder=me")
    assert "held one" in page and "urgent one" not in page


async def test_customer_text_renders_as_text(site: Site, http: aiohttp.ClientSession) -> None:
    """A script or an onerror image in a ticket is shown, escaped, and never runs."""
    ticket = await open_ticket(site.desk, ALICE, XSS)
    await sign_in(http, site.desk, BOB)
    for path in ("", f"tickets/{ticket}"):
        _, page = await get(http, site, path)
        assert "<script>alert(1)" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


async def test_the_ticket_page_shows_the_conversation_notes_and_timeline(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """Staff see every message in order, the note marked, attachments linked, the audit."""
    attachments = (
        Attachment("log.txt", "https://files.example/log.txt"),
        Attachment("evil", "javascript:alert(1)"),
    )
    result = await post(site.desk, ALICE, "printer on fire", attachments=attachments)
    ticket = result.ticket_id
    await run(site.desk, BOB, f"note {ticket} customer is a VIP")
    await run(site.desk, BOB, f"claim {ticket}")
    await sign_in(http, site.desk, BOB)
    status, page = await get(http, site, f"tickets/{ticket}")
    assert status == 200
    assert page.index("printer on fire") < page.index("customer is a VIP")
    assert "Internal note — staff only" in page
    assert 'href="https://files.example/log.txt"' in page
    assert "javascript:" not in page
    assert "first response" in page and "Business time used" in page
    assert "opened" in page and "claimed" in page


async def test_a_customer_sees_no_notes_and_no_clocks(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """On their own ticket a customer sees the conversation, without notes or SLA clocks."""
    ticket = await open_ticket(site.desk, ALICE, "printer on fire")
    await run(site.desk, BOB, f"note {ticket} customer is a VIP")
    await sign_in(http, site.desk, ALICE)
    status, page = await get(http, site, f"tickets/{ticket}")
    assert status == 200
    assert "printer on fire" in page
    assert "VIP" not in page and "Internal note" not in page and "SLA clocks" not in page


async def test_unknown_foreign_and_hidden_tickets_are_the_same_404(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """No such id, another workspace's, another customer's, not a number: one 404 page."""
    await open_ticket(site.desk, DAVE, "dave's problem")
    other = await post(site.desk, DAVE, "elsewhere", place=Place("console:other", "support"))
    await sign_in(http, site.desk, ALICE)
    pages = set()
    for wanted in ("1", str(other.ticket_id), "999999", "abc", "1" * 30):
        status, page = await get(http, site, f"tickets/{wanted}")
        assert status == 404
        pages.add(page)
    assert len(pages) == 1


async def test_metrics_are_for_leads(site: Site, http: aiohttp.ClientSession) -> None:
    """A lead sees the figures and the charts; an agent gets the 404 page."""
    ticket = await open_ticket(site.desk, ALICE)
    await run(site.desk, BOB, f"resolve {ticket}")
    await sign_in(http, site.desk, CAROL)
    for period in ("today", "7d", "30d", "custom&from=2026-11-01&to=2026-11-24"):
        status, page = await get(http, site, f"metrics?period={period}")
        assert status == 200, period
        assert page.count("<svg") == 4
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as agent:
        await sign_in(agent, site.desk, BOB)
        status, _ = await get(agent, site, "metrics")
        assert status == 404


@pytest.mark.parametrize(
    "query",
    [
        "period=year",
        "period=custom",
        "period=custom&from=2026-11-10&to=2026-11-01",
        "period=custom&from=2020-01-01&to=2026-11-01",
        "period=custom&from=2026-13-01&to=2026-11-01",
        "period=7d&x=1",
    ],
)
async def test_metrics_take_only_sensible_periods(
    site: Site, http: aiohttp.ClientSession, query: str
) -> None:
    """A period outside the choices, backwards or over a year is a 400."""
    await sign_in(http, site.desk, CAROL)
    status, _ = await get(http, site, f"metrics?{query}")
    assert status == 400


async def test_the_tickets_export_is_csv_of_this_workspace(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """The export lists the period's tickets of this workspace; formulas stay text."""
    await open_ticket(site.desk, ALICE, '=HYPERLINK("http://x")')
    await post(site.desk, DAVE, "elsewhere", place=Place("console:other", "support"))
    await sign_in(http, site.desk, CAROL)
    site.clock.advance(minutes=1)  # periods end now, and exclude the very moment now
    async with http.get(f"{site.url}{BASE}export/tickets.csv?period=today") as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in answer.headers["Content-Disposition"]
        text = await answer.text()
    lines = text.strip().splitlines()
    assert lines[0].startswith("id,created,status,priority")
    assert len(lines) == 2
    assert "'=HYPERLINK" in lines[1] and "elsewhere" not in text


async def test_the_agents_export_lists_agents(site: Site, http: aiohttp.ClientSession) -> None:
    """The per-agent export has a line per agent who worked in the period."""
    ticket = await open_ticket(site.desk, ALICE)
    await run(site.desk, BOB, f"claim {ticket}")
    await sign_in(http, site.desk, CAROL)
    site.clock.advance(minutes=1)
    async with http.get(f"{site.url}{BASE}export/agents.csv?period=7d") as answer:
        text = await answer.text()
    assert text.splitlines() == [
        "agent,claimed,resolved,first_response_median_seconds,open",
        "bob,1,0,,1",
    ]


async def test_metrics_and_agents_export_count_this_workspace_only(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """A lead of one workspace sees its figures: another workspace's tickets, and the agents
    who worked only there, are in neither the page nor the per-agent export."""
    elsewhere = Place("console:other", "support")
    await open_ticket(site.desk, ALICE)
    for customer in (DAVE, ALICE):
        other = await post(site.desk, customer, "elsewhere", place=elsewhere)
        await run(site.desk, BOB, f"claim {other.ticket_id}", place=elsewhere)
    await sign_in(http, site.desk, CAROL)
    site.clock.advance(minutes=1)
    status, page = await get(http, site, "metrics?period=today")
    assert status == 200
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))
    assert (figures["Opened"], figures["Backlog now"], figures["Unclaimed now"]) == ("1", "1", "1")
    async with http.get(f"{site.url}{BASE}export/agents.csv?period=today") as answer:
        text = await answer.text()
    assert text.splitlines() == ["agent,claimed,resolved,first_response_median_seconds,open"]


async def test_exports_are_for_leads(site: Site, http: aiohttp.ClientSession) -> None:
    """An agent asking for an export gets the 404 page."""
    await sign_in(http, site.desk, BOB)
    for name in ("tickets", "agents"):
        status, _ = await get(http, site, f"export/{name}.csv")
        assert status == 404


async def test_a_failure_in_our_code_is_a_plain_500(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """When a page's read fails, the browser gets a sentence, never a traceback."""
    await sign_in(http, site.desk, BOB)
    await execute(site.store, "ALTER TABLE tickets RENAME TO gone")
    try:
        async with http.get(f"{site.url}{BASE}") as answer:
            assert answer.status == 500
            assert await answer.text() == ENGLISH.unexpected_failure()
            assert answer.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        await execute(site.store, "ALTER TABLE gone RENAME TO tickets")  # for the next test


class Bracketed(gettext.NullTranslations):
    """A 'language' that marks every sentence it translates."""

    def gettext(self, message: str) -> str:
        return f"[{message}]"


def test_the_pages_sentences_go_through_the_installed_translations() -> None:
    """Templates take their sentences from the translations given in one place."""
    page = Templates(Bracketed()).render("expired.html")
    assert "[This link has expired — ask for a new one with /ticket web.]" in page


async def test_times_are_shown_in_the_viewers_chosen_timezone(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """Choosing a timezone on a ticket's page shows its times, due times too, in that zone."""
    ticket = await open_ticket(site.desk, ALICE)  # 10:00 UTC; first response due 14:00 UTC
    await sign_in(http, site.desk, BOB)
    _, page = await get(http, site, f"tickets/{ticket}")
    assert "2026-11-24 10:00 (UTC)" in page and "2026-11-24 14:00" in page
    form = {"tz": "Asia/Tokyo", "back": f"{BASE}tickets/{ticket}"}
    async with http.post(f"{site.url}{BASE}timezone", data=form) as answer:
        assert answer.status == 200 and answer.url.path == f"{BASE}tickets/{ticket}"
        page = await answer.text()
    assert "2026-11-24 19:00 (Asia/Tokyo)" in page and "2026-11-24 23:00" in page


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "", "UTC; x"])
async def test_an_unknown_timezone_is_refused(
    site: Site, http: aiohttp.ClientSession, zone: str
) -> None:
    """Only IANA timezone names are taken."""
    await sign_in(http, site.desk, BOB)
    async with http.post(f"{site.url}{BASE}timezone", data={"tz": zone}) as answer:
        assert answer.status == 400


async def test_the_pages_speak_the_desks_language(
    make_site: Callable[..., contextlib.AbstractAsyncContextManager[Site]],
    http: aiohttp.ClientSession,
) -> None:
    """With `locale: zh_CN` the pages' own words are Chinese; people's words stay theirs."""
    async with make_site(locale="zh_CN") as site:
        await open_ticket(site.desk, ALICE, "printer on fire")
        await sign_in(http, site.desk, BOB)
        status, page = await get(http, site, "")
    assert status == 200
    assert "<h1>队列</h1>" in page and "待处理" in page and "printer on fire" in page


async def test_a_rated_ticket_shows_its_rating_and_comment_as_text(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """The customer's rating and comment are on the ticket's page; the comment stays text."""
    ticket = await open_ticket(site.desk, ALICE, "printer on fire")
    await run(site.desk, BOB, f"resolve {ticket}")
    await run(site.desk, ALICE, f"rate {ticket} 2 <script>alert(1)</script>")
    await sign_in(http, site.desk, BOB)
    status, page = await get(http, site, f"tickets/{ticket}")
    assert status == 200
    assert "Rated 2/5 on " in page
    assert "<q>&lt;script&gt;alert(1)&lt;/script&gt;</q>" in page


async def test_metrics_show_satisfaction(site: Site, http: aiohttp.ClientSession) -> None:
    """The period's CSAT, average rating and survey response, and CSAT per agent."""
    for score in ("5", "2"):
        ticket = await open_ticket(site.desk, ALICE)
        await run(site.desk, BOB, f"claim {ticket}")
        await run(site.desk, BOB, f"resolve {ticket}")
        await run(site.desk, ALICE, f"rate {ticket} {score}")
    await sign_in(http, site.desk, CAROL)
    site.clock.advance(minutes=1)  # a period ends at now, exclusive: count what was just done
    status, page = await get(http, site, "metrics?period=today")
    assert status == 200
    assert "<dt>Satisfaction (CSAT)</dt><dd>50%</dd>" in page
    assert "<dt>Average rating</dt><dd>3.5 / 5</dd>" in page
    assert "<dt>Surveys answered</dt><dd>100%</dd>" in page
    assert "<td>bob</td>" in page and "<td>50%</td></tr>" in page
