"""The Web API client deskbot talks to Slack with: `slack.api_url`, and retries that fit.

slack_sdk only retries connection errors unless told otherwise. deskbot also retries a 5xx
once or twice after a short backoff, and waits out a *short* rate limit in place. A longer
Retry-After is left to the outbox, which records it (so a restart honours it) and meanwhile
keeps delivering to other channels.
"""

from __future__ import annotations

import asyncio
import random

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackConfig

INLINE_RATE_LIMIT_WAIT = 1.0  # seconds: wait longer ones out in the outbox, not in a call
SERVER_ERROR_BACKOFF = 0.25  # seconds before the first retry of a 5xx; doubles after
# Slack's own trouble, answered as HTTP 200 `ok: false` with one of these codes.
TRANSIENT_CODES = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


class ProportionalJitter(Jitter):
    """Add up to a quarter of the wait, so retrying clients spread out."""

    def recalculate(self, duration: float) -> float:
        return duration * (1 + random.random() / 4)


class ShortRateLimitRetryHandler(AsyncRetryHandler):
    """Retry a 429 in place when Slack's Retry-After is short; otherwise let it surface."""

    def __init__(self, max_retry_count: int = 1, max_wait: float = INLINE_RATE_LIMIT_WAIT):
        super().__init__(max_retry_count)
        self.max_wait = max_wait

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return retry_after(response) <= self.max_wait

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = retry_after(response) if response is not None else self.max_wait
        await asyncio.sleep(ProportionalJitter().recalculate(wait))
        state.increment_current_attempt()


def retry_after(response: HttpResponse) -> float:
    """Slack's Retry-After in seconds (1 when it says nothing, as Slack's docs advise)."""
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return float(values[0])
            except ValueError:
                break
    return 1.0


def rate_limit_wait(error: SlackApiError) -> float:
    """How long a rate-limited call's Retry-After says to wait (1 s when it says nothing)."""
    for name, value in (error.response.headers or {}).items():
        if name.lower() == "retry-after":
            first = value[0] if isinstance(value, list) and value else value
            try:
                return float(first)
            except (TypeError, ValueError):
                break
    return 1.0


def retry_handlers() -> list[AsyncRetryHandler]:
    """Connection errors and 5xx retried twice with backoff; short rate limits once."""
    backoff = BackoffRetryIntervalCalculator(SERVER_ERROR_BACKOFF, ProportionalJitter())
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=backoff),
        AsyncServerErrorRetryHandler(max_retry_count=2, interval_calculator=backoff),
        ShortRateLimitRetryHandler(),
    ]


def web_client(config: SlackConfig) -> AsyncWebClient:
    """The bot token's client against `slack.api_url`, with deskbot's retry handlers."""
    token = config.bot_token.get_secret_value() if config.bot_token else None
    base_url = config.api_url.rstrip("/") + "/"  # slack_sdk appends method names to it
    return AsyncWebClient(token=token, base_url=base_url, retry_handlers=retry_handlers())


def pool_connections(client: AsyncWebClient) -> None:
    """Keep connections to Slack open between calls (slack_sdk opens one per call otherwise).

    A broadcast posts each reply a second after Slack answered the last one in that
    channel, so every round trip saved (the TCP and TLS handshakes) is time gained.
    """
    if client.session is None or client.session.closed:
        client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout))


async def close_connections(client: AsyncWebClient) -> None:
    """Close the kept connections; a later call opens its own, as slack_sdk does by default."""
    session, client.session = client.session, None
    if session is not None:
        await session.close()


def error_code(error: SlackApiError) -> str:
    """Slack's error code for a failed call, or its HTTP status when the body had none."""
    response = error.response
    return str(response.get("error") or f"HTTP {response.status_code}")


def is_transient(error: SlackApiError) -> bool:
    """Whether Slack's failure is its own passing trouble (rate limit, 5xx), worth a retry."""
    status = error.response.status_code
    return status == 429 or status >= 500 or error_code(error) in TRANSIENT_CODES
