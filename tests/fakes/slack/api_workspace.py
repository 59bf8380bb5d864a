"""Web API methods about the workspace and the app: auth, users, user groups, App Home, files."""

from __future__ import annotations

import time
from typing import Any

from .api_chat import Content, bot_message
from .api_core import ApiContext, ApiError, Args
from .blocks import validate_view_blocks
from .ids import new_id, new_secret
from .modals import TriggerRefused, validate_modal
from .state import Channel, JsonDict, StoredFile


def auth_test(ctx: ApiContext) -> JsonDict:
    """auth.test: who the bot token belongs to."""
    identity = ctx.workspace.identity
    return {
        "ok": True,
        "url": f"https://{identity.team_domain}.slack.com/",
        "team": identity.team_name,
        "user": identity.bot_name,
        "team_id": identity.team_id,
        "user_id": identity.bot_user_id,
        "bot_id": identity.bot_id,
        "app_id": identity.api_app_id,
        "is_enterprise_install": False,
    }


def users_info(ctx: ApiContext) -> JsonDict:
    """users.info: one member's profile."""
    user = ctx.workspace.users.get(ctx.args.required("user", "user_not_found"))
    if user is None:
        raise ApiError("user_not_found")
    return {"ok": True, "user": user.to_api()}


def usergroups_list(ctx: ApiContext) -> JsonDict:
    """usergroups.list: every user group, with members when `include_users` is set."""
    include_users = ctx.args.flag("include_users")
    groups = [g.to_api(include_users) for g in ctx.workspace.usergroups.values()]
    if not ctx.args.flag("include_count"):
        for group in groups:
            group.pop("user_count")
    return {"ok": True, "usergroups": groups}


def usergroup_users(ctx: ApiContext) -> JsonDict:
    """usergroups.users.list: the member ids of one user group."""
    group = ctx.workspace.usergroups.get(ctx.args.required("usergroup", "no_such_subteam"))
    if group is None:
        raise ApiError("no_such_subteam")
    return {"ok": True, "users": list(group.users)}


def views_publish(ctx: ApiContext) -> JsonDict:
    """views.publish: set a member's App Home tab (a `home` view of at most 100 blocks)."""
    user_id = ctx.args.required("user_id")
    if user_id not in ctx.workspace.users:
        raise ApiError.with_messages("invalid_arguments", ["invalid `user_id`"])
    view = _read_home_view(ctx.args)
    previous = ctx.workspace.home_views.get(user_id)
    expected_hash = ctx.args.text("hash")
    if previous is not None and expected_hash is not None and expected_hash != previous["hash"]:
        raise ApiError("hash_conflict")
    published = _home_view(ctx, view, previous)
    ctx.workspace.home_views[user_id] = published
    return {"ok": True, "view": published}


def _read_home_view(args: Args) -> JsonDict:
    view = args.json("view", "invalid_arguments")
    if not isinstance(view, dict):
        raise ApiError.with_messages("invalid_arguments", ["missing required field: view"])
    if view.get("type") != "home":
        raise ApiError.with_messages(
            "invalid_arguments", ["must be a valid enum value [json-pointer:/view/type]"]
        )
    errors = validate_view_blocks(view.get("blocks"))
    if errors:
        raise ApiError.with_messages("invalid_arguments", errors)
    return view


def _home_view(ctx: ApiContext, view: JsonDict, previous: JsonDict | None) -> JsonDict:
    identity = ctx.workspace.identity
    view_id = previous["id"] if previous else new_id("V")
    return {
        "id": view_id,
        "team_id": identity.team_id,
        "type": "home",
        "close": None,
        "submit": None,
        "blocks": view["blocks"],
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{new_secret(8)}",
        "clear_on_close": False,
        "notify_on_close": False,
        "root_view_id": view_id,
        "previous_view_id": None,
        "app_id": identity.api_app_id,
        "external_id": view.get("external_id", ""),
        "bot_id": identity.bot_id,
    }


def views_open(ctx: ApiContext) -> JsonDict:
    """views.open: show a modal to the person whose fresh trigger id is given."""
    trigger_id = ctx.args.text("trigger_id")
    view = ctx.args.json("view", "invalid_arguments")
    if trigger_id is None:
        raise ApiError.with_messages("invalid_arguments", ["missing required field: trigger_id"])
    errors = validate_modal(view)
    if errors:
        raise ApiError.with_messages("invalid_arguments", errors)
    try:
        return {"ok": True, "view": ctx.workspace.modals.show(trigger_id, view)}
    except TriggerRefused as refused:
        raise ApiError(refused.code) from None


def get_upload_url(ctx: ApiContext) -> JsonDict:
    """files.getUploadURLExternal: reserve a file id and the URL its bytes go to."""
    filename = ctx.args.required("filename")
    length = ctx.args.integer("length", 0)
    if length == 0:
        raise ApiError("missing_argument")
    stored = StoredFile(
        id=new_id("F"),
        name=filename,
        length=length,
        user=ctx.bot_user_id,
        alt_txt=ctx.args.text("alt_txt"),
    )
    ctx.workspace.files[stored.id] = stored
    return {"ok": True, "upload_url": ctx.links.upload_url(stored.id), "file_id": stored.id}


def complete_upload(ctx: ApiContext) -> JsonDict:
    """files.completeUploadExternal: finish uploads and share them into a channel or thread."""
    files = [_uploaded_file(ctx, item) for item in _file_items(ctx.args)]
    for channel in _share_channels(ctx):
        _share(ctx, files, channel)
    identity = ctx.workspace.identity
    return {"ok": True, "files": [f.to_api(identity.team_domain, identity.team_id) for f in files]}


def _file_items(args: Args) -> list[dict[str, Any]]:
    items = args.json("files", "invalid_arguments")
    if not isinstance(items, list) or not items:
        raise ApiError.with_messages("invalid_arguments", ["missing required field: files"])
    return items


def _uploaded_file(ctx: ApiContext, item: dict[str, Any]) -> StoredFile:
    stored = ctx.workspace.files.get(str(item.get("id")))
    if stored is None or stored.content is None:
        raise ApiError("file_not_found")
    stored.title = item.get("title") or stored.name
    stored.completed = True
    return stored


def _share_channels(ctx: ApiContext) -> list[Channel]:
    references = [*(ctx.args.text("channels") or "").split(","), ctx.args.text("channel_id")]
    return [_share_channel(ctx, reference) for reference in references if reference]


def _share_channel(ctx: ApiContext, reference: str) -> Channel:
    channel = ctx.workspace.channel(reference)
    if channel is None:
        raise ApiError("invalid_channel")
    if ctx.bot_user_id not in channel.members:
        raise ApiError("posting_to_channel_denied")
    return channel


def _share(ctx: ApiContext, files: list[StoredFile], channel: Channel) -> None:
    comment = Content(ctx.args.text("initial_comment") or "", None, None, None)
    message = bot_message(ctx.workspace, channel, comment)
    message.thread_ts = ctx.args.text("thread_ts")
    visibility = "private" if channel.is_private or channel.is_im else "public"
    share = {"ts": message.ts, "channel_name": channel.name, "team_id": message.team}
    if message.thread_ts is not None:
        share["thread_ts"] = message.thread_ts
    identity = ctx.workspace.identity
    for stored in files:
        stored.shares.setdefault(visibility, {}).setdefault(channel.id, []).append(dict(share))
    message.files = [f.to_api(identity.team_domain, identity.team_id) for f in files]
    ctx.workspace.store(message)


def connections_open(ctx: ApiContext) -> JsonDict:
    """apps.connections.open: issue a Socket Mode websocket URL (needs the `xapp-` token)."""
    return {"ok": True, "url": ctx.links.socket_url()}


METHODS = {
    "auth.test": auth_test,
    "users.info": users_info,
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroup_users,
    "views.publish": views_publish,
    "views.open": views_open,
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
    "apps.connections.open": connections_open,
}
