"""The REST side: routing, bot-token checks, faults, rate-limit headers, recording, errors.

Handlers are plain `async (RestContext, ApiRequest) -> Reply` functions listed in route tables;
this module turns them into aiohttp endpoints that answer like Discord: JSON bodies with the
exact `Content-Type: application/json` discord.py checks for, rate-limit headers, `Via`.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.typedefs import Middleware

from . import errors
from .gateway import Gateway
from .interactions import Interactions
from .messages import SentMessage, UploadedFile
from .payloads import Payload
from .ratelimits import VIA, Answer, RateLimits
from .recording import Call, CallLog
from .state import DiscordState

API_PREFIX = "/api/v10"
_MAJOR_PARAMETERS = ("channel_id", "guild_id", "token")


@dataclasses.dataclass
class RestContext:
    """What handlers may use: the world, the gateway, the records, the public base URL."""

    state: DiscordState
    gateway: Gateway
    interactions: Interactions
    limits: RateLimits
    log: CallLog
    changed: Callable[[], None]
    sent: list[SentMessage] = dataclasses.field(default_factory=list)
    gateway_url: str = ""

    async def dispatch(self, event: str, data: Payload) -> None:
        """Send a gateway event, as Discord does after most writes."""
        await self.gateway.dispatch(event, data)


@dataclasses.dataclass(frozen=True)
class ApiRequest:
    """A parsed REST request: path parameters, query, JSON (or `payload_json`) and files."""

    params: Mapping[str, str]
    query: Mapping[str, str]
    json: Any
    files: tuple[UploadedFile, ...] = ()

    @property
    def body(self) -> Payload:
        """Return the JSON body as an object (empty when there is none)."""
        return self.json if isinstance(self.json, dict) else {}


@dataclasses.dataclass(frozen=True)
class Reply:
    """A handler's answer."""

    status: int = 200
    body: Any = None


NO_CONTENT = Reply(204)
Handler = Callable[[RestContext, ApiRequest], Awaitable[Reply]]
AioHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclasses.dataclass(frozen=True)
class Route:
    """One endpoint: method, path template below `/api/v10`, handler, whether it needs the token."""

    method: str
    path: str
    handler: Handler
    auth: bool = True


def build_app(ctx: RestContext, routes: Sequence[Route]) -> web.Application:
    """Build the aiohttp application serving `routes` and Discord-style 404s."""
    app = web.Application(middlewares=[_unknown_routes(ctx)])
    for route in routes:
        endpoint = functools.partial(_endpoint, ctx, route)
        app.router.add_route(route.method, API_PREFIX + route.path, endpoint)
    app.router.add_get(
        "/attachments/{channel_id}/{attachment_id}/{filename}", functools.partial(_blob, ctx)
    )
    return app


def _unknown_routes(ctx: RestContext) -> Middleware:
    """Answer routes Discord does not have with its JSON 404/405 bodies."""

    @web.middleware
    async def middleware(request: web.Request, handler: AioHandler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPNotFound:
            failure = errors.not_found()
        except web.HTTPMethodNotAllowed:
            failure = errors.http_error(405, "Method Not Allowed")
        answer = Answer(failure.status, {}, failure.body)
        _record(ctx, request, "", ApiRequest({}, request.query, None), answer)
        return _response(answer)

    return middleware


async def _endpoint(ctx: RestContext, route: Route, request: web.Request) -> web.Response:
    api_request = await _parse(request)
    answer = await _answer(ctx, route, request, api_request)
    _record(ctx, request, route.path, api_request, answer)
    return _response(answer)


async def _answer(ctx: RestContext, route: Route, request: web.Request, api: ApiRequest) -> Answer:
    """Check the token, answer an injected fault or a rate limit, else run the handler."""
    if route.auth and request.headers.get("Authorization") != f"Bot {ctx.state.token}":
        failure = errors.unauthorized()
        return Answer(failure.status, {}, failure.body)
    path = _api_path(request)
    fault = ctx.limits.take_fault(request.method, path, route.path)
    if fault is not None:
        return fault
    headers, limited = ctx.limits.count(request.method, route.path, _major(api.params))
    if limited is not None:
        return limited
    try:
        reply = await route.handler(ctx, api)
    except errors.DiscordError as failure:
        return Answer(failure.status, headers, failure.body)
    return Answer(reply.status, headers, reply.body)


async def _parse(request: web.Request) -> ApiRequest:
    if request.content_type.startswith("multipart/"):
        body, files = await _parse_multipart(request)
        return ApiRequest(request.match_info, request.query, body, files)
    text = await request.text()
    return ApiRequest(request.match_info, request.query, json.loads(text) if text else None)


async def _parse_multipart(request: web.Request) -> tuple[Any, tuple[UploadedFile, ...]]:
    """Read `payload_json` and the `files[n]` parts discord.py sends."""
    body: Any = None
    files: list[UploadedFile] = []
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        if part.name == "payload_json":
            body = json.loads(await part.text())
        else:
            data = bytes(await part.read())
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            files.append(UploadedFile(part.name, part.filename or part.name, content_type, data))
    return body, tuple(files)


def _record(
    ctx: RestContext, request: web.Request, route: str, api: ApiRequest, answer: Answer
) -> None:
    call = Call(
        method=request.method,
        path=_api_path(request),
        route=route,
        query=dict(request.query),
        json=api.json,
        files=api.files,
        status=answer.status,
        response=answer.body,
    )
    ctx.log.record(call)
    ctx.changed()


def _response(answer: Answer) -> web.Response:
    headers = {"Via": VIA, **answer.headers}
    if answer.body is None:
        return web.Response(status=answer.status, headers=headers)
    # discord.py parses JSON only when Content-Type is exactly "application/json".
    headers["Content-Type"] = "application/json"
    return web.Response(
        status=answer.status, headers=headers, body=json.dumps(answer.body).encode()
    )


def _api_path(request: web.Request) -> str:
    return request.path.removeprefix(API_PREFIX)


def _major(params: Mapping[str, str]) -> str:
    """Return the top-level resource id Discord scopes rate limits by."""
    return next((params[name] for name in _MAJOR_PARAMETERS if name in params), "")


async def _blob(ctx: RestContext, request: web.Request) -> web.Response:
    """Serve an uploaded attachment's bytes from its URL."""
    data = ctx.state.blobs.get(request.path)
    if data is None:
        raise web.HTTPNotFound()
    return web.Response(body=data)


def ok(body: Any) -> Reply:
    """Answer 200 with a JSON body."""
    return Reply(200, body)


def created(body: Any) -> Reply:
    """Answer 201 with a JSON body."""
    return Reply(201, body)
