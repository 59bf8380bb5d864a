"""Payload builders shaped after Slack's documentation (Events API, slash commands,
interactivity, Socket Mode). Timestamps, event ids, trigger ids and envelope ids are generated
unless given; the workspace ids default to `DEFAULT_IDENTITY`, the fake's defaults.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .ids import (
    DEFAULT_IDENTITY,
    AppIdentity,
    new_envelope_id,
    new_event_id,
    new_id,
    new_secret,
    new_trigger_id,
    next_ts,
)

JsonDict = dict[str, Any]
_EVENT_ONLY_KEYS = ("channel", "event_ts", "channel_type")
_RESPONSE_PAYLOAD_TYPES = frozenset({"view_submission", "block_suggestion"})

# -- message events ---------------------------------------------------------------------------


def message(
    channel: str,
    user: str,
    text: str,
    *,
    ts: str | None = None,
    thread_ts: str | None = None,
    parent_user_id: str | None = None,
    bot_id: str | None = None,
    channel_type: str = "channel",
    team: str = DEFAULT_IDENTITY.team_id,
) -> JsonDict:
    """A `message` event a person (or, with `bot_id`, an app's bot user) posted."""
    ts = ts or next_ts()
    event: JsonDict = {"type": "message", "text": text, "user": user, "ts": ts, "team": team}
    if bot_id is None:
        event["client_msg_id"] = str(uuid.uuid4())
    else:
        event["bot_id"] = bot_id
    event["blocks"] = rich_text_blocks(text)
    if thread_ts is not None:
        event.update(thread_ts=thread_ts, parent_user_id=parent_user_id or user)
    return {**event, "channel": channel, "event_ts": ts, "channel_type": channel_type}


def thread_broadcast(
    channel: str, user: str, text: str, thread_ts: str, *, root: JsonDict | None = None
) -> JsonDict:
    """A thread reply also sent to the channel (`subtype: thread_broadcast`)."""
    event = message(channel, user, text, thread_ts=thread_ts)
    event.pop("parent_user_id")
    event["subtype"] = "thread_broadcast"
    event["root"] = root or {"type": "message", "ts": thread_ts, "thread_ts": thread_ts}
    return event


def file_share(
    channel: str, user: str, text: str, files: Sequence[JsonDict], *, thread_ts: str | None = None
) -> JsonDict:
    """A message that shares files (`subtype: file_share`)."""
    event = message(channel, user, text, thread_ts=thread_ts)
    event.update(subtype="file_share", files=list(files), upload=False, display_as_bot=False)
    return event


def file_object(name: str, user: str, *, size: int = 1024, mimetype: str = "image/png") -> JsonDict:
    """A file object as it appears in `file_share` messages."""
    file_id, now = new_id("F"), int(time.time())
    base = f"https://files.slack.com/files-pri/{DEFAULT_IDENTITY.team_id}-{file_id}"
    return {
        "id": file_id,
        "created": now,
        "timestamp": now,
        "name": name,
        "title": name,
        "mimetype": mimetype,
        "filetype": name.rsplit(".", 1)[-1],
        "user": user,
        "size": size,
        "mode": "hosted",
        "is_external": False,
        "is_public": True,
        "url_private": f"{base}/{name}",
        "url_private_download": f"{base}/download/{name}",
        "permalink": f"https://{DEFAULT_IDENTITY.team_domain}.slack.com/files/{user}/{file_id}/{name}",
    }


def bot_message(
    channel: str, text: str, bot_id: str, *, username: str = "legacy-integration"
) -> JsonDict:
    """A message from an integration without a bot user (`subtype: bot_message`)."""
    ts = next_ts()
    return {
        "type": "message",
        "subtype": "bot_message",
        "text": text,
        "ts": ts,
        "username": username,
        "bot_id": bot_id,
        "channel": channel,
        "event_ts": ts,
        "channel_type": "channel",
    }


def message_changed(previous: JsonDict, text: str, *, editor: str | None = None) -> JsonDict:
    """A `message_changed` event for a message event built by `message`, now saying `text`."""
    ts = next_ts()
    old = _stored_form(previous)
    new = {**old, "text": text, "blocks": rich_text_blocks(text)}
    new["edited"] = {"user": editor or old.get("user"), "ts": ts}
    return {
        "type": "message",
        "subtype": "message_changed",
        "message": new,
        "previous_message": old,
        "channel": previous["channel"],
        "hidden": True,
        "ts": ts,
        "event_ts": ts,
        "channel_type": previous.get("channel_type", "channel"),
    }


def message_deleted(previous: JsonDict) -> JsonDict:
    """A `message_deleted` event for a message event built by `message`."""
    ts = next_ts()
    return {
        "type": "message",
        "subtype": "message_deleted",
        "previous_message": _stored_form(previous),
        "channel": previous["channel"],
        "hidden": True,
        "deleted_ts": previous["ts"],
        "ts": ts,
        "event_ts": ts,
        "channel_type": previous.get("channel_type", "channel"),
    }


def _stored_form(event: JsonDict) -> JsonDict:
    return {key: value for key, value in event.items() if key not in _EVENT_ONLY_KEYS}


def rich_text_blocks(text: str) -> list[JsonDict]:
    """The `rich_text` block Slack clients attach to a typed message."""
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return [{"type": "rich_text", "block_id": new_secret(5), "elements": [section]}]


# -- other events -----------------------------------------------------------------------------


def reaction_added(
    user: str, reaction: str, channel: str, item_ts: str, *, item_user: str | None = None
) -> JsonDict:
    """A `reaction_added` event on a message."""
    event: JsonDict = {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item": {"type": "message", "channel": channel, "ts": item_ts},
        "event_ts": next_ts(),
    }
    if item_user is not None:
        event["item_user"] = item_user
    return event


def app_home_opened(
    user: str, channel: str, *, tab: str = "home", view: JsonDict | None = None
) -> JsonDict:
    """An `app_home_opened` event (`channel` is the user's DM with the app)."""
    event: JsonDict = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": tab,
        "event_ts": next_ts(),
    }
    if view is not None:
        event["view"] = view
    return event


def app_mention(
    channel: str,
    user: str,
    text: str,
    *,
    thread_ts: str | None = None,
    team: str = DEFAULT_IDENTITY.team_id,
) -> JsonDict:
    """An `app_mention` event (`text` should contain `<@BOT_USER_ID>`)."""
    ts = next_ts()
    event: JsonDict = {
        "type": "app_mention",
        "user": user,
        "text": text,
        "ts": ts,
        "team": team,
        "client_msg_id": str(uuid.uuid4()),
        "blocks": rich_text_blocks(text),
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


# -- Events API envelopes ---------------------------------------------------------------------


def event_callback(
    event: JsonDict,
    *,
    identity: AppIdentity = DEFAULT_IDENTITY,
    event_id: str | None = None,
    event_time: int | None = None,
) -> JsonDict:
    """Wrap an event in the Events API `event_callback` envelope."""
    return {
        "token": identity.verification_token,
        "team_id": identity.team_id,
        "context_team_id": identity.team_id,
        "context_enterprise_id": None,
        "api_app_id": identity.api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": event_time or int(float(event.get("event_ts") or time.time())),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": identity.team_id,
                "user_id": identity.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": _event_context(event, identity),
    }


def _event_context(event: JsonDict, identity: AppIdentity) -> str:
    channel = event.get("channel") or event.get("item", {}).get("channel", "")
    context = {"et": event["type"], "tid": identity.team_id, "aid": identity.api_app_id}
    encoded = base64.b64encode(json.dumps({**context, "cid": channel}).encode()).decode()
    return f"4-{encoded}"


def url_verification(
    challenge: str | None = None, *, identity: AppIdentity = DEFAULT_IDENTITY
) -> JsonDict:
    """The `url_verification` request Slack sends when a Request URL is saved."""
    return {
        "token": identity.verification_token,
        "challenge": challenge or new_secret(40),
        "type": "url_verification",
    }


# -- slash commands and interactivity ----------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    """Who acted and where: the member and the conversation of a command or a click."""

    user_id: str
    user_name: str
    channel_id: str
    channel_name: str


def slash_command(
    command: str,
    text: str,
    origin: Origin,
    *,
    response_url: str,
    identity: AppIdentity = DEFAULT_IDENTITY,
    trigger_id: str | None = None,
) -> dict[str, str]:
    """The fields of a slash command request, in Slack's order (all strings)."""
    return {
        "token": identity.verification_token,
        "team_id": identity.team_id,
        "team_domain": identity.team_domain,
        "channel_id": origin.channel_id,
        "channel_name": origin.channel_name,
        "user_id": origin.user_id,
        "user_name": origin.user_name,
        "command": command,
        "text": text,
        "api_app_id": identity.api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }


def button(action_id: str, value: str, *, text: str, block_id: str | None = None) -> JsonDict:
    """The `actions[]` item for a clicked button."""
    return {
        "action_id": action_id,
        "block_id": block_id or new_secret(5),
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value,
        "type": "button",
        "action_ts": next_ts(),
    }


def static_select(
    action_id: str,
    value: str,
    *,
    text: str,
    block_id: str | None = None,
    placeholder: str = "Select an item",
) -> JsonDict:
    """The `actions[]` item for an option chosen in a `static_select` menu."""
    return {
        "type": "static_select",
        "action_id": action_id,
        "block_id": block_id or new_secret(5),
        "selected_option": {
            "text": {"type": "plain_text", "text": text, "emoji": True},
            "value": value,
        },
        "placeholder": {"type": "plain_text", "text": placeholder, "emoji": True},
        "action_ts": next_ts(),
    }


def block_actions(
    actions: Sequence[JsonDict],
    origin: Origin,
    *,
    message: JsonDict,
    response_url: str,
    identity: AppIdentity = DEFAULT_IDENTITY,
    trigger_id: str | None = None,
) -> JsonDict:
    """A `block_actions` payload for a click on an interactive element of `message`."""
    container: JsonDict = {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": origin.channel_id,
        "is_ephemeral": False,
    }
    if "thread_ts" in message:
        container["thread_ts"] = message["thread_ts"]
    return {
        "type": "block_actions",
        "user": {
            "id": origin.user_id,
            "username": origin.user_name,
            "name": origin.user_name,
            "team_id": identity.team_id,
        },
        "api_app_id": identity.api_app_id,
        "token": identity.verification_token,
        "container": container,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": identity.team_id, "domain": identity.team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": origin.channel_id, "name": origin.channel_name},
        "message": message,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": list(actions),
    }


# -- Socket Mode envelopes --------------------------------------------------------------------


def socket_envelope(
    kind: str,
    payload: JsonDict,
    *,
    accepts_response_payload: bool,
    envelope_id: str | None = None,
    **retry: Any,
) -> JsonDict:
    """A Socket Mode envelope of `kind` (`events_api`, `slash_commands`, `interactive`)."""
    return {
        "envelope_id": envelope_id or new_envelope_id(),
        "payload": payload,
        "type": kind,
        "accepts_response_payload": accepts_response_payload,
        **retry,
    }


def events_api_envelope(
    callback: JsonDict, *, retry_attempt: int = 0, retry_reason: str = ""
) -> JsonDict:
    """Wrap an `event_callback` for Socket Mode (`retry_*` as Slack sets them on redelivery)."""
    return socket_envelope(
        "events_api",
        callback,
        accepts_response_payload=False,
        retry_attempt=retry_attempt,
        retry_reason=retry_reason,
    )


def slash_commands_envelope(fields: dict[str, str]) -> JsonDict:
    """Wrap a slash command for Socket Mode (its response may ride on the ack)."""
    return socket_envelope("slash_commands", dict(fields), accepts_response_payload=True)


def interactive_envelope(payload: JsonDict) -> JsonDict:
    """Wrap an interactivity payload for Socket Mode."""
    accepts = payload.get("type") in _RESPONSE_PAYLOAD_TYPES
    return socket_envelope("interactive", payload, accepts_response_payload=accepts)
