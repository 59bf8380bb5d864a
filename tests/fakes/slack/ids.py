"""Identities of the fake workspace and generators of Slack-shaped ids and timestamps."""

from __future__ import annotations

import itertools
import secrets
import time
import uuid
from dataclasses import dataclass

_ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_counter = itertools.count(1)
_last_ts_micros = 0


@dataclass(frozen=True)
class AppIdentity:
    """Who the app under test is in the fake workspace: team, app, bot user and secrets."""

    team_id: str = "T0DESK0001"
    team_domain: str = "deskbot-test"
    team_name: str = "Deskbot Test"
    api_app_id: str = "A0DESK0001"
    bot_user_id: str = "U0DESKBOT1"
    bot_id: str = "B0DESK0001"
    bot_name: str = "deskbot"
    bot_token: str = "xoxb-1111111111-2222222222-fakeslackbottoken"
    app_token: str = "xapp-1-A0DESK0001-3333333333-fakeslackapptoken"
    signing_secret: str = "8f742231b10e8888abcd99yyyzzz85a5"
    verification_token: str = "fakeverificationtoken"


DEFAULT_IDENTITY = AppIdentity()


def next_ts() -> str:
    """Return a fresh Slack message timestamp, unique and increasing within this process."""
    global _last_ts_micros
    now = time.time_ns() // 1_000
    _last_ts_micros = max(now, _last_ts_micros + 1)
    seconds, micros = divmod(_last_ts_micros, 1_000_000)
    return f"{seconds}.{micros:06d}"


def new_id(prefix: str, length: int = 10) -> str:
    """Return an id in Slack's style: a type letter and upper-case alphanumerics (`C0A1B2...`)."""
    serial = next(_counter)
    digits = []
    while serial:
        serial, rest = divmod(serial, len(_ID_ALPHABET))
        digits.append(_ID_ALPHABET[rest])
    body = "".join(reversed(digits)).rjust(length - len(prefix), "0")
    return prefix + body


def new_event_id() -> str:
    """Return an Events API event id (`Ev` and alphanumerics)."""
    return new_id("Ev", 12)


def new_trigger_id() -> str:
    """Return a trigger id shaped like Slack's (`<digits>.<digits>.<hex>`)."""
    return f"{time.time_ns() // 1000}.{next(_counter)}.{secrets.token_hex(16)}"


def new_envelope_id() -> str:
    """Return a Socket Mode envelope id (a UUID, as Slack sends)."""
    return str(uuid.uuid4())


def new_secret(length: int = 24) -> str:
    """Return an opaque url-safe secret for response URLs, tickets and upload URLs."""
    return secrets.token_urlsafe(length)[:length]
