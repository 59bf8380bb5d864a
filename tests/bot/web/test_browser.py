"""The web view in a real browser: Debian's Chromium, headless, driven by Playwright.

Nothing is downloaded: Playwright drives the system's /usr/bin/chromium (`.ci/run` installs
it when missing). Each page walked is saved as a screenshot under `build/artefacts/web/`
(or `$DESKBOT_ARTEFACTS/web/`), which CI keeps.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.bot.web.conftest import Site
from tests.bot.web.signing import link_for
from tests.builders import ALICE, BOB, CAROL, DAVE, open_ticket, post, run

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[3]
ARTEFACTS = Path(os.environ.get("DESKBOT_ARTEFACTS", ROOT / "build" / "artefacts")) / "web"
SCRIPT = "<script>alert(1)</script>"
IMAGE = '<img src=x onerror="alert(2)">'

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as driver:
        launched = await driver.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


class Watched:
    """A page whose dialogs (an alert would be one) and console errors are recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", lambda dialog: self.dialogs.append(dialog.message))
        page.on("console", lambda message: self._console(message.type, message.text))

    def _console(self, kind: str, text: str) -> None:
        if kind == "error":
            self.errors.append(text)

    async def shot(self, name: str) -> None:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


async def sign_in(page: Page, link: str) -> None:
    """Open the link as it arrives in chat and press its Sign in button."""
    await page.goto(link)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/w/*/")


async def open_page(browser: Browser, **options: object) -> Watched:
    context = await browser.new_context(**options)  # type: ignore[arg-type]
    return Watched(await context.new_page())


async def answer(site: Site, ticket: int, text: str) -> None:
    opened = await site.desk.ticket(ticket)
    assert opened is not None
    await post(site.desk, BOB, text, place=opened.place)


async def a_busy_desk(site: Site) -> int:
    """A week of tickets worked by bob; the last carries the XSS payload and a note."""
    customers = (ALICE, DAVE)
    for day in range(6):
        for number in range(2 + day % 3):
            ticket = await open_ticket(
                site.desk,
                customers[number % 2],
                f"{PROBLEMS[(day + number) % 5]} (#{day}.{number})",
            )
            site.clock.advance(minutes=35 * (number + 1))
            if number % 3 != 2:
                await run(site.desk, BOB, f"claim {ticket}")
                await answer(site, ticket, "Looking into it now.")
            if number % 2 == 0:
                site.clock.advance(hours=2)
                await run(site.desk, BOB, f"resolve {ticket} fixed")
        site.clock.advance(hours=20)
    ticket = await open_ticket(site.desk, ALICE, f"Printer on fire {SCRIPT} {IMAGE}")
    site.clock.advance(minutes=12)
    await run(site.desk, BOB, f"claim {ticket}")
    await answer(site, ticket, "Have you tried switching it off and on again?")
    await run(site.desk, BOB, f"note {ticket} customer is on the gold plan")
    await run(site.desk, BOB, f"priority {ticket} high")
    site.clock.advance(minutes=5)
    return ticket


PROBLEMS = (
    "VPN drops every hour",
    "Invoice shows the wrong VAT",
    "Cannot log in after the update",
    "Export to PDF is blank",
    "Calendar invites arrive twice",
)


async def test_sign_in_then_queue_ticket_and_metrics(site: Site, browser: Browser) -> None:
    """A lead signs in through a link and walks queue → ticket → metrics; payloads stay text."""
    ticket = await a_busy_desk(site)
    watched = await open_page(browser)
    page = watched.page
    await sign_in(page, await link_for(site.desk, CAROL))
    assert page.url == f"{site.url}/w/console:local/"
    await page.get_by_role("heading", name="Queue").wait_for()
    assert await page.get_by_text(SCRIPT, exact=False).count() >= 1
    await watched.shot("queue")

    await page.get_by_role("link", name=f"{ticket}", exact=True).click()
    await page.get_by_role("heading", name=f"#{ticket}", exact=False).wait_for()
    assert await page.locator(".text").first.inner_text() == f"Printer on fire {SCRIPT} {IMAGE}"
    assert await page.locator("img").count() == 0 and await page.locator("script").count() == 0
    assert await page.get_by_text("Internal note — staff only").is_visible()
    await watched.shot("ticket")

    await page.get_by_role("link", name="Metrics").click()
    await page.get_by_role("heading", name="Metrics").wait_for()
    assert await page.locator("figure.chart svg").count() == 4
    await watched.shot("metrics")
    assert watched.dialogs == [] and watched.errors == []


async def test_an_expired_link_says_so(site: Site, browser: Browser) -> None:
    """A link opened after 15 minutes shows the plain expired page."""
    link = await link_for(site.desk, BOB)
    site.clock.advance(minutes=16)
    watched = await open_page(browser)
    await watched.page.goto(link)
    text = await watched.page.locator("main").inner_text()
    assert "This link has expired — ask for a new one with /ticket web." in text
    await watched.shot("expired")


async def test_a_customer_cannot_open_another_customers_ticket(
    site: Site, browser: Browser
) -> None:
    """Dave, signed in, sees his own tickets; Alice's ticket is a 404 for him."""
    ticket = await a_busy_desk(site)
    watched = await open_page(browser)
    page = watched.page
    await sign_in(page, await link_for(site.desk, DAVE))
    await page.get_by_role("heading", name="Your tickets").wait_for()
    assert await page.get_by_text("VPN drops every hour (#4.1)").is_visible()
    assert await page.get_by_text("Printer on fire", exact=False).count() == 0
    answer = await page.goto(f"{site.url}/w/console:local/tickets/{ticket}")
    assert answer is not None and answer.status == 404
    assert await page.get_by_role("heading", name="Not found").is_visible()
    await watched.shot("customer-not-found")


async def test_the_queue_fits_a_phone(site: Site, browser: Browser) -> None:
    """On a 390-pixel-wide phone the queue and a ticket need no sideways scrolling."""
    ticket = await a_busy_desk(site)
    watched = await open_page(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    page = watched.page
    await sign_in(page, await link_for(site.desk, BOB))
    for path, name in (("", "queue-phone"), (f"tickets/{ticket}", "ticket-phone")):
        await page.goto(f"{site.url}/w/console:local/{path}")
        wide = await page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390, name
        await watched.shot(name)


async def test_a_lead_walks_from_the_queue_to_an_incident_and_its_tickets(
    site: Site, browser: Browser
) -> None:
    """queue → the INC-1 marker → the incident's page → a linked ticket, which names INC-1."""
    first = await open_ticket(site.desk, ALICE, "Checkout returns 500")
    second = await open_ticket(site.desk, DAVE, "Checkout broken")
    await run(site.desk, BOB, f"incident declare Checkout down {SCRIPT} {IMAGE}")
    await run(site.desk, BOB, f"incident link INC-1 {first} {second}")
    await run(site.desk, BOB, "incident update INC-1 Rolling back")
    watched = await open_page(browser)
    page = watched.page
    await sign_in(page, await link_for(site.desk, CAROL))
    await page.get_by_role("heading", name="Queue").wait_for()
    await page.locator("a.incident-mark").first.click()
    await page.get_by_role("heading", name="INC-1", exact=False).wait_for()
    heading = await page.get_by_role("heading", level=1).inner_text()
    assert heading == f"INC-1 Checkout down {SCRIPT} {IMAGE}"
    assert await page.locator("img").count() == 0 and await page.locator("script").count() == 0
    assert await page.get_by_text("0 delivered").is_visible()
    assert await page.get_by_text("2 queued").is_visible()
    await watched.shot("incident")

    await page.get_by_role("link", name=f"{second}", exact=True).click()
    await page.get_by_role("heading", name=f"#{second}", exact=False).wait_for()
    assert await page.get_by_role("link", name="Part of INC-1", exact=False).is_visible()
    assert watched.dialogs == [] and watched.errors == []
