"""Record every REST call the fake answered, and find them again by route."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from .messages import UploadedFile

_PLACEHOLDER = re.compile(r"\{[^}]*\}")


@dataclasses.dataclass(frozen=True)
class Call:
    """One REST request and the fake's answer (paths are relative to `/api/v10`)."""

    method: str
    path: str
    route: str
    query: dict[str, str]
    json: Any
    files: tuple[UploadedFile, ...]
    status: int
    response: Any


def same_route(pattern: str, path: str, route: str) -> bool:
    """Match a concrete path, or a template whose placeholder names may differ."""
    if "{" not in pattern:
        return pattern == path
    return route_shape(pattern) == route_shape(route)


def route_shape(template: str) -> str:
    """A route template with its placeholders unnamed: `/channels/{}/messages`."""
    return _PLACEHOLDER.sub("{}", template)


class CallLog:
    """The calls answered so far, oldest first."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    def record(self, call: Call) -> None:
        """Append an answered call."""
        self.calls.append(call)

    def calls_to(self, method: str, route: str) -> list[Call]:
        """Return calls to `route` (`/channels/{id}/messages` or a concrete path)."""
        wanted = method.upper()
        return [c for c in self.calls if c.method == wanted and same_route(route, c.path, c.route)]
