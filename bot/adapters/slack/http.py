"""HTTP mode: serve Slack's signed requests to Bolt, with Bolt's form parsing put right.

Bolt (1.x) decides a form body is an interactivity payload when the *substring* `payload`
appears anywhere in it, then looks for a `payload` field, finds none and dispatches `{}`:
so `/ticket note the payload was empty` is answered 404 and lost. Here the body is parsed
by its fields, as Slack sends it, before Bolt routes it. Signatures are still checked by
Bolt against the raw body, untouched.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

JsonDict = dict[str, Any]


def parse_body(raw: str, content_type: str | None) -> JsonDict:
    """Parse a Slack request body: JSON (events), `payload=<json>` (clicks) or form fields."""
    if not raw:
        return {}
    if content_type == "application/json" or raw.startswith("{"):
        parsed: JsonDict = json.loads(raw)
        return parsed
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" in fields:
        payload: JsonDict = json.loads(fields["payload"])
        return payload
    return fields


class FormSafeBoltRequest(AsyncBoltRequest):
    """Bolt's request, with a form body parsed by its fields rather than by a substring."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        if self.mode != "http":
            return
        parsed = parse_body(self.raw_body, self.content_type)
        if parsed != self.body:
            self.body = parsed
            self.context = build_async_context(
                AsyncBoltContext(options.get("context") or {}), parsed
            )

    def to_copyable(self) -> FormSafeBoltRequest:
        return FormSafeBoltRequest(
            body=self.raw_body,
            query=self.query,
            headers=self.headers,
            context=self.context.to_copyable(),
            mode=self.mode,
        )


class SlackHttpServer:
    """Bolt's app on `host:port` at `path`, the Request URL of events, commands and clicks."""

    def __init__(self, app: AsyncApp, host: str, port: int, path: str) -> None:
        self.app = app
        self.host, self.port, self.path = host, port, path
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
        """Hand one signed request to Bolt and return Bolt's answer."""
        bolt_request = FormSafeBoltRequest(
            body=await request.text(),
            query=request.query_string,
            headers=request.headers,
        )
        bolt_response = await self.app.async_dispatch(bolt_request)
        response: web.Response = await to_aiohttp_response(bolt_response)
        return response

    async def stop(self) -> None:
        """Stop taking requests; requests in flight finish first."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
