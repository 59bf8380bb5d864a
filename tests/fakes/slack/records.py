"""What the fake saw and what the app answered: plain records for assertions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ApiCall:
    """One Web API call: its method, its arguments as a dict and the fake's answer."""

    method: str
    args: dict[str, Any]
    status: int
    response: dict[str, Any] | None
    http_method: str = "POST"

    @property
    def ok(self) -> bool:
        """Whether the call succeeded (HTTP 200 and `"ok": true`)."""
        return self.status == 200 and bool(self.response and self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """The `error` code of a failed call, if its body had one."""
        return None if self.response is None else self.response.get("error")


@dataclass(frozen=True)
class ResponseUrlPost:
    """One message the app posted to a `response_url` the fake handed out."""

    url: str
    kind: str
    body: dict[str, Any]
    channel_id: str | None
    message_ts: str | None


@dataclass(frozen=True)
class AppResponse:
    """The app's HTTP answer to a request the fake delivered (an event, a command, a click)."""

    status: int
    body: str
    headers: Mapping[str, str]

    def json(self) -> Any:
        """Decode the body as JSON."""
        return json.loads(self.body)
