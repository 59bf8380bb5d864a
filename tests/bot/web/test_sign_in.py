"""Signing in: a private link from `/ticket web`, once, for 15 minutes, for one workspace."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import aiohttp
import pytest
from yarl import URL

from handlers.models import Place
from handlers.signin import LINKS_PER_LIFETIME
from tests.bot.web.conftest import Site
from tests.bot.web.signing import link_for, sign_in
from tests.builders import ALICE, BOB, CAROL, SUPPORT, open_ticket, run

# These read the store through its ports: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_stores

MakeSite = Callable[..., contextlib.AbstractAsyncContextManager[Site]]
EXPIRED = "This link has expired — ask for a new one with /ticket web."
OTHER = Place("console:other", "support")


async def test_ticket_web_answers_privately_with_a_personal_link(site: Site) -> None:
    """The answer is ephemeral and holds a link into the asker's workspace."""
    reply = await run(site.desk, BOB, "web")
    assert reply.ephemeral and reply.ok
    assert f"{site.url}/w/console:local/sign-in/" in reply.text
    assert "valid for 15 minutes, once" in reply.text


async def test_the_link_sets_a_session_cookie_and_opens_the_queue(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """The link answers 303 to the queue with an HttpOnly, SameSite=Lax, 12-hour cookie."""
    link = await link_for(site.desk, BOB)
    async with http.post(link, allow_redirects=False) as answer:
        assert answer.status == 303
        assert answer.headers["Location"] == "/w/console:local/"
        cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=43200" in cookie and "Path=/w/console:local/" in cookie
    assert "Secure" not in cookie
    async with http.get(f"{site.url}/w/console:local/") as answer:
        assert answer.status == 200
        assert "Queue" in await answer.text()


async def test_the_cookie_is_secure_when_links_point_at_https(
    make_site: MakeSite, http: aiohttp.ClientSession
) -> None:
    """With an https public_url the session cookie is marked Secure."""
    async with make_site(public_url="https://desk.example") as site:
        link = (await link_for(site.desk, BOB)).replace("https://desk.example", site.url)
        async with http.post(link, allow_redirects=False) as answer:
            assert "Secure" in answer.headers["Set-Cookie"]


async def expired_page(http: aiohttp.ClientSession, link: str) -> None:
    """Opening the link and pressing its button both get the expired page, no cookie."""
    for method in ("GET", "POST"):
        async with http.request(method, link, allow_redirects=False) as answer:
            assert answer.status == 403
            assert EXPIRED in await answer.text()
            assert "Set-Cookie" not in answer.headers


async def test_a_link_works_once(site: Site, http: aiohttp.ClientSession) -> None:
    """A second use of the same link gets the expired page and no cookie."""
    link = await link_for(site.desk, BOB)
    async with http.post(link, allow_redirects=False) as answer:
        assert answer.status == 303
    await expired_page(http, link)


async def test_opening_a_link_uses_nothing_up(site: Site, http: aiohttp.ClientSession) -> None:
    """A chat's link preview fetches the link: that shows a button and signs nobody in."""
    link = await link_for(site.desk, BOB)
    for _ in range(2):
        async with http.get(link, allow_redirects=False) as answer:
            assert answer.status == 200
            assert "Set-Cookie" not in answer.headers
            assert 'method="post"' in await answer.text()
    async with http.post(link, allow_redirects=False) as answer:
        assert answer.status == 303


async def test_a_sign_in_posted_from_another_site_is_refused(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """A form on another site cannot sign a visitor in with someone else's link."""
    link = await link_for(site.desk, BOB)
    for origin in ("https://evil.example", "null"):
        headers = {"Origin": origin}
        async with http.post(link, headers=headers, allow_redirects=False) as answer:
            assert answer.status == 403
            assert "Set-Cookie" not in answer.headers
    async with http.post(link, headers={"Origin": site.url}, allow_redirects=False) as answer:
        assert answer.status == 303


async def test_a_link_expires_after_15_minutes(site: Site, http: aiohttp.ClientSession) -> None:
    """Opened 15 minutes after it was given, the link has expired."""
    link = await link_for(site.desk, BOB)
    site.clock.advance(minutes=15)
    await expired_page(http, link)


@pytest.mark.parametrize(
    "forge",
    [
        lambda link: link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"),
        lambda link: link.rsplit("/", 1)[0] + "/not-a-pass",
        lambda link: link.rsplit("/", 1)[0] + "/e30." + link.rsplit(".", 1)[1],
        lambda link: link + "x" * 5000,
    ],
    ids=["signature", "garbage", "payload", "overlong"],
)
async def test_a_forged_link_gets_the_expired_page(
    site: Site, http: aiohttp.ClientSession, forge: Callable[[str], str]
) -> None:
    """A link whose pass was altered is refused like an expired one."""
    await expired_page(http, forge(await link_for(site.desk, BOB)))


async def test_a_link_signed_with_another_secret_is_refused(
    make_site: MakeSite, site: Site, http: aiohttp.ClientSession
) -> None:
    """A pass signed by another deskbot (another secret) opens nothing here."""
    async with make_site(secret="another-secret-of-some-length") as other:
        link = await link_for(other.desk, BOB)
    await expired_page(http, link.replace(other.url, site.url))


async def test_a_link_of_another_workspace_is_refused(
    site: Site, http: aiohttp.ClientSession
) -> None:
    """A link given in one workspace, opened under another's address, is refused."""
    link = await link_for(site.desk, BOB, OTHER)
    await expired_page(http, link.replace("/w/console:other/", "/w/console:local/"))


async def test_a_session_is_bound_to_its_workspace(site: Site, http: aiohttp.ClientSession) -> None:
    """A session cookie of one workspace signs nobody in to another."""
    await sign_in(http, site.desk, BOB)
    cookie = http.cookie_jar.filter_cookies(URL(f"{site.url}/w/console:local/"))["deskbot_session"]
    async with http.get(
        f"{site.url}/w/console:other/", headers={"Cookie": f"deskbot_session={cookie.value}"}
    ) as answer:
        assert answer.status == 401
        assert "/ticket web" in await answer.text()


async def test_a_session_ends_after_web_session(site: Site, http: aiohttp.ClientSession) -> None:
    """Twelve hours after signing in, the cookie signs nobody in."""
    await sign_in(http, site.desk, BOB)
    site.clock.advance(hours=12)
    async with http.get(f"{site.url}/w/console:local/") as answer:
        assert answer.status == 401


async def test_sign_out_forgets_the_session(site: Site, http: aiohttp.ClientSession) -> None:
    """Signing out removes the cookie: the queue asks for a link again."""
    await sign_in(http, site.desk, BOB)
    async with http.post(f"{site.url}/w/console:local/sign-out") as answer:
        assert answer.status == 200
    async with http.get(f"{site.url}/w/console:local/") as answer:
        assert answer.status == 401


async def test_sign_in_links_are_rate_limited_per_person(site: Site) -> None:
    """Five links in a 15-minute window; the sixth is refused, another person is not held up."""
    for _ in range(LINKS_PER_LIFETIME):
        assert (await run(site.desk, BOB, "web")).ok
    refused = await run(site.desk, BOB, "web")
    assert not refused.ok and "try again in 15 minutes" in refused.text
    assert (await run(site.desk, CAROL, "web")).ok
    site.clock.advance(minutes=15)
    assert (await run(site.desk, BOB, "web")).ok


async def test_customers_get_a_link_too(site: Site) -> None:
    """`/ticket web` is for everyone: a customer's link shows them their own tickets."""
    await open_ticket(site.desk, ALICE)
    assert "/sign-in/" in (await run(site.desk, ALICE, "web", place=SUPPORT)).text


async def test_without_the_web_view_the_verb_says_so(desk: object) -> None:
    """With the web view off, `/ticket web` says it is not switched on."""
    reply = await run(desk, BOB, "web")  # type: ignore[arg-type]
    assert not reply.ok
    assert reply.text == "The web view is not switched on for this desk."
