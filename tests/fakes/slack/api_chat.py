"""Web API methods that write messages: `chat.*` and `reactions.add`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .api_core import ApiContext, ApiError
from .blocks import validate_message_blocks
from .ids import next_ts
from .state import Channel, JsonDict, StoredMessage, Workspace

MAX_TEXT_LENGTH = 40_000
_REACTION_NAME = re.compile(r"^[a-z0-9_+'\-]+(::skin-tone-[2-6])?$")


@dataclass(frozen=True)
class Content:
    """What a message says: text, blocks, attachments and metadata, validated."""

    text: str
    blocks: list[JsonDict] | None
    attachments: list[JsonDict] | None
    metadata: JsonDict | None


def read_content(ctx: ApiContext) -> Content:
    """Read and validate the message content arguments like Slack does."""
    args = ctx.args
    args.check_strings("channel", "text", "thread_ts", "ts", "user")
    blocks = args.json("blocks", "invalid_blocks_format")
    if blocks is not None:
        errors = validate_message_blocks(blocks)
        if errors:
            raise ApiError.with_messages("invalid_blocks", errors, errors=errors)
    attachments = args.json("attachments", "invalid_attachments")
    text = args.text("text") or ""
    if not text and not blocks and not attachments:
        raise ApiError("no_text")
    if len(text) > MAX_TEXT_LENGTH:
        raise ApiError("msg_too_long")
    return Content(text, blocks, attachments, _read_metadata(ctx))


def _read_metadata(ctx: ApiContext) -> JsonDict | None:
    metadata = ctx.args.json("metadata", "invalid_metadata_format")
    if metadata is None:
        return None
    if metadata == {}:
        return {}  # chat.update: an empty object removes the metadata.
    if not isinstance(metadata, dict) or not isinstance(metadata.get("event_type"), str):
        raise ApiError("invalid_metadata_format")
    if not isinstance(metadata.get("event_payload", {}), dict):
        raise ApiError("invalid_metadata_schema")
    return metadata


def bot_message(workspace: Workspace, channel: Channel, content: Content) -> StoredMessage:
    """Build a message authored by the app's bot user."""
    identity = workspace.identity
    ts = next_ts()
    return StoredMessage(
        channel=channel.id,
        ts=ts,
        text=content.text,
        user=identity.bot_user_id,
        team=identity.team_id,
        blocks=content.blocks,
        attachments=content.attachments,
        metadata=content.metadata or None,
        bot_id=identity.bot_id,
        app_id=identity.api_app_id,
        bot_profile={
            "id": identity.bot_id,
            "app_id": identity.api_app_id,
            "name": identity.bot_name,
            "icons": {"image_48": "https://avatars.example/bot_48.png"},
            "deleted": False,
            "updated": int(float(ts)),
            "team_id": identity.team_id,
        },
    )


def post_message(ctx: ApiContext) -> JsonDict:
    """chat.postMessage: post as the bot, optionally in (and broadcast from) a thread."""
    channel = ctx.message_target()
    message = bot_message(ctx.workspace, channel, read_content(ctx))
    _thread(ctx.workspace, message, ctx.args.text("thread_ts"), ctx.args.flag("reply_broadcast"))
    ctx.workspace.store(message)
    return {"ok": True, "channel": channel.id, "ts": message.ts, "message": _rendered(message)}


def _thread(workspace: Workspace, message: StoredMessage, ts: str | None, broadcast: bool) -> None:
    if ts is None:
        return
    parent = workspace.message(message.channel, ts)
    # A reply's ts names the thread it is in, as Slack resolves it.
    thread_ts = parent.thread_ts if parent and parent.is_reply and parent.thread_ts else ts
    message.thread_ts = thread_ts
    root = workspace.message(message.channel, thread_ts)
    message.parent_user_id = root.user if root else None
    if broadcast:
        message.subtype = "thread_broadcast"


def _rendered(message: StoredMessage) -> JsonDict:
    """Render a message as write methods echo it: without the thread summary."""
    return message.to_api(replies=[])


def update(ctx: ApiContext) -> JsonDict:
    """chat.update: edit a message the bot posted; blocks and metadata persist unless given."""
    channel = ctx.channel()
    message = ctx.workspace.message(channel.id, ctx.args.required("ts", "message_not_found"))
    if message is None:
        raise ApiError("message_not_found")
    if message.user != ctx.bot_user_id:
        raise ApiError("cant_update_message")
    content = read_content(ctx)
    message.text = content.text
    if content.blocks is not None:
        message.blocks = content.blocks or None
    if content.attachments is not None:
        message.attachments = content.attachments or None
    if content.metadata is not None:
        message.metadata = content.metadata or None
    message.edited = {"user": ctx.bot_user_id, "ts": next_ts()}
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": _rendered(message),
    }


def post_ephemeral(ctx: ApiContext) -> JsonDict:
    """chat.postEphemeral: show a message to one member of the channel."""
    channel = ctx.member_channel()
    user = ctx.args.required("user", "user_not_in_channel")
    if user not in channel.members:
        raise ApiError("user_not_in_channel")
    content = read_content(ctx)
    message_ts = next_ts()
    ctx.workspace.ephemerals.append(
        {
            "channel": channel.id,
            "user": user,
            "text": content.text,
            "blocks": content.blocks,
            "thread_ts": ctx.args.text("thread_ts"),
            "message_ts": message_ts,
        }
    )
    return {"ok": True, "message_ts": message_ts}


def get_permalink(ctx: ApiContext) -> JsonDict:
    """chat.getPermalink: link to a message (with the thread for replies)."""
    channel = ctx.channel()
    message = ctx.workspace.message(
        channel.id, ctx.args.required("message_ts", "message_not_found")
    )
    if message is None:
        raise ApiError("message_not_found")
    return {"ok": True, "channel": channel.id, "permalink": permalink(ctx.workspace, message)}


def permalink(workspace: Workspace, message: StoredMessage) -> str:
    """Return the permalink Slack gives a message."""
    domain = workspace.identity.team_domain
    link = f"https://{domain}.slack.com/archives/{message.channel}/p{message.ts.replace('.', '')}"
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={message.channel}"
    return link


def add_reaction(ctx: ApiContext) -> JsonDict:
    """reactions.add: the bot reacts to a message with an emoji."""
    if ctx.args.text("channel") is None or ctx.args.text("timestamp") is None:
        raise ApiError("no_item_specified")
    channel = ctx.channel()
    message = ctx.workspace.message(channel.id, ctx.args.required("timestamp"))
    if message is None:
        raise ApiError("message_not_found")
    name = (ctx.args.text("name") or "").strip(":")
    if not _REACTION_NAME.match(name):
        raise ApiError("invalid_name")
    _react(message, name, ctx.bot_user_id)
    return {"ok": True}


def _react(message: StoredMessage, name: str, user: str) -> None:
    reaction: dict[str, Any] | None = next(
        (r for r in message.reactions if r["name"] == name), None
    )
    if reaction is None:
        reaction = {"name": name, "users": [], "count": 0}
        message.reactions.append(reaction)
    if user in reaction["users"]:
        raise ApiError("already_reacted")
    reaction["users"].append(user)
    reaction["count"] += 1


METHODS = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.postEphemeral": post_ephemeral,
    "chat.getPermalink": get_permalink,
    "reactions.add": add_reaction,
}
