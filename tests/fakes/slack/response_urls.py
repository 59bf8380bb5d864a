"""The `response_url`s handed out with slash commands and clicks, and what posts to them do.

A post with `replace_original` or `delete_original` edits the clicked message; one with
`response_type: in_channel` is posted to the channel; anything else is an ephemeral for the
member who acted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from aiohttp import web

from .api_chat import Content, bot_message
from .ids import new_secret
from .records import ResponseUrlPost
from .state import JsonDict, StoredMessage, Workspace


@dataclass(frozen=True)
class _Target:
    """Where a response URL points: its kind, channel, clicked message and acting member."""

    kind: str
    channel_id: str
    message_ts: str | None
    user_id: str


class ResponseUrls:
    """Issues response URLs on the fake and applies what the app posts to them."""

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace
        self._targets: dict[str, _Target] = {}
        self.posts: list[ResponseUrlPost] = []

    def issue(self, base_url: str, kind: str, channel_id: str, user_id: str, ts: str | None) -> str:
        """Return a new response URL for a command (`kind="commands"`) or a click (`"actions"`)."""
        path = f"/hooks/{kind}/{new_secret()}"
        self._targets[path] = _Target(kind, channel_id, ts, user_id)
        return base_url + path

    async def handle(self, request: web.Request) -> web.Response:
        """Serve a post to a response URL (Slack answers a plain `ok`)."""
        target = self._targets.get(request.path)
        if target is None:
            return web.Response(status=404, text="no_such_url")
        body = json.loads(await request.text())
        url = str(request.url)
        self.posts.append(
            ResponseUrlPost(url, target.kind, body, target.channel_id, target.message_ts)
        )
        self._apply(body, target)
        return web.Response(text="ok")

    def _apply(self, body: JsonDict, target: _Target) -> None:
        workspace, channel_id = self._workspace, target.channel_id
        original = workspace.message(channel_id, target.message_ts) if target.message_ts else None
        if original is not None and body.get("delete_original"):
            workspace.delete(channel_id, original.ts)
        elif original is not None and body.get("replace_original"):
            _replace(original, body)
        elif body.get("response_type") == "in_channel":
            workspace.store(_in_channel(workspace, channel_id, body))
        else:
            workspace.ephemerals.append({"channel": channel_id, "user": target.user_id, **body})


def _replace(original: StoredMessage, body: JsonDict) -> None:
    original.text = body.get("text", original.text)
    original.blocks = body.get("blocks", original.blocks)


def _in_channel(workspace: Workspace, channel_id: str, body: JsonDict) -> StoredMessage:
    content = Content(body.get("text", ""), body.get("blocks"), body.get("attachments"), None)
    message = bot_message(workspace, workspace.channels[channel_id], content)
    message.thread_ts = body.get("thread_ts")
    return message
