"""Channel, message, thread, reaction and DM endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import unquote

from . import errors, messages, payloads, reactions, threads
from .messages import SentMessage
from .payloads import Payload
from .permissions import Permission
from .rest import NO_CONTENT, ApiRequest, Reply, RestContext, Route, created, ok
from .state import THREAD_TYPES

MAX_HISTORY = 100


def _draft(ctx: RestContext, req: ApiRequest) -> messages.Draft:
    """Describe what the bot asked to post."""
    return messages.Draft(ctx.state.bot, req.body, req.files)


def _target(
    ctx: RestContext, req: ApiRequest, permission: Permission | None = None
) -> tuple[Payload, Payload]:
    """Return the channel (checked like Discord) and the message a message route names."""
    channel = ctx.state.require(req.params["channel_id"], permission)
    return channel, ctx.state.message(channel["id"], req.params["message_id"])


async def get_channel(ctx: RestContext, req: ApiRequest) -> Reply:
    """GET /channels/{channel_id}."""
    return ok(ctx.state.require(req.params["channel_id"]))


async def get_messages(ctx: RestContext, req: ApiRequest) -> Reply:
    """GET /channels/{channel_id}/messages with limit, before, after or around."""
    channel = ctx.state.require(req.params["channel_id"])
    limit = int(req.query.get("limit", 50))
    if not 1 <= limit <= MAX_HISTORY:
        raise errors.invalid_form_body("limit", "NUMBER_TYPE_MAX", "Must be between 1 and 100.")
    if not ctx.state.bot_can(channel, Permission.READ_MESSAGE_HISTORY):
        return ok([])
    return ok(_page(ctx.state.channel_messages(channel["id"]), req.query, limit))


def _page(history: list[Payload], query: Mapping[str, str], limit: int) -> list[Payload]:
    """Select a page of history the way Discord does; pages are always newest first."""
    if "around" in query:
        pivot = int(query["around"])
        older = [m for m in history if int(m["id"]) < pivot]
        older = older[len(older) - limit // 2 :]
        newer = [m for m in history if int(m["id"]) >= pivot][: limit - len(older)]
        return list(reversed(older + newer))
    if "after" in query:
        return list(reversed([m for m in history if int(m["id"]) > int(query["after"])][:limit]))
    before = int(query.get("before") or 1 << 63)
    return list(reversed([m for m in history if int(m["id"]) < before][-limit:]))


async def get_message(ctx: RestContext, req: ApiRequest) -> Reply:
    """GET /channels/{channel_id}/messages/{message_id}."""
    return ok(_target(ctx, req, Permission.READ_MESSAGE_HISTORY)[1])


async def create_message(ctx: RestContext, req: ApiRequest) -> Reply:
    """POST /channels/{channel_id}/messages (JSON or multipart)."""
    channel = ctx.state.channel(req.params["channel_id"])
    if channel["type"] == payloads.GUILD_FORUM:
        raise errors.bad_request(50008, "Cannot send messages in a non-text channel")
    needed = (
        Permission.SEND_MESSAGES_IN_THREADS
        if channel["type"] in THREAD_TYPES
        else Permission.SEND_MESSAGES
    )
    ctx.state.require(channel["id"], needed)
    if req.files:
        ctx.state.require(channel["id"], Permission.ATTACH_FILES)
    message = messages.compose(ctx.state, channel, _draft(ctx, req))
    ctx.sent.append(SentMessage(channel["id"], message, req.body, req.files))
    await ctx.dispatch("MESSAGE_CREATE", messages.gateway_view(ctx.state, message))
    return ok(message)


async def edit_message(ctx: RestContext, req: ApiRequest) -> Reply:
    """PATCH /channels/{channel_id}/messages/{message_id}: only the bot's own messages."""
    message = _target(ctx, req)[1]
    if message["author"]["id"] != ctx.state.bot["id"]:
        raise errors.DiscordError(403, 50005, "Cannot edit a message authored by another user")
    messages.edit(ctx.state, message, req.body, req.files)
    await ctx.dispatch("MESSAGE_UPDATE", messages.gateway_view(ctx.state, message))
    return ok(message)


async def delete_message(ctx: RestContext, req: ApiRequest) -> Reply:
    """DELETE /channels/{channel_id}/messages/{message_id}: own messages, or MANAGE_MESSAGES."""
    channel, message = _target(ctx, req)
    if message["author"]["id"] != ctx.state.bot["id"]:
        ctx.state.require(channel["id"], Permission.MANAGE_MESSAGES)
    del ctx.state.messages[channel["id"]][message["id"]]
    await ctx.dispatch("MESSAGE_DELETE", messages.deleted_event(ctx.state, message))
    return NO_CONTENT


async def start_thread_from_message(ctx: RestContext, req: ApiRequest) -> Reply:
    """POST /channels/{channel_id}/messages/{message_id}/threads."""
    channel, message = _target(ctx, req, Permission.CREATE_PUBLIC_THREADS)
    thread = threads.from_message(ctx.state, channel, message, req.body)
    await ctx.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
    return created(thread)


async def start_thread(ctx: RestContext, req: ApiRequest) -> Reply:
    """POST /channels/{channel_id}/threads: a forum post, or a thread without a message."""
    channel = ctx.state.channel(req.params["channel_id"])
    if channel["type"] != payloads.GUILD_FORUM:
        ctx.state.require(channel["id"], _thread_permission(req.body))
        thread = threads.in_channel(ctx.state, channel, req.body)
        await ctx.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return created(thread)
    ctx.state.require(channel["id"], Permission.SEND_MESSAGES)
    thread, starter = threads.forum_post(ctx.state, channel, _draft(ctx, req))
    ctx.sent.append(SentMessage(thread["id"], starter, req.body.get("message") or {}, req.files))
    await ctx.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
    await ctx.dispatch("MESSAGE_CREATE", messages.gateway_view(ctx.state, starter))
    return created({**thread, "message": starter})


def _thread_permission(body: Payload) -> Permission:
    if int(body.get("type") or payloads.PRIVATE_THREAD) == payloads.PRIVATE_THREAD:
        return Permission.CREATE_PRIVATE_THREADS
    return Permission.CREATE_PUBLIC_THREADS


async def add_reaction(ctx: RestContext, req: ApiRequest) -> Reply:
    """PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me."""
    channel, message = _target(ctx, req, Permission.ADD_REACTIONS)
    emoji_name = unquote(req.params["emoji"])
    if reactions.react(ctx.state, message, emoji_name, ctx.state.bot["id"]):
        await ctx.dispatch(
            "MESSAGE_REACTION_ADD", _reaction_event(ctx, channel, message, emoji_name)
        )
    return NO_CONTENT


async def remove_reaction(ctx: RestContext, req: ApiRequest) -> Reply:
    """DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me."""
    channel, message = _target(ctx, req)
    emoji_name = unquote(req.params["emoji"])
    if reactions.unreact(ctx.state, message, emoji_name, ctx.state.bot["id"]):
        event = _reaction_event(ctx, channel, message, emoji_name)
        event.pop("member", None)
        event.pop("message_author_id", None)
        await ctx.dispatch("MESSAGE_REACTION_REMOVE", event)
    return NO_CONTENT


def _reaction_event(
    ctx: RestContext, channel: Payload, message: Payload, emoji_name: str
) -> Payload:
    guild_id = channel.get("guild_id")
    member = None if guild_id is None else ctx.state.member(guild_id, ctx.state.bot["id"])
    return payloads.reaction_add(
        user_id=int(ctx.state.bot["id"]),
        channel_id=int(channel["id"]),
        message_id=int(message["id"]),
        emoji_name=emoji_name,
        guild_id=None if guild_id is None else int(guild_id),
        member=member,
        message_author_id=int(message["author"]["id"]),
    )


async def trigger_typing(ctx: RestContext, req: ApiRequest) -> Reply:
    """POST /channels/{channel_id}/typing."""
    ctx.state.require(req.params["channel_id"], Permission.SEND_MESSAGES)
    return NO_CONTENT


async def join_thread(ctx: RestContext, req: ApiRequest) -> Reply:
    """PUT /channels/{channel_id}/thread-members/@me."""
    thread = ctx.state.require(req.params["channel_id"])
    if thread["type"] not in THREAD_TYPES:
        raise errors.bad_request(50024, "Cannot execute action on this channel type")
    return NO_CONTENT


async def open_dm(ctx: RestContext, req: ApiRequest) -> Reply:
    """POST /users/@me/channels: the bot's DM channel with `recipient_id`."""
    recipient = req.body.get("recipient_id")
    if recipient is None:
        raise errors.invalid_form_body(
            "recipient_id", "BASE_TYPE_REQUIRED", "This field is required"
        )
    return ok(ctx.state.open_dm(recipient))


MESSAGE = "/channels/{channel_id}/messages/{message_id}"
OWN_REACTION = MESSAGE + "/reactions/{emoji}/@me"

ROUTES = [
    Route("GET", "/channels/{channel_id}", get_channel),
    Route("GET", "/channels/{channel_id}/messages", get_messages),
    Route("POST", "/channels/{channel_id}/messages", create_message),
    Route("GET", MESSAGE, get_message),
    Route("PATCH", MESSAGE, edit_message),
    Route("DELETE", MESSAGE, delete_message),
    Route("POST", MESSAGE + "/threads", start_thread_from_message),
    Route("POST", "/channels/{channel_id}/threads", start_thread),
    Route("PUT", OWN_REACTION, add_reaction),
    Route("DELETE", OWN_REACTION, remove_reaction),
    Route("POST", "/channels/{channel_id}/typing", trigger_typing),
    Route("PUT", "/channels/{channel_id}/thread-members/@me", join_thread),
    Route("POST", "/users/@me/channels", open_dm),
]
