"""Point the unmodified discord.py at another REST base and gateway (a fake, a proxy, a mirror).

discord.py 2.7 has no per-client option for either URL; both are class attributes it reads
at call time, so one assignment each redirects every client in the process:

- `discord.http.Route.BASE` (default `https://discord.com/api/v10`) prefixes every REST route,
  including the interaction callback and follow-up webhooks (`discord.webhook.async_` builds
  its routes with the same `Route`).
- `discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY` (a `yarl.URL`) is where `Client.connect`
  opens its first websocket. `Client` never calls `GET /gateway/bot`; `AutoShardedClient` does
  when `shard_count` is None, and then uses the URL that endpoint answers. After READY,
  resumes go to READY's `resume_gateway_url`; after INVALID_SESSION (d=false) discord.py goes
  back to `DEFAULT_GATEWAY`, so both must point at the same server.

The trade-off: the settings are process-global, not per client. That is fine for a bot
process (set them once at startup from `discord.api_url` / `discord.gateway_url`) and for
tests (set them around each test and restore them, which `discord_py_pointed_at` does).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route


@dataclasses.dataclass(frozen=True)
class DiscordPyEndpoints:
    """The REST base and the gateway URL discord.py uses."""

    api_url: str
    gateway_url: str


def current_endpoints() -> DiscordPyEndpoints:
    """Return where discord.py currently sends REST calls and opens its gateway."""
    return DiscordPyEndpoints(Route.BASE, str(DiscordWebSocket.DEFAULT_GATEWAY))


def point_discord_py_at(api_url: str, gateway_url: str) -> DiscordPyEndpoints:
    """Send discord.py's REST calls to `api_url` and its gateway to `gateway_url`.

    `api_url` includes the version (`https://discord.com/api/v10`); `gateway_url` is a ws(s)
    URL without query (discord.py adds `v`, `encoding` and `compress`). Returns the endpoints
    in force before, so a caller can restore them.
    """
    before = current_endpoints()
    Route.BASE = api_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    return before


@contextlib.contextmanager
def discord_py_pointed_at(api_url: str, gateway_url: str) -> Iterator[DiscordPyEndpoints]:
    """Point discord.py at other endpoints for the duration of a `with` block."""
    before = point_discord_py_at(api_url, gateway_url)
    try:
        yield DiscordPyEndpoints(api_url, gateway_url)
    finally:
        point_discord_py_at(before.api_url, before.gateway_url)
