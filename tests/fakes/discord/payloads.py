"""Build Discord API v10 objects with the fields Discord's documentation lists.

Every builder returns a plain JSON-ready dict (snowflakes as strings), so a test can tweak a
field before handing the payload to `FakeDiscord.dispatch` or `FakeDiscord.interact`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any, TypeAlias

from .snowflakes import snowflake_timestamp

Payload: TypeAlias = dict[str, Any]

# Channel types (Discord: channel object › channel types).
GUILD_TEXT = 0
DM = 1
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_FORUM = 15

# Message flags (message object › message flags).
HAS_THREAD = 1 << 5
EPHEMERAL = 1 << 6
LOADING = 1 << 7

# Message types.
DEFAULT_MESSAGE = 0
THREAD_CREATED = 18
REPLY = 19
CHAT_INPUT_COMMAND = 20

# Interaction types and application command option types.
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
MODAL_SUBMIT = 5
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING_OPTION = 3
USER_OPTION = 6
BUTTON = 2
STRING_SELECT = 3

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


def sid(value: int | str | None) -> str | None:
    """Render a snowflake as Discord sends it: a string (or null)."""
    return None if value is None else str(value)


def user(*, id: int, username: str, global_name: str | None = None, bot: bool = False) -> Payload:
    """Build a user object."""
    data: Payload = {
        "id": sid(id),
        "username": username,
        "discriminator": "0",
        "global_name": global_name,
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }
    if bot:
        data["bot"] = True
    return data


def current_user(bot_user: Payload) -> Payload:
    """Extend a user object with the fields `GET /users/@me` adds for the token owner."""
    return {**bot_user, "verified": True, "mfa_enabled": False, "locale": "en-US", "email": None}


def role(
    *,
    id: int,
    name: str,
    permissions: int = 0,
    position: int = 0,
    bot_id: int | None = None,
) -> Payload:
    """Build a role object; `bot_id` makes it the managed role of a bot."""
    data: Payload = {
        "id": sid(id),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": bot_id is not None,
        "mentionable": False,
        "flags": 0,
    }
    if bot_id is not None:
        data["tags"] = {"bot_id": sid(bot_id)}
    return data


def member(
    *,
    user: Payload,
    roles: Iterable[int],
    joined_at: str,
    nick: str | None = None,
    permissions: int | None = None,
) -> Payload:
    """Build a guild member; `permissions` is set only on interaction members."""
    data: Payload = {
        "user": user,
        "nick": nick,
        "avatar": None,
        "banner": None,
        "roles": [str(role_id) for role_id in roles],
        "joined_at": joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def partial_member(full_member: Payload) -> Payload:
    """Drop `user`, `deaf` and `mute`, as message and resolved members do."""
    return {k: v for k, v in full_member.items() if k not in ("user", "deaf", "mute")}


def guild(*, id: int, name: str, owner_id: int, roles: Sequence[Payload]) -> Payload:
    """Build a guild object (without the GUILD_CREATE extras)."""
    return {
        "id": sid(id),
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": sid(owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": list(roles),
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "max_members": 500000,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": False,
        "safety_alerts_channel_id": None,
    }


def unavailable_guild(guild_id: int) -> Payload:
    """Build the unavailable guild object READY lists."""
    return {"id": sid(guild_id), "unavailable": True}


def overwrite(*, id: int, type: int, allow: int = 0, deny: int = 0) -> Payload:
    """Build a permission overwrite (type 0 role, 1 member)."""
    return {"id": sid(id), "type": type, "allow": str(allow), "deny": str(deny)}


def _guild_channel(*, id: int, type: int, guild_id: int, name: str, position: int) -> Payload:
    return {
        "id": sid(id),
        "type": type,
        "guild_id": sid(guild_id),
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "last_pin_timestamp": None,
        "flags": 0,
    }


def text_channel(
    *, id: int, guild_id: int, name: str, position: int = 0, topic: str | None = None
) -> Payload:
    """Build a guild text channel (type 0)."""
    data = _guild_channel(id=id, type=GUILD_TEXT, guild_id=guild_id, name=name, position=position)
    return {**data, "topic": topic, "default_auto_archive_duration": 4320}


def forum_tag(*, id: int, name: str, moderated: bool = False) -> Payload:
    """Build a forum tag object."""
    return {
        "id": sid(id),
        "name": name,
        "moderated": moderated,
        "emoji_id": None,
        "emoji_name": None,
    }


def forum_channel(
    *, id: int, guild_id: int, name: str, tags: Sequence[Payload] = (), position: int = 0
) -> Payload:
    """Build a guild forum channel (type 15) with its available tags."""
    data = _guild_channel(id=id, type=GUILD_FORUM, guild_id=guild_id, name=name, position=position)
    return {
        **data,
        "topic": None,
        "available_tags": list(tags),
        "default_reaction_emoji": None,
        "default_thread_rate_limit_per_user": 0,
        "default_auto_archive_duration": 4320,
        "default_sort_order": None,
        "default_forum_layout": 0,
    }


def thread_channel(
    *,
    id: int,
    guild_id: int,
    parent_id: int,
    owner_id: int,
    name: str,
    type: int = PUBLIC_THREAD,
    auto_archive_duration: int = 4320,
    applied_tags: Iterable[int] = (),
) -> Payload:
    """Build a thread channel (type 11 public, 12 private) with its metadata."""
    created = snowflake_timestamp(id)
    metadata: Payload = {
        "archived": False,
        "auto_archive_duration": auto_archive_duration,
        "archive_timestamp": created,
        "locked": False,
        "create_timestamp": created,
    }
    if type == PRIVATE_THREAD:
        metadata["invitable"] = True
    return {
        "id": sid(id),
        "type": type,
        "guild_id": sid(guild_id),
        "parent_id": sid(parent_id),
        "owner_id": sid(owner_id),
        "name": name,
        "last_message_id": None,
        "message_count": 0,
        "member_count": 1,
        "rate_limit_per_user": 0,
        "thread_metadata": metadata,
        "total_message_sent": 0,
        "flags": 0,
        "applied_tags": [str(tag) for tag in applied_tags],
    }


def dm_channel(*, id: int, recipient: Payload) -> Payload:
    """Build a DM channel (type 1)."""
    return {
        "id": sid(id),
        "type": DM,
        "last_message_id": None,
        "recipients": [recipient],
        "flags": 0,
    }


def attachment(
    *, id: int, filename: str, size: int, url: str, content_type: str | None = None
) -> Payload:
    """Build an attachment object served from `url`."""
    data: Payload = {"id": sid(id), "filename": filename, "size": size, "url": url}
    data["proxy_url"] = url
    if content_type:
        data["content_type"] = content_type
    return data


def message(
    *,
    id: int,
    channel_id: int,
    author: Payload,
    content: str = "",
    type: int = DEFAULT_MESSAGE,
    mentions: Sequence[Payload] = (),
    mention_roles: Iterable[int] = (),
    mention_everyone: bool = False,
    attachments: Sequence[Payload] = (),
    embeds: Sequence[Payload] = (),
    components: Sequence[Payload] = (),
    flags: int = 0,
    message_reference: Payload | None = None,
    guild_id: int | None = None,
    member: Payload | None = None,
) -> Payload:
    """Build a message object as REST returns it; `guild_id` and `member` make the
    MESSAGE_CREATE form (member without `user`, see `partial_member`)."""
    data: Payload = {
        "id": sid(id),
        "channel_id": sid(channel_id),
        "author": author,
        "content": content,
        "timestamp": snowflake_timestamp(id),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": mention_everyone,
        "mentions": list(mentions),
        "mention_roles": [str(role_id) for role_id in mention_roles],
        "attachments": list(attachments),
        "embeds": list(embeds),
        "components": list(components),
        "pinned": False,
        "type": type,
        "flags": flags,
    }
    if message_reference is not None:
        data["message_reference"] = message_reference
    if guild_id is not None:
        data["guild_id"] = sid(guild_id)
    if member is not None:
        data["member"] = member
    return data


def message_reference(*, message_id: int, channel_id: int, guild_id: int | None) -> Payload:
    """Build the reference a reply carries (type 0, DEFAULT)."""
    return {
        "type": 0,
        "message_id": sid(message_id),
        "channel_id": sid(channel_id),
        "guild_id": sid(guild_id),
    }


def application(*, id: int, name: str, owner: Payload, bot: Payload, flags: int) -> Payload:
    """Build the application object `GET /oauth2/applications/@me` returns."""
    return {
        "id": sid(id),
        "name": name,
        "icon": None,
        "description": "",
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "bot": bot,
        "owner": owner,
        "team": None,
        "verify_key": "0" * 64,
        "flags": flags,
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "approximate_guild_count": 1,
    }


def application_command(
    body: Payload, *, id: int, application_id: int, guild_id: int | None, version: int
) -> Payload:
    """Turn a command registration body into the stored application command object."""
    data: Payload = {
        "type": 1,
        "description": "",
        "options": [],
        "default_member_permissions": None,
        "nsfw": False,
        "contexts": None,
        "integration_types": [0],
        **body,
        "id": sid(id),
        "application_id": sid(application_id),
        "version": sid(version),
    }
    if guild_id is not None:
        data["guild_id"] = sid(guild_id)
    return data


def option(name: str, value: Any, type: int = STRING_OPTION) -> Payload:
    """Build an application command interaction data option holding a value."""
    return {"name": name, "type": type, "value": value}


def subcommand(name: str, options: Sequence[Payload] = (), type: int = SUB_COMMAND) -> Payload:
    """Build a subcommand (or, with type 2, a subcommand group) option."""
    return {"name": name, "type": type, "options": list(options)}


@dataclasses.dataclass(frozen=True)
class InteractionSource:
    """Who triggered an interaction, where, and the token to answer it with.

    `invoker` is a member with `permissions` in guilds and a user object in DMs.
    """

    id: int
    application_id: int
    token: str
    channel: Payload
    invoker: Payload
    app_permissions: int = 0


def _interaction(source: InteractionSource, type: int, data: Payload) -> Payload:
    """Build the fields every guild or DM interaction shares."""
    channel = source.channel
    guild_id = channel.get("guild_id")
    payload: Payload = {
        "id": sid(source.id),
        "application_id": sid(source.application_id),
        "type": type,
        "data": data,
        "channel": channel,
        "channel_id": channel["id"],
        "token": source.token,
        "version": 1,
        "app_permissions": str(source.app_permissions),
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if guild_id is None:
        payload["user"] = source.invoker
        payload["context"] = 1
        payload["authorizing_integration_owners"] = {"0": "0"}
        return payload
    payload["guild_id"] = guild_id
    payload["guild"] = {"id": guild_id, "locale": "en-US", "features": []}
    payload["guild_locale"] = "en-US"
    payload["member"] = source.invoker
    payload["context"] = 0
    payload["authorizing_integration_owners"] = {"0": guild_id}
    return payload


def command_interaction(
    source: InteractionSource,
    command: Payload,
    options: Sequence[Payload] = (),
    resolved: Payload | None = None,
) -> Payload:
    """Build an APPLICATION_COMMAND (type 2) interaction for a registered command."""
    data: Payload = {"id": command["id"], "name": command["name"], "type": command["type"]}
    if options:
        data["options"] = list(options)
    if resolved:
        data["resolved"] = resolved
    if "guild_id" in command:
        data["guild_id"] = command["guild_id"]
    return _interaction(source, APPLICATION_COMMAND, data)


def component_interaction(
    source: InteractionSource,
    message: Payload,
    custom_id: str,
    component_type: int = BUTTON,
    values: Sequence[str] | None = None,
) -> Payload:
    """Build a MESSAGE_COMPONENT (type 3) interaction: a button click or a select."""
    data: Payload = {"custom_id": custom_id, "component_type": component_type}
    if values is not None:
        data["values"] = list(values)
    return {**_interaction(source, MESSAGE_COMPONENT, data), "message": message}


def modal_submit_interaction(
    source: InteractionSource, data: Payload, message: Payload | None = None
) -> Payload:
    """Build a MODAL_SUBMIT (type 5) interaction (with the message of the button it came from)."""
    payload = _interaction(source, MODAL_SUBMIT, data)
    return payload if message is None else {**payload, "message": message}


def resolved_users(members: Sequence[Payload], guild_scoped: bool) -> Payload:
    """Build `resolved` for USER options: users, plus partial members in guilds."""
    resolved: Payload = {"users": {m["user"]["id"]: m["user"] for m in members}}
    if guild_scoped:
        resolved["members"] = {m["user"]["id"]: _resolved_member(m) for m in members}
    return resolved


def _resolved_member(full_member: Payload) -> Payload:
    return {**partial_member(full_member), "permissions": full_member.get("permissions", "0")}


def emoji(name: str) -> Payload:
    """Build the partial emoji object of a unicode emoji or a `name:id` custom emoji."""
    custom_name, _, custom_id = name.partition(":")
    if custom_id:
        return {"id": custom_id, "name": custom_name, "animated": False}
    return {"id": None, "name": name}


def reaction_add(
    *,
    user_id: int,
    channel_id: int,
    message_id: int,
    emoji_name: str,
    guild_id: int | None = None,
    member: Payload | None = None,
    message_author_id: int | None = None,
) -> Payload:
    """Build MESSAGE_REACTION_ADD event fields."""
    data: Payload = {
        "user_id": sid(user_id),
        "channel_id": sid(channel_id),
        "message_id": sid(message_id),
        "emoji": emoji(emoji_name),
        "burst": False,
        "type": 0,
    }
    if guild_id is not None:
        data["guild_id"] = sid(guild_id)
    if member is not None:
        data["member"] = member
    if message_author_id is not None:
        data["message_author_id"] = sid(message_author_id)
    return data
