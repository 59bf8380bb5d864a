"""Web API methods that read conversations: `conversations.*` and `users.conversations`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .api_core import ApiContext, ApiError, Args, page_metadata, paginate
from .state import Channel, JsonDict, StoredMessage

_TYPE_OF = {"channel": "public_channel", "group": "private_channel", "im": "im"}
HISTORY_MAX_LIMIT = 999  # "specify a limit value under 1000"
REPLIES_MAX_LIMIT = 1000
LIST_MAX_LIMIT = 1000


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
    """conversations.history: the channel's messages, newest first, within latest/oldest.

    Thread replies are left out (broadcast ones stay); a page holds at most 999 messages.
    """
    channel = ctx.member_channel()
    window = TimeWindow.of(ctx.args)
    newest_first = list(reversed(ctx.workspace.history(channel.id)))
    in_window = [m for m in newest_first if window.holds(m.ts)]
    page, cursor = paginate(in_window, ctx.args, default_limit=100, max_limit=HISTORY_MAX_LIMIT)
    return {
        "ok": True,
        "messages": _render_all(ctx, page),
        "has_more": bool(cursor),
        "pin_count": 0,
        **page_metadata(cursor),
    }


def replies(ctx: ApiContext) -> JsonDict:
    """conversations.replies: a thread's parent, then its replies within latest/oldest.

    `ts` may name the parent or any reply: either way the whole thread answers. The parent
    leads the first page whatever the time window; later pages hold replies only.
    """
    channel = ctx.member_channel()
    ts = ctx.args.required("ts", "thread_not_found")
    window = TimeWindow.of(ctx.args)
    message = ctx.workspace.message(channel.id, ts)
    if message is not None and message.is_reply and message.thread_ts is not None:
        message = ctx.workspace.message(channel.id, message.thread_ts)
    if message is None:
        raise ApiError("thread_not_found")
    found = ctx.workspace.replies(channel.id, message.ts)
    thread = [message, *(m for m in found if window.holds(m.ts))]
    page, cursor = paginate(thread, ctx.args, default_limit=1000, max_limit=REPLIES_MAX_LIMIT)
    return {
        "ok": True,
        "messages": _render_all(ctx, page),
        "has_more": bool(cursor),
        **page_metadata(cursor),
    }


@dataclass(frozen=True)
class TimeWindow:
    """The `oldest`/`latest`/`inclusive` arguments: which message timestamps a read covers."""

    oldest: Decimal
    latest: Decimal | None  # None: up to now, which is every message there is
    inclusive: bool

    @classmethod
    def of(cls, args: Args) -> TimeWindow:
        """Read the window from a call's arguments, refusing timestamps like Slack does."""
        oldest = _timestamp(args.text("oldest"), "invalid_ts_oldest")
        latest = _timestamp(args.text("latest"), "invalid_ts_latest")
        return cls(oldest or Decimal(0), latest, args.flag("inclusive"))

    def holds(self, ts: str) -> bool:
        """Whether a message with this ts is inside the window (the ends only when inclusive)."""
        at = Decimal(ts)
        after_oldest = at >= self.oldest if self.inclusive else at > self.oldest
        if self.latest is None:
            return after_oldest
        before_latest = at <= self.latest if self.inclusive else at < self.latest
        return after_oldest and before_latest


def _timestamp(value: str | None, error: str) -> Decimal | None:
    if value is None:
        return None
    try:
        at = Decimal(value)
    except InvalidOperation as exc:
        raise ApiError(error) from exc
    if not at.is_finite() or at < 0:
        raise ApiError(error)
    return at


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


def conversations_list(ctx: ApiContext) -> JsonDict:
    """conversations.list: the conversations of `types` the bot can see; its own DMs for `im`.

    Public and private channels are listed whether or not the bot is in them (private ones
    only when it is); a DM only when it is one of the bot's. A page holds at most 1,000.
    """
    types = _types(ctx.args.text("types"))
    found = [c for c in ctx.workspace.channels.values() if _visible(c, ctx.bot_user_id, types)]
    page, cursor = paginate(found, ctx.args, default_limit=100, max_limit=LIST_MAX_LIMIT)
    rendered = [c.to_api(ctx.bot_user_id) for c in page]
    return {"ok": True, "channels": rendered, **page_metadata(cursor)}


def _types(given: str | None) -> set[str]:
    types = {t.strip() for t in (given or "public_channel").split(",") if t.strip()}
    if not types <= {*_TYPE_OF.values(), "mpim"}:
        raise ApiError("invalid_types")
    return types


def _visible(channel: Channel, bot: str, types: set[str]) -> bool:
    if _TYPE_OF[channel.channel_type] not in types:
        return False
    return channel.channel_type == "channel" or bot in channel.members


def _listed(channel: Channel, user: str, types: set[str]) -> bool:
    return user in channel.members and _TYPE_OF[channel.channel_type] in types


METHODS = {
    "conversations.info": info,
    "conversations.list": conversations_list,
    "conversations.members": members,
    "conversations.history": history,
    "conversations.replies": replies,
    "conversations.join": join,
    "users.conversations": user_conversations,
}
