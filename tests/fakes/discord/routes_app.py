"""User, application, gateway, guild, application command, interaction and webhook endpoints."""

from __future__ import annotations

import re

from . import errors, payloads
from .interactions import InteractionRecord
from .payloads import Payload
from .rest import NO_CONTENT, ApiRequest, Reply, RestContext, Route, created, ok
from .state import THREAD_TYPES

_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
_CHAT_INPUT = 1


async def get_current_user(ctx: RestContext, _: ApiRequest) -> Reply:
    """GET /users/@me."""
    return ok(payloads.current_user(ctx.state.bot))


async def get_user(ctx: RestContext, req: ApiRequest) -> Reply:
    """GET /users/{user_id}."""
    return ok(ctx.state.user(req.params["user_id"]))


async def get_application(ctx: RestContext, _: ApiRequest) -> Reply:
    """GET /oauth2/applications/@me and GET /applications/@me."""
    return ok(ctx.state.application)


async def get_gateway(ctx: RestContext, _: ApiRequest) -> Reply:
    """GET /gateway."""
    return ok({"url": ctx.gateway_url})


async def get_gateway_bot(ctx: RestContext, _: ApiRequest) -> Reply:
    """GET /gateway/bot."""
    limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
    return ok({"url": ctx.gateway_url, "shards": 1, "session_start_limit": limit})


async def get_guild(ctx: RestContext, req: ApiRequest) -> Reply:
    """GET /guilds/{guild_id}."""
    return ok(ctx.state.guild(req.params["guild_id"]).data)


async def get_guild_channels(ctx: RestContext, req: ApiRequest) -> Reply:
    """GET /guilds/{guild_id}/channels (threads are not listed)."""
    record = ctx.state.guild(req.params["guild_id"])
    return ok([c for c in ctx.state.channels_of(record) if c["type"] not in THREAD_TYPES])


async def get_guild_member(ctx: RestContext, req: ApiRequest) -> Reply:
    """GET /guilds/{guild_id}/members/{user_id}."""
    return ok(ctx.state.member(req.params["guild_id"], req.params["user_id"]))


async def get_guild_roles(ctx: RestContext, req: ApiRequest) -> Reply:
    """GET /guilds/{guild_id}/roles."""
    return ok(ctx.state.guild(req.params["guild_id"]).data["roles"])


# -- application commands ------------------------------------------------------------------


def _scope(ctx: RestContext, req: ApiRequest) -> str | None:
    """Return the guild id of a guild-command route (None for global), checking ids."""
    if req.params["application_id"] != ctx.state.application_id:
        raise errors.unknown("Application", 10002)
    guild_id = req.params.get("guild_id")
    if guild_id is not None:
        ctx.state.guild(guild_id)
    return guild_id


def _check_command(body: Payload, prefix: str) -> None:
    name = str(body.get("name") or "")
    kind = int(body.get("type") or _CHAT_INPUT)
    if kind == _CHAT_INPUT and (not _COMMAND_NAME.match(name) or name != name.lower()):
        raise errors.invalid_form_body(
            prefix + "name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
        )
    if kind == _CHAT_INPUT and not 1 <= len(str(body.get("description") or "")) <= 100:
        raise errors.bad_length(prefix + "description", 1, 100)


async def get_commands(ctx: RestContext, req: ApiRequest) -> Reply:
    """GET /applications/{application_id}[/guilds/{guild_id}]/commands."""
    return ok(list(ctx.state.commands.get(_scope(ctx, req), {}).values()))


async def put_commands(ctx: RestContext, req: ApiRequest) -> Reply:
    """PUT …/commands: replace every command of the scope (what `CommandTree.sync` does)."""
    scope = _scope(ctx, req)
    bodies = req.json if isinstance(req.json, list) else []
    for index, body in enumerate(bodies):
        _check_command(body, f"{index}.")
    return ok(ctx.state.put_commands(scope, bodies))


async def post_command(ctx: RestContext, req: ApiRequest) -> Reply:
    """POST …/commands: create or overwrite one command (201 when new)."""
    scope = _scope(ctx, req)
    _check_command(req.body, "")
    existing = ctx.state.commands.get(scope, {})
    key = (int(req.body.get("type") or _CHAT_INPUT), str(req.body["name"]))
    others = [c for k, c in existing.items() if k != key]
    stored = ctx.state.put_commands(scope, [*others, req.body])
    made = next(c for c in stored if (c["type"], c["name"]) == key)
    return ok(made) if key in existing else created(made)


# -- interactions and their webhooks -------------------------------------------------------


async def interaction_callback(ctx: RestContext, req: ApiRequest) -> Reply:
    """POST /interactions/{interaction_id}/{token}/callback."""
    record = ctx.interactions.by_callback(req.params["interaction_id"], req.params["token"])
    response = await ctx.interactions.callback(record, req.body, req.files)
    if req.query.get("with_response", "").lower() in ("1", "true"):
        return ok(response)
    return NO_CONTENT


def _webhook(ctx: RestContext, req: ApiRequest) -> InteractionRecord:
    return ctx.interactions.by_webhook(req.params["application_id"], req.params["token"])


async def create_followup(ctx: RestContext, req: ApiRequest) -> Reply:
    """POST /webhooks/{application_id}/{token}: a follow-up message (`wait` is always true)."""
    record = _webhook(ctx, req)
    return ok(await ctx.interactions.followup(record, req.body, req.files))


async def get_webhook_message(ctx: RestContext, req: ApiRequest) -> Reply:
    """GET /webhooks/{application_id}/{token}/messages/{message_id|@original}."""
    record = _webhook(ctx, req)
    return ok(ctx.interactions.find(record, req.params["message_id"]))


async def edit_webhook_message(ctx: RestContext, req: ApiRequest) -> Reply:
    """PATCH /webhooks/{application_id}/{token}/messages/{message_id|@original}."""
    record = _webhook(ctx, req)
    message = ctx.interactions.find(record, req.params["message_id"])
    return ok(await ctx.interactions.edit(record, message, req.body, req.files))


async def delete_webhook_message(ctx: RestContext, req: ApiRequest) -> Reply:
    """DELETE /webhooks/{application_id}/{token}/messages/{message_id|@original}."""
    record = _webhook(ctx, req)
    await ctx.interactions.delete(record, ctx.interactions.find(record, req.params["message_id"]))
    return NO_CONTENT


GLOBAL_COMMANDS = "/applications/{application_id}/commands"
GUILD_COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"
WEBHOOK = "/webhooks/{application_id}/{token}"
WEBHOOK_MESSAGE = WEBHOOK + "/messages/{message_id}"

ROUTES = [
    Route("GET", "/users/@me", get_current_user),
    Route("GET", "/users/{user_id}", get_user),
    Route("GET", "/oauth2/applications/@me", get_application),
    Route("GET", "/applications/@me", get_application),
    Route("GET", "/gateway", get_gateway, auth=False),
    Route("GET", "/gateway/bot", get_gateway_bot),
    Route("GET", "/guilds/{guild_id}", get_guild),
    Route("GET", "/guilds/{guild_id}/channels", get_guild_channels),
    Route("GET", "/guilds/{guild_id}/members/{user_id}", get_guild_member),
    Route("GET", "/guilds/{guild_id}/roles", get_guild_roles),
    *(Route("GET", path, get_commands) for path in (GLOBAL_COMMANDS, GUILD_COMMANDS)),
    *(Route("PUT", path, put_commands) for path in (GLOBAL_COMMANDS, GUILD_COMMANDS)),
    *(Route("POST", path, post_command) for path in (GLOBAL_COMMANDS, GUILD_COMMANDS)),
    Route(
        "POST", "/interactions/{interaction_id}/{token}/callback", interaction_callback, auth=False
    ),
    Route("POST", WEBHOOK, create_followup, auth=False),
    Route("GET", WEBHOOK_MESSAGE, get_webhook_message, auth=False),
    Route("PATCH", WEBHOOK_MESSAGE, edit_webhook_message, auth=False),
    Route("DELETE", WEBHOOK_MESSAGE, delete_webhook_message, auth=False),
]
