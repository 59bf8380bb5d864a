"""The Web API front door: read a call as slack_sdk sends it, authorize it, route it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from . import api_chat, api_conversations, api_workspace
from .api_core import ApiContext, ApiError, Args, Links
from .ids import AppIdentity
from .state import JsonDict, Workspace

Handler = Callable[[ApiContext], JsonDict]

METHODS: dict[str, Handler] = {
    **api_chat.METHODS,
    **api_conversations.METHODS,
    **api_workspace.METHODS,
}
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_arguments(request: web.Request) -> dict[str, Any]:
    """Merge the query string and the body (JSON, form or multipart), as Slack accepts them."""
    args: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return args
    if request.content_type == "application/json":
        body = json.loads(await request.text())
        if not isinstance(body, dict):
            raise ApiError("invalid_json")
        args.update(body)
    elif request.content_type in _FORM_TYPES:
        args.update({key: value for key, value in (await request.post()).items()})
    return args


def take_token(request: web.Request, args: dict[str, Any]) -> str | None:
    """Return the token of the call: the `Authorization: Bearer` header or a `token` argument."""
    token = args.pop("token", None)
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None if token is None else str(token)


def call_method(
    workspace: Workspace, links: Links, method: str, args: dict[str, Any], token: str | None
) -> JsonDict:
    """Run one Web API method and return its JSON answer (`ok: false` on failure)."""
    handler = METHODS.get(method)
    if handler is None:
        return {"ok": False, "error": "unknown_method", "req_method": method}
    try:
        _authorize(workspace.identity, method, token)
        return handler(ApiContext(workspace, Args(args), links))
    except ApiError as error:
        return error.to_payload()


def _authorize(identity: AppIdentity, method: str, token: str | None) -> None:
    if not token:
        raise ApiError("not_authed")
    expected = identity.app_token if method in APP_TOKEN_METHODS else identity.bot_token
    if token == expected:
        return
    if token in (identity.app_token, identity.bot_token):
        raise ApiError("not_allowed_token_type")
    raise ApiError("invalid_auth")


def recorded_arguments(args: dict[str, Any]) -> dict[str, Any]:
    """Return the arguments for the call record, with JSON strings (blocks, view...) decoded."""
    return {key: _decoded(value) for key, value in args.items()}


def _decoded(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value
