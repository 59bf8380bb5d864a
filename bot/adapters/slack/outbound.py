"""Deliver the desk's notices to Slack: render them, post or edit them, classify failures.

`SlackSender` is the outbox's `Sender` for Slack. It never retries on its own beyond the web
client's short retries: it says whether a failure is worth retrying (and when), whether the
card to edit is gone, or which config key to fix, and the outbox does the rest.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import blocks, escaping
from bot.adapters.slack.client import error_code, is_transient
from bot.adapters.slack.inbound import PLATFORM
from bot.adapters.slack.manifest import METHOD_SCOPES
from bot.config import SlackConfig
from bot.sending import (
    ChannelPace,
    EditTargetGone,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from handlers.models import Notice, Place
from handlers.texts import Texts

log = logging.getLogger(__name__)

JsonDict = dict[str, Any]

_GONE_CODES = frozenset({"message_not_found", "cant_update_message"})
_CHANNEL_CODES = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
_TOKEN_CODES = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)
# Slack's special limit on chat.postMessage: about one message per second per channel,
# thread replies included. Edits and uploads are paced alike (their tiers are no faster).
SLACK_PACE = ChannelPace(posts=1, per=1.0)
CONNECT_WAIT = 30.0  # seconds a notice waits for start-up before it is retried later
NOT_CONNECTED_RETRY = 60.0  # seconds before trying again when Slack refused deskbot
TOKEN_FIX = (
    "Check slack.bot_token: it must be the app's Bot User OAuth Token (xoxb-…) "
    "from OAuth & Permissions, for the workspace the app is installed in"
)


@dataclass(frozen=True)
class SlackPost:
    """A notice as Slack arguments: fallback text (always given), blocks and metadata."""

    text: str
    blocks: list[JsonDict] | None = None
    metadata: JsonDict | None = None

    def arguments(self) -> JsonDict:
        found = {"text": self.text, "blocks": self.blocks, "metadata": self.metadata}
        return {key: value for key, value in found.items() if value is not None}


def render(notice: Notice, t: Texts, command: str = escaping.DEFAULT_COMMAND) -> SlackPost:
    """Render a notice: escaped text with its mentions, and the card's blocks for cards."""
    text = escaping.named_command(notice.text, command)
    live = " ".join(escaping.mention(mention) for mention in notice.mentions)
    body = escaping.mrkdwn(text, escaping.MESSAGE_TEXT - len(live) - 1)
    if notice.survey is not None:
        markup = escaping.mrkdwn(text, escaping.SECTION_TEXT)
        return SlackPost(body, blocks.survey_blocks(notice.survey, markup))
    if notice.card is None:
        body = f"{live} {body}" if live else body
        return SlackPost(body, blocks.notice_blocks(body, notice, t))
    return SlackPost(
        body, blocks.card_blocks(notice.card, t), metadata=blocks.card_metadata(notice.card)
    )


class SlackSender:
    """Posts notices with the bot token; `edit_of` is the ts of the card to `chat.update`.

    Until Slack has accepted the token at start-up, notices wait (a little) rather than
    being tried: a refused token must leave them queued for the next start, not failed.
    """

    platform = PLATFORM

    def __init__(
        self,
        client: AsyncWebClient,
        config: SlackConfig,
        texts: Texts,
        pace: ChannelPace = SLACK_PACE,
    ) -> None:
        self.pace = pace  # the outbox spaces posts to each channel by it
        self.client = client
        self.config = config
        self.texts = texts  # for the card's labels
        self._settled = asyncio.Event()
        self._refused: str | None = None

    def accept(self) -> None:
        """Slack took the token: deliver."""
        self._refused = None
        self._settled.set()

    def refuse(self, reason: str) -> None:
        """Slack refused deskbot at start-up: keep notices queued, retrying later."""
        self._refused = reason
        self._settled.set()

    async def _wait_until_connected(self) -> None:
        try:
            async with asyncio.timeout(CONNECT_WAIT):
                await self._settled.wait()
        except TimeoutError:
            raise TransientDeliveryError("Slack is not connected yet") from None
        if self._refused is not None:
            raise TransientDeliveryError(
                f"Slack is not connected ({self._refused})", NOT_CONNECTED_RETRY
            )

    async def deliver(self, notice: Notice, edit_of: str | None) -> str:
        """Post the notice (or edit the card at `edit_of`) and return the message's ts."""
        await self._wait_until_connected()
        if notice.direct_to is not None:
            # Posting to a user id lands in the app's direct messages with them.
            notice = replace(
                notice, place=Place(notice.place.workspace, notice.direct_to), mentions=()
            )
        post = render(notice, self.texts, self.config.command)
        channel = notice.place.channel
        method = "chat.update" if edit_of is not None else "chat.postMessage"
        try:
            if notice.file is not None and edit_of is None:
                return await self._upload(notice, post)
            if edit_of is not None:
                answer = await self.client.chat_update(
                    channel=channel, ts=edit_of, **post.arguments()
                )
            else:
                answer = await self.client.chat_postMessage(
                    channel=channel,
                    thread_ts=notice.place.thread,
                    unfurl_links=False,
                    unfurl_media=False,
                    **post.arguments(),
                )
        except SlackApiError as error:
            raise self.classify(error, method, channel) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransientDeliveryError(f"cannot reach Slack ({error!r})") from error
        return str(answer["ts"])

    async def _upload(self, notice: Notice, post: SlackPost) -> str:
        """Share the notice's file (the digest's chart) with its text as the comment."""
        assert notice.file is not None
        answer = await self.client.files_upload_v2(
            channel=notice.place.channel,
            thread_ts=notice.place.thread,
            file=notice.file.content,
            filename=notice.file.name,
            title=notice.file.name,
            initial_comment=post.text,
        )
        return str(answer["files"][0]["id"])

    def classify(
        self, error: SlackApiError, method: str, channel: str
    ) -> TransientDeliveryError | PermanentDeliveryError | EditTargetGone:
        """Say what a failed call means for the notice: retry, repost, or fix the config."""
        response, code = error.response, error_code(error)
        if response.status_code == 429 or code == "ratelimited":
            return TransientDeliveryError("rate limited by Slack", _retry_after(response))
        if is_transient(error):
            return TransientDeliveryError(f"Slack answered {code}")
        if method == "chat.update" and code in _GONE_CODES:
            return EditTargetGone(f"the card to edit is gone ({code})")
        return PermanentDeliveryError(f"Slack refused it: {code}", self.fix(error, method, channel))

    def fix(self, error: SlackApiError, method: str, channel: str) -> str:
        """Which config key or Slack setting to change so that the notice can go through."""
        code = error_code(error)
        if code in _TOKEN_CODES:
            return TOKEN_FIX
        if code == "missing_scope":
            needed = error.response.get("needed") or " or ".join(METHOD_SCOPES[method])
            return (
                f"Add the {needed} scope to the Slack app and reinstall it to the workspace"
                " (deskbot slack-manifest lists every scope deskbot needs)"
            )
        if code in _CHANNEL_CODES:
            return channel_fix(self.config, code, channel)
        return f"Slack's error {code!r} needs a look; the notice is kept as failed"


def channel_fix(config: SlackConfig, code: str, channel: str) -> str:
    """Name the config key that points at `channel`, and what is wrong with it."""
    key = config_key_of(config, channel)
    if code == "not_in_channel":
        return f"Invite the bot to {channel} (/invite @deskbot in the channel), or correct {key}"
    if code == "is_archived":
        return f"{channel} is archived: unarchive it, or point {key} at another channel"
    return (
        f"{channel} does not exist or the bot cannot see it (a private channel needs the bot "
        f"invited first): correct {key}"
    )


def config_key_of(config: SlackConfig, channel: str) -> str:
    """The config key a channel comes from, for messages telling an operator what to fix."""
    if channel == config.triage_channel:
        return "slack.triage_channel"
    if channel == config.leads_channel:
        return "slack.leads_channel"
    if channel in config.support_channels:
        return "slack.support_channels"
    return "the channel of the ticket (it was opened with a reaction there)"


def _retry_after(response: Any) -> float | None:
    headers = {key.lower(): value for key, value in (response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
