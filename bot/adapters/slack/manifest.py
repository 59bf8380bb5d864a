"""The Slack app manifest: paste it at api.slack.com/apps → Create New App → From a manifest.

It asks for exactly the scopes the adapter's Web API calls need, subscribes to the events
it handles, declares the slash command and interactivity, and turns Socket Mode on or off
to match `slack.mode`. In HTTP mode Slack needs the public URL that reaches
`slack.http.path`; pass it as `--url`.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from bot.config import SlackConfig

JsonDict = dict[str, Any]

APP_NAME = "deskbot"
PLACEHOLDER_URL = "https://deskbot.example.com/slack/events"

# Every Web API method the adapter calls, and the bot scopes that let it (none: no scope).
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "apps.connections.open": (),  # the app-level token's connections:write
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "conversations.info": ("channels:read", "groups:read"),
    "conversations.history": ("channels:history", "groups:history"),
    "conversations.replies": ("channels:history", "groups:history"),
    "users.info": ("users:read",),
    "usergroups.users.list": ("usergroups:read",),
    "views.publish": (),
    # The digest's chart is shared with files_upload_v2.
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    # Reminders to a ticket's holder go to their direct messages with the app.
    "conversations.open": ("im:write",),
    # Catching up lists the bot's DMs (types=im), with direct messages on only.
    "conversations.list": ("im:read",),
}
DIRECT_MESSAGE_METHODS = frozenset({"conversations.list"})
# Scopes that come with what the app receives rather than with a call it makes.
EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "message.channels": ("channels:history",),
    "message.groups": ("groups:history",),
    "reaction_added": ("reactions:read",),
    "app_home_opened": (),
    "message.im": ("im:history",),  # direct messages open private tickets
}
COMMAND_SCOPES = ("commands",)


def bot_events(config: SlackConfig) -> list[str]:
    events = ["message.channels", "message.groups", "reaction_added"]
    if config.direct_messages:
        events.append("message.im")
    return [*events, "app_home_opened"] if config.home_tab else events


def bot_scopes(config: SlackConfig) -> list[str]:
    """The bot token scopes deskbot needs, sorted."""
    skipped = frozenset() if config.direct_messages else DIRECT_MESSAGE_METHODS
    methods = [needed for method, needed in METHOD_SCOPES.items() if method not in skipped]
    scopes = {scope for needed in methods for scope in needed}
    scopes |= {scope for event in bot_events(config) for scope in EVENT_SCOPES[event]}
    return sorted(scopes | set(COMMAND_SCOPES))


def manifest(config: SlackConfig, request_url: str | None = None) -> JsonDict:
    """The manifest of a Slack app that runs deskbot as `config` describes it."""
    http = config.mode == "http"
    url = request_url or PLACEHOLDER_URL
    command: JsonDict = {
        "command": config.command,
        "description": "Work support tickets: claim, assign, resolve, list",
        "usage_hint": "help | claim 42 | resolve 42 | list",
        "should_escape": True,  # user arguments arrive as <@U…>, which roles need
    }
    events: JsonDict = {"bot_events": bot_events(config)}
    interactivity: JsonDict = {"is_enabled": True}
    if http:
        command["url"] = url
        events["request_url"] = url
        interactivity["request_url"] = url
    return {
        "display_information": {
            "name": APP_NAME,
            "description": "A support desk that lives in chat",
            "background_color": "#1d3b53",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": config.home_tab,
                # The Messages tab is where people write to the app; with direct messages
                # off Slack shows no way to write, rather than a conversation nobody reads.
                "messages_tab_enabled": config.direct_messages,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": APP_NAME, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": bot_scopes(config)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": not http,
            "token_rotation_enabled": False,
        },
    }


def dump(data: JsonDict, *, as_json: bool = False) -> str:
    """The manifest as Slack's "From a manifest" dialog takes it: YAML, or JSON."""
    if as_json:
        return json.dumps(data, indent=2)
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
