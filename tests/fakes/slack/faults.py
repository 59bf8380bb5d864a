"""Fault injection: make a Web API method answer like a throttled or broken Slack edge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

from aiohttp import web

_EDGE_ERROR_PAGE = (
    "<html><head><title>{status} {reason}</title></head>"
    "<body><center><h1>{status} {reason}</h1></center><hr><center>slack-edge</center></body>"
    "</html>"
)
_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


class FaultSpec(TypedDict, total=False):
    """How a method should fail: HTTP status, error code, Retry-After, body, channel, count."""

    status: int
    error: str | None
    retry_after: int | None
    body: str | None
    channel: str | None
    times: int | None


@dataclass
class Fault:
    """One planned failure of `method` (optionally only for `channel`), `remaining` times."""

    method: str
    status: int
    error: str | None
    retry_after: int | None
    body: str | None
    channel: str | None
    remaining: int | None

    def matches(self, method: str, args: Mapping[str, Any]) -> bool:
        """Whether this fault applies to a call of `method` with `args`."""
        if self.method != method or self.remaining == 0:
            return False
        if self.channel is None:
            return True
        return self.channel in (args.get("channel"), args.get("channel_id"))

    def consume(self) -> None:
        """Count one use of the fault."""
        if self.remaining is not None:
            self.remaining -= 1

    def payload(self) -> dict[str, Any] | None:
        """The JSON body of the failed call, or None when the edge answers with HTML or nothing."""
        if self.status >= 500:
            return None
        return {"ok": False, "error": self.error or "ratelimited"}

    def to_response(self) -> web.Response:
        """Render the failure as Slack's edge would send it."""
        payload = self.payload()
        if payload is not None:
            headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
            return web.json_response(payload, status=self.status, headers=headers)
        if self.body == "":
            return web.Response(status=self.status)
        return web.Response(status=self.status, text=self._html(), content_type="text/html")

    def _html(self) -> str:
        if self.body is not None:
            return self.body
        reason = _REASONS.get(self.status, "Error")
        return _EDGE_ERROR_PAGE.format(status=self.status, reason=reason)


class FaultBook:
    """The faults planned for the Web API, consulted before each call is handled."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, method: str, **spec: Unpack[FaultSpec]) -> Fault:
        """Plan a failure; see `FakeSlack.fail` for the meaning of each argument."""
        status, error = spec.get("status", 200), spec.get("error")
        if status == 200 and error is None:
            raise ValueError(f"A fault for {method!r} needs an error code or a non-200 status.")
        retry_after = spec.get("retry_after", 1 if status == 429 else None)
        channel, times = spec.get("channel"), spec.get("times", 1)
        fault = Fault(method, status, error, retry_after, spec.get("body"), channel, times)
        self._faults.append(fault)
        return fault

    def take(self, method: str, args: Mapping[str, Any]) -> Fault | None:
        """Return (and count) the first fault that applies to this call, if any."""
        fault = next((f for f in self._faults if f.matches(method, args)), None)
        if fault is not None:
            fault.consume()
        return fault

    def clear(self, method: str | None = None) -> None:
        """Forget the planned faults (of one method, or all)."""
        self._faults = [f for f in self._faults if method is not None and f.method != method]
