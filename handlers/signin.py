"""Signing in to the web view without a password: a signed link, then a signed cookie.

`/ticket web` answers with a personal link (a `Pass` for sign-in, good for 15 minutes and
once); opening it sets a session cookie (a `Pass` for a session, good for `WebLinks.session`).
Both are bound to the workspace the command came from, and carry the person as the platform
described them (with their groups), so that the web asks `DeskSettings.role_of` — the
function the chat commands ask — what they may see, on every request.

A pass is `<payload>.<signature>`: the payload is base64url JSON, the signature an HMAC-SHA256
over the pass's purpose and payload, so a sign-in link cannot be used as a cookie or the
other way round. Anything that does not verify, has expired, or names another purpose is
the same `PassRefused`: the person is told to ask for a new link, never why.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from handlers.models import Person

LINK_LIFETIME = timedelta(minutes=15)
LINKS_PER_LIFETIME = 5  # sign-in links one person may ask for in each 15-minute window
_MAX_PASS = 4096  # longer than any pass we sign: refused before it is decoded


class Purpose(StrEnum):
    SIGN_IN = "sign-in"  # the link `/ticket web` answers with: once, within 15 minutes
    SESSION = "session"  # the cookie that link sets


@dataclass(frozen=True)
class WebLinks:
    """How the web view signs people in: where links point, the key, how long sessions last."""

    base_url: str
    secret: bytes = field(repr=False)
    session: timedelta = timedelta(hours=12)

    def ticket_url(self, workspace: str, ticket_id: int) -> str:
        """The ticket's page, which the card and the ack link to."""
        return f"{self.base_url}{workspace_path(workspace)}tickets/{ticket_id}"

    def sign_in_url(self, person: Person, workspace: str, now: datetime) -> str:
        """A fresh personal sign-in link for `person` in `workspace`."""
        signed = sign(Pass(Purpose.SIGN_IN, person, workspace, now + LINK_LIFETIME), self.secret)
        return f"{self.base_url}{sign_in_path(workspace, signed)}"


def workspace_path(workspace: str) -> str:
    """The web view's pages of a workspace start here (cookies are bound to this path)."""
    return f"/w/{workspace}/"


def sign_in_path(workspace: str, signed: str) -> str:
    return f"{workspace_path(workspace)}sign-in/{signed}"


class PassRefused(Exception):
    """A link or cookie that is forged, expired, meant for something else, or malformed."""

    def __init__(self) -> None:
        super().__init__("This pass is not valid (forged, expired or malformed).")


@dataclass(frozen=True)
class Pass:
    """Who a link or cookie vouches for, in which workspace, until when; `nonce` makes each
    sign-in link unique, so that using it can be remembered and a second use refused."""

    purpose: Purpose
    person: Person
    workspace: str
    expires_at: datetime
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    @property
    def once_key(self) -> str:
        """What is remembered when a sign-in link is used, so it is used only once."""
        return f"web-sign-in:{self.nonce}"


def sign(issued: Pass, secret: bytes) -> str:
    """Write a pass as `<payload>.<signature>`, safe in a URL path and a cookie."""
    person = issued.person
    payload = {
        "p": person.platform,
        "i": person.id,
        "n": person.name,
        "g": sorted(person.groups),
        "w": issued.workspace,
        "e": int(issued.expires_at.timestamp()),
        "k": issued.nonce,
    }
    body = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{body}.{_signature(issued.purpose, body, secret)}"


def verify(signed: str, purpose: Purpose, secret: bytes, now: datetime) -> Pass:
    """Read a pass signed for `purpose` that has not expired; anything else is refused."""
    body, dot, signature = signed.partition(".")
    if not dot or len(signed) > _MAX_PASS:
        raise PassRefused()
    if not hmac.compare_digest(signature, _signature(purpose, body, secret)):
        raise PassRefused()
    issued = _read(body, purpose)
    if issued.expires_at <= now:
        raise PassRefused()
    return issued


def _read(body: str, purpose: Purpose) -> Pass:
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        person = Person(str(data["p"]), str(data["i"]), str(data["n"]), frozenset(data["g"]))
        expires = datetime.fromtimestamp(int(data["e"]), UTC)
        return Pass(purpose, person, str(data["w"]), expires, str(data["k"]))
    except (ValueError, KeyError, TypeError, binascii.Error):
        # Signed by us, so this means a key that signed something else: refuse it all the same.
        raise PassRefused() from None


def _signature(purpose: Purpose, body: str, secret: bytes) -> str:
    mac = hmac.new(secret, f"{purpose}:{body}".encode(), hashlib.sha256)
    return _b64(mac.digest())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def session_for(link: Pass, now: datetime, links: WebLinks) -> Pass:
    """The session a used sign-in link opens: the same person and workspace, for longer."""
    return Pass(Purpose.SESSION, link.person, link.workspace, now + links.session)


def rate_keys(person: Person, now: datetime) -> list[str]:
    """The keys that count `person`'s sign-in links in the current window: one per link
    allowed, so remembering the first unused one counts a link and none left means wait."""
    window = int(now.timestamp() // LINK_LIFETIME.total_seconds())
    return [f"web-links:{person.key}:{window}:{n}" for n in range(LINKS_PER_LIFETIME)]
