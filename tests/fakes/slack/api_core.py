"""Shared pieces of the Web API methods: typed errors, argument access, pagination."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from .state import Channel, JsonDict, Workspace

T = TypeVar("T")
_TRUE_VALUES = (True, 1, "1", "true", "True")


class ApiError(Exception):
    """A Web API failure answered as `{"ok": false, "error": code, ...}` with HTTP 200."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(f"The fake Slack answered {code!r}.")
        self.code = code
        self.extra = extra

    @classmethod
    def with_messages(cls, code: str, messages: Sequence[str], **extra: Any) -> ApiError:
        """Build an error carrying `response_metadata.messages`, as Slack adds for bad input."""
        lines = [f"[ERROR] {message}" for message in messages]
        return cls(code, response_metadata={"messages": lines}, **extra)

    def to_payload(self) -> JsonDict:
        """Render the error body."""
        return {"ok": False, "error": self.code, **self.extra}


class Links(Protocol):
    """The URLs the fake serves that API answers point to."""

    def upload_url(self, file_id: str) -> str:
        """Return the URL a file's bytes are uploaded to."""
        ...

    def socket_url(self) -> str:
        """Issue a fresh Socket Mode websocket URL."""
        ...


class Args:
    """The arguments of one call, merged from the query string and the body."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = dict(raw)

    def text(self, name: str) -> str | None:
        """Return an argument as a string, or None when it is absent or empty."""
        value = self.raw.get(name)
        return None if value is None or value == "" else str(value)

    def required(self, name: str, error: str | None = None) -> str:
        """Return a string argument, failing like Slack when it is missing."""
        value = self.text(name)
        if value is None:
            if error is not None:
                raise ApiError(error)
            raise ApiError.with_messages("invalid_arguments", [f"missing required field: {name}"])
        return value

    def check_strings(self, *names: str) -> None:
        """Refuse non-string values (a JSON number or object) where Slack wants a string."""
        wrong = [
            n for n in names if self.raw.get(n) is not None and not isinstance(self.raw[n], str)
        ]
        if wrong:
            messages = [f"must be a string [json-pointer:/{name}]" for name in wrong]
            raise ApiError.with_messages("invalid_arguments", messages)

    def flag(self, name: str) -> bool:
        """Return a boolean argument (`true`, `1` or JSON true)."""
        return self.raw.get(name) in _TRUE_VALUES

    def integer(self, name: str, default: int) -> int:
        """Return an integer argument, or `default` when it is absent or not positive."""
        try:
            value = int(self.raw.get(name) or default)
        except (TypeError, ValueError) as exc:
            raise ApiError.with_messages("invalid_arguments", [f"invalid `{name}`"]) from exc
        return value if value > 0 else default

    def json(self, name: str, error: str) -> Any:
        """Return a JSON argument, decoding it when it arrived as a form-encoded string."""
        value = self.raw.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ApiError(error) from exc


@dataclass
class ApiContext:
    """Everything a method handler needs: the workspace, the call's arguments and our URLs."""

    workspace: Workspace
    args: Args
    links: Links

    @property
    def bot_user_id(self) -> str:
        """The bot user the bot token belongs to."""
        return self.workspace.identity.bot_user_id

    def channel(self, name: str = "channel", error: str = "channel_not_found") -> Channel:
        """Resolve a channel argument the bot can see, failing like Slack."""
        channel = self.workspace.channel(self.args.required(name, error))
        if channel is None or (channel.is_private and self.bot_user_id not in channel.members):
            raise ApiError(error)
        return channel

    def member_channel(self, name: str = "channel") -> Channel:
        """Resolve a channel the bot must be a member of (`not_in_channel` otherwise)."""
        channel = self.channel(name)
        if self.bot_user_id not in channel.members:
            raise ApiError("not_in_channel")
        return channel

    def message_target(self) -> Channel:
        """Resolve where a message goes: a channel the bot is in, or a user id (their DM)."""
        user_id = self.args.text("channel") or ""
        if user_id in self.workspace.users:
            return self.workspace.dm_with(user_id)
        return self.member_channel()


def paginate(
    items: Sequence[T], args: Args, default_limit: int, max_limit: int | None = None
) -> tuple[list[T], str]:
    """Return one page of `items` and the `next_cursor` ("" on the last page).

    A `limit` above `max_limit` is cut to it, as Slack serves at most that many a page.
    """
    offset = _decode_cursor(args.text("cursor"))
    limit = args.integer("limit", default_limit)
    end = offset + (limit if max_limit is None else min(limit, max_limit))
    return list(items[offset:end]), _encode_cursor(end) if end < len(items) else ""


def page_metadata(next_cursor: str) -> JsonDict:
    """Render `response_metadata` for a paginated answer."""
    return {"response_metadata": {"next_cursor": next_cursor}}


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        decoded = base64.b64decode(cursor, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ApiError("invalid_cursor") from exc
    prefix, _, offset = decoded.partition(":")
    if prefix != "offset" or not offset.isdigit():
        raise ApiError("invalid_cursor")
    return int(offset)
