"""Sign in to the web view as a person would: `/ticket web` in chat, then open the link."""

from __future__ import annotations

import re

import aiohttp

from handlers.desk import Desk
from handlers.models import Person, Place
from tests.builders import SUPPORT, run

LINK = re.compile(r"(https?://\S+/sign-in/\S+)")


async def link_for(desk: Desk, person: Person, place: Place = SUPPORT) -> str:
    """The sign-in link `/ticket web` answers `person` with."""
    reply = await run(desk, person, "web", place=place)
    found = LINK.search(reply.text)
    assert found is not None, reply.text
    return found.group(1)


async def open_link(http: aiohttp.ClientSession, link: str) -> str:
    """Open a sign-in link and press its button; return the page it leads to."""
    async with http.get(link) as answer:
        assert answer.status == 200, await answer.text()
    async with http.post(link) as answer:
        assert answer.status == 200, await answer.text()
        return await answer.text()


async def sign_in(http: aiohttp.ClientSession, desk: Desk, person: Person) -> None:
    """Open a fresh sign-in link in `http`, which then holds the session cookie."""
    await open_link(http, await link_for(desk, person))
