"""HTTP mode: check Slack's signature on the raw bytes, read the body, then hand it to Bolt.

No part of a request is decoded or parsed before its signature is checked. An unsigned or
stale request is answered 401; a signed one that Slack would never send (a content type
Slack does not use for that kind of request, bytes that are not UTF-8, JSON that is not an
object) 400; each with one log line and no traceback, never a 5xx. (A listener that fails
on a good request still answers 500: that is how Slack is told to deliver an event again.)

Bolt then gets the body as parsed here, not by itself: Bolt (1.x) decides a form body is an
interactivity payload when the *substring* `payload` appears anywhere in it, then finds no
`payload` field and dispatches `{}`, so `/ticket note the payload was empty` would be lost.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

log = logging.getLogger(__name__)

JsonDict = dict[str, Any]
JSON = "application/json"  # the Events API
FORM = "application/x-www-form-urlencoded"  # slash commands; clicks as `payload=<json>`
EVENTS_API_TYPES = frozenset({"event_callback", "url_verification", "app_rate_limited"})
MAX_AGE = 5 * 60  # seconds: Slack's limit on a signed request's age, against replays
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class Unsigned(ValueError):
    """The request is not signed with the signing secret just now: answered 401."""


class Unreadable(ValueError):
    """A signed request whose body is not one Slack sends: answered 400."""


def check_signature(secret: str, raw: bytes, headers: Mapping[str, str], now: float) -> None:
    """Check Slack's `v0` signature of `raw` (HMAC-SHA256 of `v0:{timestamp}:{body}`)."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not signature:
        raise Unsigned("it has no X-Slack-Signature")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Unsigned("its X-Slack-Request-Timestamp is not a Unix time")
    off = int(now) - int(timestamp)
    if abs(off) > MAX_AGE:
        raise Unsigned(f"its timestamp is {off} s off this machine's clock (limit {MAX_AGE} s)")
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not signature.isascii() or not hmac.compare_digest(expected, signature):
        raise Unsigned("its X-Slack-Signature does not match slack.signing_secret")


def read_body(text: str, content_type: str) -> JsonDict:
    """Read a signed body as Slack sends it: events as JSON, commands and clicks as forms."""
    if content_type == JSON:
        body = _json_object(text, "body")
        if body.get("type") not in EVENTS_API_TYPES:
            raise Unreadable("its JSON is no Events API request")
        return body
    if content_type == FORM:
        fields = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" in fields:
            payload = _json_object(fields["payload"], "payload field")
            if payload.get("type") in EVENTS_API_TYPES:
                raise Unreadable("it is an Events API request sent as a form")
            return payload
        if "command" in fields or "ssl_check" in fields:
            return fields
        raise Unreadable("its form is neither a slash command nor a click")
    raise Unreadable(f"its Content-Type {content_type} is not one Slack sends")


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable("its body is not UTF-8") from None


def _json_object(text: str, what: str) -> JsonDict:
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        raise Unreadable(f"its {what} is not JSON") from None
    if not isinstance(parsed, dict):
        raise Unreadable(f"its {what} is not a JSON object")
    return parsed


class ParsedBoltRequest(AsyncBoltRequest):
    """Bolt's request for a body already verified and parsed here: Bolt parses nothing."""

    def __init__(
        self,
        *,
        raw_body: str,
        body: JsonDict,
        headers: Mapping[str, str | Sequence[str]],
        query: str | dict[str, Sequence[str]] = "",
        context: JsonDict | None = None,
    ) -> None:
        super().__init__(body="", query=query, headers=dict(headers), context=context)
        self.raw_body = raw_body  # Bolt checks the signature again, on the same bytes
        self.body = body
        self.context = build_async_context(AsyncBoltContext(context or {}), body)

    def to_copyable(self) -> ParsedBoltRequest:
        return ParsedBoltRequest(
            raw_body=self.raw_body,
            body=self.body,
            headers=self.headers,
            query=self.query,
            context=self.context.to_copyable(),
        )


def bolt_request(raw: bytes, request: web.Request) -> ParsedBoltRequest:
    """The Bolt request for a signed body, once it reads as one Slack sends."""
    text = _text(raw)
    body = read_body(text, request.content_type)
    try:
        return ParsedBoltRequest(
            raw_body=text,
            body=body,
            headers=request.headers,
            query=request.query_string,
        )
    except (AttributeError, LookupError, TypeError) as error:
        # Bolt reads ids out of the body (team, user, enterprise) assuming Slack's shapes.
        raise Unreadable(f"Bolt cannot read its body ({error})") from None


class SlackHttpServer:
    """Bolt's app on `host:port` at `path`, the Request URL of events, commands and clicks."""

    def __init__(self, app: AsyncApp, host: str, port: int, path: str, signing_secret: str) -> None:
        if not signing_secret.strip():
            raise ValueError("HTTP mode needs slack.signing_secret to check Slack's signatures")
        self.app = app
        self.host, self.port, self.path = host, port, path
        self.signing_secret = signing_secret
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        """Start serving; return the local URL (its port, when 0 was asked for, is real)."""
        web_app = web.Application()
        web_app.router.add_post(self.path, self.handle)
        self._runner = web.AppRunner(web_app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}{self.path}"

    async def handle(self, request: web.Request) -> web.Response:
        """Check the signature, read the body, and return Bolt's answer (or 401, 400)."""
        raw = await request.read()
        try:
            # Slack's timestamps are the real time, whatever clock the desk runs on.
            check_signature(self.signing_secret, raw, request.headers, time.time())
        except Unsigned as refusal:
            log.warning("Refused a Slack request (401): %s", refusal)
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt = bolt_request(raw, request)
        except Unreadable as refusal:
            log.warning("Refused a signed Slack request (400): %s", refusal)
            return web.json_response({"error": "unreadable request"}, status=400)
        response: web.Response = await to_aiohttp_response(await self.app.async_dispatch(bolt))
        return response

    async def stop(self) -> None:
        """Stop taking requests; requests in flight finish first."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
