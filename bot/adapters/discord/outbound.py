"""Deliver the desk's notices as Discord messages: in threads, as cards with buttons, edited.

The outbox calls `deliver` and records the message id it returns; what can go wrong is
translated into the outbox's errors: wait and retry (rate limits discord.py would not wait
out, 5xx, network), give up loudly with the config key to fix (missing access, missing
permissions, unknown channel), or post anew (the card to edit is gone).
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass

import aiohttp
import discord

from bot.adapters.discord import limits, views
from bot.adapters.discord.inbound import guild_of
from bot.sending import (
    ChannelPace,
    DeliveryError,
    EditTargetGone,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from handlers.models import Mention, Notice, NoticeKind, Place
from handlers.texts import Texts

# Discord's JSON error codes (opcodes and status codes › JSON error codes).
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
THREAD_ALREADY_CREATED = 160004

CONNECT_TIMEOUT = 10.0  # how long a notice waits for the first connection
# Discord's message create: five per five seconds per channel, and a thread is a channel.
# discord.py waits out each bucket too; pacing first keeps that wait in the notice's lane.
DISCORD_PACE = ChannelPace(posts=5, per=5.0, per_thread=True)


@dataclass(frozen=True)
class Channels:
    """The configured channel ids, so a failure can name the config key that points there."""

    support: frozenset[str]
    triage: str | None
    leads: str | None

    def key_for(self, channel: str) -> str:
        if channel == self.triage:
            return "discord.triage_channel"
        if channel == self.leads:
            return "discord.leads_channel"
        return "discord.support_channels"


def allowed_mentions(mentions: tuple[Mention, ...]) -> discord.AllowedMentions:
    """Ping exactly the notice's mentions; customer text can never ping anyone."""
    if not mentions:
        return discord.AllowedMentions.none()
    users = [discord.Object(int(m.id)) for m in mentions if m.kind == "user"]
    roles = [discord.Object(int(m.id)) for m in mentions if m.kind == "group"]
    return discord.AllowedMentions(everyone=False, users=users, roles=roles, replied_user=False)


def content(notice: Notice) -> str:
    """The message text: the mentions it pings on purpose, then what the desk says."""
    tags = [f"<@&{m.id}>" if m.kind == "group" else f"<@{m.id}>" for m in notice.mentions]
    return " ".join([*tags, notice.text])


class DiscordSender:
    """The outbox's way into Discord (the `Sender` protocol)."""

    platform = "discord"

    def __init__(
        self, client: discord.Client, channels: Channels, connected: asyncio.Event, texts: Texts
    ) -> None:
        self.client = client
        self.channels = channels
        self.connected = connected
        self.texts = texts  # for the card's buttons

    async def deliver(self, notice: Notice, edit_of: str | None) -> str:
        """Post the notice (or edit message `edit_of`) and return the Discord message id."""
        if self.client.is_closed():
            raise TransientDeliveryError("deskbot is disconnected from Discord")
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                await self.connected.wait()
        except TimeoutError:
            raise TransientDeliveryError("deskbot is not connected to Discord yet") from None
        try:
            if edit_of is not None:
                return await self._edit(notice, int(edit_of))
            return await self._post(notice)
        except (discord.HTTPException, discord.RateLimited) as error:
            raise self._failure(error, notice, editing=edit_of is not None) from error
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise TransientDeliveryError(f"cannot reach Discord: {error!r}") from error

    async def _post(self, notice: Notice) -> str:
        if notice.direct_to is not None:
            try:
                return await self._direct(notice, notice.direct_to)
            except discord.Forbidden:
                pass  # their DMs are closed to the bot: say it in `place`, mentioning them
        forum = self._forum(notice.place)
        if forum is not None and notice.place.thread is None:
            return await self._open_post(forum, notice)
        target = await self._target(notice)
        pieces = limits.chunks(content(notice))
        mentions = allowed_mentions(notice.mentions)
        if notice.card is not None:  # one message, carrying the card's components
            card = views.card_view(notice.card, self.texts)
            sent = await target.send(pieces[0], view=card, allowed_mentions=mentions)
            return str(sent.id)
        if notice.survey is not None:  # one message, carrying the survey's buttons
            survey = views.survey_view(notice.survey)
            sent = await target.send(pieces[0], view=survey, allowed_mentions=mentions)
            return str(sent.id)
        if notice.file is not None:  # the file (the digest's chart) rides on the first piece
            attached = discord.File(io.BytesIO(notice.file.content), filename=notice.file.name)
            first = await target.send(pieces[0], file=attached, allowed_mentions=mentions)
            pieces = pieces[1:]
            sent_ids = [first.id]
        else:
            sent_ids = []
        buttons = views.notice_view(notice, self.texts)  # under the last piece, if any
        for number, piece in enumerate(pieces, start=1):
            if buttons is not None and number == len(pieces):
                sent = await target.send(piece, view=buttons, allowed_mentions=mentions)
            else:
                sent = await target.send(piece, allowed_mentions=mentions)
            sent_ids.append(sent.id)
        return str(sent_ids[0])

    async def _direct(self, notice: Notice, user_id: str) -> str:
        """Send the notice privately to one person (their DM channel with the bot)."""
        channel = await self.client.create_dm(discord.Object(int(user_id)))
        pieces = limits.chunks(notice.text)
        sent_ids = [
            (await channel.send(piece, allowed_mentions=discord.AllowedMentions.none())).id
            for piece in pieces
        ]
        return str(sent_ids[0])

    async def _open_post(self, forum: discord.ForumChannel, notice: Notice) -> str:
        """A forum takes no plain message: a notice for the forum itself (an incident's
        banner) opens a post of its own, titled by its first line. The post's starter message
        has the post's id, so edits find it by the message id alone."""
        text = limits.chunks(content(notice))[0]
        post = await forum.create_thread(
            name=limits.thread_name(text.splitlines()[0]),
            content=text,
            allowed_mentions=allowed_mentions(notice.mentions),
        )
        return str(post.message.id)

    async def _edit(self, notice: Notice, message_id: int) -> str:
        where = int(notice.place.thread or notice.place.channel)
        if notice.place.thread is None and self._forum(notice.place) is not None:
            where = message_id  # a post's starter message, in the post's own thread
        channel = self._messageable(notice.place, where)
        text = limits.chunks(content(notice))[0]
        view: discord.ui.View = discord.utils.MISSING
        if notice.card is not None:
            view = views.card_view(notice.card, self.texts)
        elif notice.survey is not None:
            view = views.survey_view(notice.survey)
        else:
            # An edited alert or ack shows the buttons it offers now, and none once it offers none.
            view = views.notice_view(notice, self.texts) or discord.ui.View(timeout=None)
        mentions = allowed_mentions(notice.mentions)
        await channel.get_partial_message(message_id).edit(
            content=text, view=view, allowed_mentions=mentions
        )
        return str(message_id)

    async def _target(self, notice: Notice) -> discord.PartialMessageable:
        place = notice.place
        if place.thread is None:
            return self._messageable(place, int(place.channel))
        if notice.thread_title is not None:
            await self._ensure_thread(place, notice.thread_title)
        return self._messageable(place, int(place.thread))

    async def _ensure_thread(self, place: Place, title: str) -> None:
        """Start the ticket's thread on the customer's message, unless it exists already."""
        assert place.thread is not None
        guild = self.client.get_guild(guild_of(place.workspace))
        if guild is not None and guild.get_thread(int(place.thread)) is not None:
            return
        if self._forum(place) is not None:
            return  # a forum post is its own thread
        starter = self._messageable(place, int(place.channel)).get_partial_message(
            int(place.thread)
        )
        try:
            await starter.create_thread(name=limits.thread_name(title))
        except discord.HTTPException as error:
            # A crash after creating the thread but before recording the ack lands here.
            if error.code != THREAD_ALREADY_CREATED:
                raise

    def _forum(self, place: Place) -> discord.ForumChannel | None:
        channel = self.client.get_channel(int(place.channel))
        return channel if isinstance(channel, discord.ForumChannel) else None

    def _messageable(self, place: Place, channel_id: int) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(channel_id, guild_id=guild_of(place.workspace))

    def _failure(
        self, error: discord.HTTPException | discord.RateLimited, notice: Notice, *, editing: bool
    ) -> DeliveryError:
        """Translate what Discord answered into what the outbox should do about it."""
        if isinstance(error, discord.RateLimited):
            return TransientDeliveryError("rate limited by Discord", error.retry_after)
        place = notice.place
        where = f"Discord channel {place.thread or place.channel}"
        key = self.channels.key_for(place.channel)
        if error.status == 429 or error.status >= 500:
            return TransientDeliveryError(f"Discord answered {error.status} {error.text}".strip())
        if editing and error.code == UNKNOWN_MESSAGE:
            return EditTargetGone(f"message to edit in {where} is gone")
        if error.code == MISSING_ACCESS:
            return PermanentDeliveryError(
                f"deskbot can't see {where} (Missing Access)",
                f"Give deskbot's role View Channel there, or change {key}",
            )
        if error.code == MISSING_PERMISSIONS:
            return PermanentDeliveryError(
                f"deskbot lacks permissions in {where} (Missing Permissions)",
                f"Give deskbot's role {_needed(notice)} there, or change {key}",
            )
        if error.code == UNKNOWN_CHANNEL:
            return PermanentDeliveryError(f"there is no {where}", f"Check {key}")
        return PermanentDeliveryError(
            f"Discord refused the {notice.kind} for {where}: {error.status} {error.text}".strip()
        )


def _needed(notice: Notice) -> str:
    if notice.kind is NoticeKind.ACK:
        return "Create Public Threads and Send Messages in Threads"
    if notice.place.thread is not None:
        return "Send Messages in Threads"
    return "Send Messages"
