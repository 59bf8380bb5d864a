"""HTTP mode: deliver signed requests to the app's endpoint as Slack does.

Slack signs each request with the app's signing secret: `X-Slack-Signature` is `v0=` and the
hex HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{raw body}`. Apps refuse a bad signature
and a timestamp more than five minutes away from their clock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any, TypedDict, Unpack
from urllib.parse import urlencode

import aiohttp

from .records import AppResponse

SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
STALE_SECONDS = 10 * 60


class DeliveryOptions(TypedDict, total=False):
    """How to deliver: retry headers, a forged or no signature, a chosen (say stale) timestamp.

    A `str` timestamp is sent (and signed) as it is, as a client that is not Slack might.
    """

    timestamp: int | str
    forge_signature: bool
    unsigned: bool
    retry_num: int
    retry_reason: str


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """Return Slack's `X-Slack-Signature` value for `body` sent at `timestamp`."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str, body: bytes, content_type: str, **options: Unpack[DeliveryOptions]
) -> dict[str, str]:
    """Return the headers Slack sends with `body`."""
    timestamp = options.get("timestamp", int(time.time()))
    signing_secret = "not-the-signing-secret" if options.get("forge_signature") else secret
    headers = {"Content-Type": content_type, "User-Agent": SLACK_USER_AGENT}
    if not options.get("unsigned"):
        headers["X-Slack-Request-Timestamp"] = str(timestamp)
        headers["X-Slack-Signature"] = sign(signing_secret, timestamp, body)
    if "retry_num" in options:
        headers["X-Slack-Retry-Num"] = str(options["retry_num"])
        headers["X-Slack-Retry-Reason"] = options.get("retry_reason", "http_timeout")
    return headers


def json_body(payload: Mapping[str, Any]) -> bytes:
    """Encode an Events API body."""
    return json.dumps(payload, separators=(",", ":")).encode()


def form_body(fields: Mapping[str, str]) -> bytes:
    """Encode a slash command body (`application/x-www-form-urlencoded`)."""
    return urlencode(fields).encode()


def interactive_body(payload: Mapping[str, Any]) -> bytes:
    """Encode an interactivity body: one form field, `payload`, holding the JSON."""
    return form_body({"payload": json.dumps(payload, separators=(",", ":"))})


class HttpDelivery:
    """Posts signed requests to an app's Request URL and returns its answer."""

    def __init__(self, session: aiohttp.ClientSession, signing_secret: str) -> None:
        self._session = session
        self._secret = signing_secret

    async def post(
        self, url: str, body: bytes, content_type: str, **options: Unpack[DeliveryOptions]
    ) -> AppResponse:
        """Sign and post `body` to `url`; return the app's status, body and headers."""
        headers = signed_headers(self._secret, body, content_type, **options)
        async with self._session.post(url, data=body, headers=headers) as response:
            text = await response.text()
            return AppResponse(response.status, text, dict(response.headers))
