"""Web API methods that read conversations: `conversations.*` and `users.conversations`."""

from __future__ import annotations

from .api_core import ApiContext, ApiError, page_metadata, paginate
from .state import Channel, JsonDict, StoredMessage

_TYPE_OF = {"channel": "public_channel", "group": "private_channel", "im": "im"}


def info(ctx: ApiContext) -> JsonDict:
    """conversations.info: describe a conversation as the bot sees it."""
    channel = ctx.channel()
    include_count = ctx.args.flag("include_num_members")
    return {"ok": True, "channel": channel.to_api(ctx.bot_user_id, include_count)}


def members(ctx: ApiContext) -> JsonDict:
    """conversations.members: page through a conversation's member ids."""
    channel = ctx.channel()
    page, cursor = paginate(sorted(channel.members), ctx.args, default_limit=100)
    return {"ok": True, "members": page, **page_metadata(cursor)}


def history(ctx: ApiContext) -> JsonDict:
    """conversations.history: the channel's messages, newest first, within latest/oldest."""
    channel = ctx.member_channel()
    newest_first = list(reversed(ctx.workspace.history(channel.id)))
    window = [m for m in newest_first if _in_window(ctx, m)]
    page, cursor = paginate(window, ctx.args, default_limit=100)
    return {
        "ok": True,
        "messages": _render_all(ctx, page),
        "has_more": bool(cursor),
        "pin_count": 0,
        **page_metadata(cursor),
    }


def _in_window(ctx: ApiContext, message: StoredMessage) -> bool:
    ts = float(message.ts)
    latest = float(ctx.args.text("latest") or "inf")
    oldest = float(ctx.args.text("oldest") or "0")
    if ctx.args.flag("inclusive"):
        return oldest <= ts <= latest
    return oldest < ts < latest


def replies(ctx: ApiContext) -> JsonDict:
    """conversations.replies: a thread's parent then its replies, oldest first."""
    channel = ctx.member_channel()
    message = ctx.workspace.message(channel.id, ctx.args.required("ts", "thread_not_found"))
    if message is None:
        raise ApiError("thread_not_found")
    thread = [message]
    if not message.is_reply:
        thread += ctx.workspace.replies(channel.id, message.ts)
    page, cursor = paginate(thread, ctx.args, default_limit=1000)
    return {
        "ok": True,
        "messages": _render_all(ctx, page),
        "has_more": bool(cursor),
        **page_metadata(cursor),
    }


def _render_all(ctx: ApiContext, messages: list[StoredMessage]) -> list[JsonDict]:
    metadata = ctx.args.flag("include_all_metadata")
    return [ctx.workspace.render(m, include_metadata=metadata) for m in messages]


def join(ctx: ApiContext) -> JsonDict:
    """conversations.join: the bot joins a public channel."""
    channel = ctx.channel()
    if channel.is_im or channel.is_private:
        raise ApiError("method_not_supported_for_channel_type")
    answer: JsonDict = {"ok": True}
    if ctx.bot_user_id in channel.members:
        answer.update(warning="already_in_channel")
        answer["response_metadata"] = {"warnings": ["already_in_channel"]}
    channel.members.add(ctx.bot_user_id)
    return {**answer, "channel": channel.to_api(ctx.bot_user_id)}


def user_conversations(ctx: ApiContext) -> JsonDict:
    """users.conversations: the conversations a user (by default the bot) is a member of."""
    user = ctx.args.text("user") or ctx.bot_user_id
    if user not in ctx.workspace.users:
        raise ApiError("user_not_found")
    types = set((ctx.args.text("types") or "public_channel").split(","))
    found = [c for c in ctx.workspace.channels.values() if _listed(c, user, types)]
    page, cursor = paginate(found, ctx.args, default_limit=100)
    return {"ok": True, "channels": [c.to_api(user) for c in page], **page_metadata(cursor)}


def _listed(channel: Channel, user: str, types: set[str]) -> bool:
    return user in channel.members and _TYPE_OF[channel.channel_type] in types


METHODS = {
    "conversations.info": info,
    "conversations.members": members,
    "conversations.history": history,
    "conversations.replies": replies,
    "conversations.join": join,
    "users.conversations": user_conversations,
}
