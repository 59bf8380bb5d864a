"""Rate-limit headers, Discord-shaped 429s and injected faults.

Headers follow Discord's rate limits topic: `X-RateLimit-Limit/Remaining/Reset/Reset-After/
Bucket` on answers, `Retry-After` and `X-RateLimit-Scope` (and `X-RateLimit-Global`) on 429s.
Every answer also carries `Via`, as Discord's do: discord.py treats a 429 without it as a
Cloudflare ban and does not retry.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http
import math
import time
from collections.abc import Callable
from typing import Any

from .payloads import Payload
from .recording import route_shape, same_route

VIA = "1.1 google"


@dataclasses.dataclass
class Fault:
    """An injected failure for the next `times` requests matching `method` and `route`."""

    method: str
    route: str
    status: int = 429
    retry_after: float = 0.3
    times: int = 1
    global_: bool = False
    body: Any = None
    scope: str | None = None

    def matches(self, method: str, path: str, route: str) -> bool:
        """Tell whether a request is one this fault should answer."""
        return self.times > 0 and self.method == method and same_route(self.route, path, route)


@dataclasses.dataclass
class Answer:
    """A status, headers and JSON body to send back."""

    status: int
    headers: dict[str, str]
    body: Any


@dataclasses.dataclass
class _Window:
    started: float
    used: int = 0


class RateLimits:
    """Count requests per bucket and major parameter; answer injected faults first.

    Every route allows `limit` requests per `window` seconds unless `limit_route` gives it
    its own (Discord's message create is five per five seconds per channel, for example).
    """

    def __init__(
        self, limit: int = 50, window: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._windows: dict[tuple[str, str], _Window] = {}
        self._routes: dict[tuple[str, str], tuple[int, float]] = {}
        self.faults: list[Fault] = []

    def limit_route(self, method: str, route: str, limit: int, window: float) -> None:
        """Give one route its own limit: `limit` requests per `window` seconds per channel."""
        self._routes[(method.upper(), route_shape(route))] = (limit, window)

    def fail(self, fault: Fault) -> None:
        """Queue a fault; faults are answered before any handler runs."""
        self.faults.append(fault)

    def take_fault(self, method: str, path: str, route: str) -> Answer | None:
        """Consume one matching fault and build its answer, if any is pending."""
        fault = next((f for f in self.faults if f.matches(method, path, route)), None)
        if fault is None:
            return None
        fault.times -= 1
        bucket = bucket_hash(method, route)
        if fault.status == 429:
            return too_many_requests(fault.retry_after, bucket, self.limit, fault)
        return Answer(
            fault.status, {}, fault.body if fault.body is not None else _http_body(fault.status)
        )

    def count(self, method: str, route: str, major: str) -> tuple[dict[str, str], Answer | None]:
        """Count a request; return its rate-limit headers, or a 429 once the bucket is empty."""
        bucket = bucket_hash(method, route)
        limit, length = self._routes.get((method, route_shape(route)), (self.limit, self.window))
        window = self._window(bucket, major, length)
        reset_after = max(window.started + length - self._clock(), 0.0)
        if window.used >= limit:
            return {}, too_many_requests(reset_after, bucket, limit, None)
        window.used += 1
        return _headers(limit, limit - window.used, reset_after, bucket), None

    def _window(self, bucket: str, major: str, length: float) -> _Window:
        now = self._clock()
        window = self._windows.get((bucket, major))
        if window is None or now >= window.started + length:
            window = self._windows[(bucket, major)] = _Window(started=now)
        return window


def bucket_hash(method: str, route: str) -> str:
    """Return an opaque bucket id per route (Discord's exclude the top-level resource id)."""
    return hashlib.sha1(f"{method} {route}".encode()).hexdigest()[:16]


def too_many_requests(retry_after: float, bucket: str, limit: int, fault: Fault | None) -> Answer:
    """Build a 429 exactly as Discord's rate limits topic shows it."""
    is_global = bool(fault and fault.global_)
    scope = (fault.scope if fault else None) or ("global" if is_global else "user")
    headers = {"Retry-After": str(math.ceil(retry_after)), "X-RateLimit-Scope": scope}
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    else:
        headers |= _headers(limit, 0, retry_after, bucket)
    body: Payload = {
        "message": _rate_limit_message(scope),
        "retry_after": retry_after,
        "global": is_global,
    }
    if fault is not None and fault.body is not None:
        body |= fault.body
    return Answer(429, headers, body)


def _rate_limit_message(scope: str) -> str:
    if scope == "shared":
        return "The resource is being rate limited."
    return "You are being rate limited."


def _headers(limit: int, remaining: int, reset_after: float, bucket: str) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
    }


def _http_body(status: int) -> Payload:
    return {"message": f"{status}: {http.HTTPStatus(status).phrase}", "code": 0}
