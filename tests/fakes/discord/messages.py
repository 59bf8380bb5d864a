"""Compose, validate, edit and present messages the way Discord's message resource does."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence

from . import errors, payloads
from .payloads import Payload
from .snowflakes import iso8601
from .state import THREAD_TYPES, DiscordState

MAX_CONTENT = 2000
MAX_EMBEDS = 10
# Only these flags may be set when sending (message object › message flags).
SENDABLE_FLAGS = (1 << 2) | payloads.EPHEMERAL | (1 << 12) | (1 << 13) | (1 << 15)

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


@dataclasses.dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (`files[n]`)."""

    field: str
    filename: str
    content_type: str
    data: bytes

    @property
    def index(self) -> str:
        """Return `n` of the `files[n]` field, which `attachments[].id` refers to."""
        return self.field.removeprefix("files[").removesuffix("]")


@dataclasses.dataclass(frozen=True)
class Draft:
    """What an author asks to post: a create-message body and its uploaded files."""

    author: Payload
    body: Payload
    files: Sequence[UploadedFile] = ()


@dataclasses.dataclass
class SentMessage:
    """A message the bot created over REST, with the request that created it."""

    channel_id: str
    message: Payload
    body: Payload
    files: tuple[UploadedFile, ...] = ()

    @property
    def content(self) -> str:
        """Return the message's current content."""
        return str(self.message["content"])

    @property
    def allowed_mentions(self) -> Payload | None:
        """Return the `allowed_mentions` the bot sent, if any."""
        return self.body.get("allowed_mentions")


def validate(body: Payload, files: Sequence[UploadedFile]) -> None:
    """Refuse what Discord refuses: over-long content, too many embeds, an empty message."""
    content = body.get("content") or ""
    if len(content) > MAX_CONTENT:
        raise errors.too_long("content", MAX_CONTENT)
    embeds = body.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        raise errors.too_long("embeds", MAX_EMBEDS)
    parts = (
        content,
        embeds,
        body.get("components"),
        files,
        body.get("sticker_ids"),
        body.get("poll"),
    )
    if not any(parts):
        raise errors.bad_request(50006, "Cannot send an empty message")


def compose(state: DiscordState, channel: Payload, draft: Draft) -> Payload:
    """Build and store a message from a create-message body."""
    return store(state, channel, build(state, channel, draft))


def build(state: DiscordState, channel: Payload, draft: Draft) -> Payload:
    """Validate a create-message body and build the message it describes (not stored)."""
    body, files = draft.body, draft.files
    validate(body, files)
    replied = _replied_message(state, channel, body.get("message_reference"))
    message = payloads.message(
        id=state.ids.next(),
        channel_id=int(channel["id"]),
        author=draft.author,
        content=body.get("content") or "",
        type=payloads.REPLY if replied else payloads.DEFAULT_MESSAGE,
        embeds=body.get("embeds") or [],
        components=body.get("components") or [],
        flags=int(body.get("flags") or 0) & SENDABLE_FLAGS,
    )
    message["attachments"] = _attachments(state, message, body, files)
    _apply_mentions(state, message, body.get("allowed_mentions"), replied)
    if replied is not None:
        message["message_reference"] = _reference(state, replied)
        message["referenced_message"] = replied
    if body.get("nonce") is not None:
        message["nonce"] = body["nonce"]
    return message


def store(state: DiscordState, channel: Payload, message: Payload) -> Payload:
    """Keep a message in its channel and update the channel's counters."""
    state.messages[channel["id"]][message["id"]] = message
    channel["last_message_id"] = message["id"]
    if channel["type"] in THREAD_TYPES:
        channel["message_count"] += 1
        channel["total_message_sent"] += 1
    return message


def edit(
    state: DiscordState, message: Payload, body: Payload, files: Sequence[UploadedFile] = ()
) -> Payload:
    """Apply an edit-message body to a stored message."""
    content = body.get("content")
    if content is not None and len(content) > MAX_CONTENT:
        raise errors.too_long("content", MAX_CONTENT)
    for field in ("content", "embeds", "components"):
        if field in body:
            message[field] = body[field] if body[field] is not None else _empty(field)
    if "flags" in body and body["flags"] is not None:
        message["flags"] = int(body["flags"]) & SENDABLE_FLAGS | (
            message["flags"] & ~SENDABLE_FLAGS
        )
    if "attachments" in body or files:
        kept = _kept_attachments(message, body)
        message["attachments"] = kept + _attachments(state, message, body, files)
    if "content" in body or "allowed_mentions" in body:
        _apply_mentions(state, message, body.get("allowed_mentions"), None)
    message["edited_timestamp"] = iso8601(dt.datetime.now(dt.UTC))
    return message


def gateway_view(state: DiscordState, message: Payload) -> Payload:
    """Add what MESSAGE_CREATE/UPDATE carry beyond REST: guild_id, member, mention members."""
    channel = state.channels[message["channel_id"]]
    record = state.guild_of(channel)
    if record is None:
        return dict(message)
    view = {**message, "guild_id": record.id}
    author = record.members.get(message["author"]["id"])
    if author is not None and "webhook_id" not in message:
        view["member"] = payloads.partial_member(author)
    view["mentions"] = [_with_member(record.members.get(u["id"]), u) for u in message["mentions"]]
    return view


def deleted_event(state: DiscordState, message: Payload) -> Payload:
    """Build the MESSAGE_DELETE fields for a message."""
    event: Payload = {"id": message["id"], "channel_id": message["channel_id"]}
    record = state.guild_of(state.channels[message["channel_id"]])
    if record is not None:
        event["guild_id"] = record.id
    return event


def _with_member(member: Payload | None, user: Payload) -> Payload:
    return user if member is None else {**user, "member": payloads.partial_member(member)}


def _empty(field: str) -> str | list[Payload]:
    return "" if field == "content" else []


def _replied_message(
    state: DiscordState, channel: Payload, reference: Payload | None
) -> Payload | None:
    if not reference or reference.get("message_id") is None:
        return None
    channel_id = reference.get("channel_id") or channel["id"]
    found = state.messages.get(str(channel_id), {}).get(str(reference["message_id"]))
    if found is None and reference.get("fail_if_not_exists", True):
        raise errors.invalid_form_body(
            "message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
        )
    return found


def _reference(state: DiscordState, replied: Payload) -> Payload:
    record = state.guild_of(state.channels[replied["channel_id"]])
    return payloads.message_reference(
        message_id=int(replied["id"]),
        channel_id=int(replied["channel_id"]),
        guild_id=None if record is None else int(record.id),
    )


def _apply_mentions(
    state: DiscordState, message: Payload, allowed: Payload | None, replied: Payload | None
) -> None:
    """Resolve mentions in the content, filtered by `allowed_mentions` as Discord does."""
    content = message["content"]
    parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse", []))
    users = {str(u) for u in (allowed or {}).get("users", [])}
    roles = {str(r) for r in (allowed or {}).get("roles", [])}
    user_ids = [
        u for u in dict.fromkeys(_USER_MENTION.findall(content)) if "users" in parse or u in users
    ]
    if replied is not None and (allowed is None or allowed.get("replied_user")):
        user_ids.append(replied["author"]["id"])
    message["mentions"] = [state.users[u] for u in dict.fromkeys(user_ids) if u in state.users]
    role_ids = dict.fromkeys(_ROLE_MENTION.findall(content))
    message["mention_roles"] = [r for r in role_ids if "roles" in parse or r in roles]
    shouts = "@everyone" in content or "@here" in content
    message["mention_everyone"] = shouts and "everyone" in parse


def _attachments(
    state: DiscordState, message: Payload, body: Payload, files: Sequence[UploadedFile]
) -> list[Payload]:
    described = {str(a.get("id")): a for a in body.get("attachments") or []}
    made = []
    for upload in files:
        meta = described.get(upload.index, {})
        filename = meta.get("filename") or upload.filename
        attachment_id = state.ids.next()
        path = f"/attachments/{message['channel_id']}/{attachment_id}/{filename}"
        state.blobs[path] = upload.data
        made.append(
            payloads.attachment(
                id=attachment_id,
                filename=filename,
                size=len(upload.data),
                url=state.base_url + path,
                content_type=upload.content_type,
            )
        )
    return made


def _kept_attachments(message: Payload, body: Payload) -> list[Payload]:
    kept = {str(a.get("id")) for a in body.get("attachments") or []}
    return [a for a in message["attachments"] if a["id"] in kept]
