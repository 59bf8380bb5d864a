"""The Discord platform: a discord.py client wired to the desk, and the outbox's sender.

    adapter = DiscordAdapter(config.discord, desk, ChannelCursors(store), clock)
    outbox.add_sender(adapter)
    await adapter.run()          # until cancelled; reconnects and resumes on its own

Startup: log in, register the card components, sync `/ticket` to the configured guilds,
connect to the gateway; on READY check channel access, then catch up on what was posted
while the bot was away, and only then let live messages through.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import discord
from discord import app_commands

from bot.adapters.discord import commands, startup, views
from bot.adapters.discord.catchup import CatchUp
from bot.adapters.discord.endpoints import point_discord_py_at
from bot.adapters.discord.inbound import PLATFORM, workspace
from bot.adapters.discord.intake import MessageIntake
from bot.adapters.discord.outbound import DISCORD_PACE, Channels, DiscordSender
from bot.adapters.discord.reactions import ReactionIntake
from bot.adapters.discord.replies import DEFER_AFTER, InteractionDesk
from bot.config import DiscordConfig
from bot.sending import ChannelPace
from handlers.desk import Desk
from handlers.models import Notice
from handlers.ports import Clock, Cursors

log = logging.getLogger(__name__)


class DiscordStartError(RuntimeError):
    """Discord refused to let deskbot in; the message says what to change."""


@dataclass(frozen=True)
class ClientOptions:
    """discord.py's waits; each is there for Discord's sake, and tests shorten them."""

    guild_ready_timeout: float = 2.0  # READY → on_ready, waiting for GUILD_CREATEs
    reidentify_delay: float = 5.0  # before IDENTIFYing again after an invalid session
    defer_after: float = DEFER_AFTER  # answer an interaction or defer it by then
    max_ratelimit_timeout: float = 30.0  # longer rate limits go back to the outbox
    pace: ChannelPace = DISCORD_PACE  # how the outbox spaces posts to each channel or thread


def intents(direct_messages: bool = True) -> discord.Intents:
    """Guilds (channels, threads, roles), guild messages, their content (privileged), and
    reactions to them (🎫, 👀, ✅); direct messages to the bot, when they open tickets."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.message_content = True
    wanted.guild_reactions = True
    # Without it Discord sends no direct messages at all: switched off, none arrive to answer.
    wanted.dm_messages = direct_messages
    return wanted


class DeskClient(discord.Client):
    """discord.py's client, with deskbot's intents, handing every event to the adapter."""

    def __init__(self, adapter: DiscordAdapter, options: ClientOptions) -> None:
        super().__init__(
            intents=intents(adapter.config.direct_messages),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=options.guild_ready_timeout,
            max_ratelimit_timeout=options.max_ratelimit_timeout,
        )
        self.adapter = adapter
        self.options = options
        self.interaction_desk = adapter.interaction_desk

    async def setup_hook(self) -> None:
        await self.adapter.setup()

    async def on_ready(self) -> None:
        await self.adapter.ready()

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.intake.posted(message)

    async def on_raw_message_edit(self, event: discord.RawMessageUpdateEvent) -> None:
        await self.adapter.intake.edited(event)

    async def on_raw_message_delete(self, event: discord.RawMessageDeleteEvent) -> None:
        await self.adapter.intake.deleted(event)

    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        await self.adapter.reactions.added(event)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        if not initial:
            await asyncio.sleep(self.options.reidentify_delay)

    async def close(self) -> None:
        """Disconnect, stopping discord.py's wait for on_ready first."""
        # discord.py turns READY into on_ready after `guild_ready_timeout` in a task that
        # close() leaves running: closed within that wait, the task later dispatches on_ready
        # on a client with no loop, and the on_ready coroutine it made is never awaited.
        ready = self._connection._ready_task
        if ready is not None:
            ready.cancel()
        await super().close()


class DiscordAdapter:
    """Runs deskbot on Discord; also the outbox's `Sender` for the `discord` platform."""

    platform = PLATFORM

    def __init__(
        self,
        config: DiscordConfig,
        desk: Desk,
        cursors: Cursors,
        clock: Clock,
        options: ClientOptions | None = None,
    ) -> None:
        options = options or ClientOptions()
        self.pace = options.pace  # the outbox's `Paced` sender protocol
        self.config = config
        self.interaction_desk = InteractionDesk(desk, options.defer_after)
        self.client = DeskClient(self, options)
        self.connected = asyncio.Event()
        self.caught_up = asyncio.Event()
        self.problems: list[str] = []
        support = frozenset(config.support_channels)
        self.sender = DiscordSender(
            self.client,
            Channels(support, config.triage_channel, config.leads_channel),
            self.connected,
            self.interaction_desk.texts,
        )
        self.intake = MessageIntake(
            self.client, desk, cursors, clock, frozenset(int(c) for c in support), self.desk_guild
        )
        triage = int(config.triage_channel) if config.triage_channel else None
        self.reactions = ReactionIntake(self.client, desk, self.intake, triage)
        self.catch_up = CatchUp(
            self.client,
            self.intake,
            desk,
            cursors,
            clock,
            direct_messages=config.direct_messages,
        )
        self.tree = app_commands.CommandTree(self.client)
        self.tree.add_command(commands.ticket_group(self.interaction_desk))
        self._readying = asyncio.Lock()

    async def deliver(self, notice: Notice, edit_of: str | None) -> str:
        """Post a notice on Discord (the outbox's `Sender` protocol)."""
        return await self.sender.deliver(notice, edit_of)

    async def run(self) -> None:
        """Connect and serve until cancelled or closed; reconnects and resumes by itself."""
        point_discord_py_at(self.config.api_url, self.config.gateway_url)
        token = self.config.token.get_secret_value() if self.config.token else ""
        try:
            await self.client.start(token)
        except discord.LoginFailure:
            raise DiscordStartError(
                "Discord refused discord.token (401 Unauthorized): copy the token again from"
                " the Developer Portal › your application › Bot, and set DISCORD_TOKEN."
            ) from None
        except discord.PrivilegedIntentsRequired:
            raise DiscordStartError(
                "Discord refused the Message Content intent: turn on Developer Portal › your"
                " application › Bot › Privileged Gateway Intents › Message Content Intent."
            ) from None
        finally:
            await self.client.close()

    async def close(self) -> None:
        await self.client.close()

    def desk_guild(self) -> int | None:
        """The guild the desk works in: its triage channel's, else a support channel's."""
        config = self.config
        for channel_id in (config.triage_channel, *config.support_channels):
            channel = self.client.get_channel(int(channel_id)) if channel_id else None
            guild = getattr(channel, "guild", None)
            if guild is not None:
                return int(guild.id)
        return int(config.guilds[0]) if config.guilds else None

    def leads_workspace(self) -> str | None:
        """The guild the leads' channel is in, once the gateway has shown it to us."""
        leads = self.config.leads_channel
        channel = self.client.get_channel(int(leads)) if leads else None
        guild = getattr(channel, "guild", None)
        return None if guild is None else workspace(guild.id)

    async def setup(self) -> None:
        """After login, before the gateway: register card components and sync `/ticket`."""
        self.client.add_dynamic_items(views.CardAction, views.SurveyScore)
        guilds: list[discord.Object | None] = [discord.Object(int(g)) for g in self.config.guilds]
        for guild in guilds or [None]:
            await self._sync(guild)

    async def _sync(self, guild: discord.Object | None) -> None:
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        try:
            await self.tree.sync(guild=guild)
        except discord.HTTPException as error:
            where = f"guild {guild.id}" if guild else "Discord (globally)"
            log.error(
                "Cannot register /ticket in %s (%s): check discord.guilds, and that deskbot was"
                " invited with the applications.commands scope (`deskbot discord-invite`)",
                where,
                error,
            )

    def is_connected(self) -> bool:
        """Whether the gateway connection is up now (not merely once was, or reconnecting)."""
        client = self.client
        socket = client.ws
        return client.is_ready() and not client.is_closed() and socket is not None and socket.open

    async def ready(self) -> None:
        """On every READY: check access, catch up on missed messages, then go live."""
        self.connected.set()
        async with self._readying:
            self.intake.pause()
            try:
                self.problems = startup.check(self.client, self.config)
                for problem in self.problems:
                    log.error("Discord setup: %s", problem)
                support = (int(channel) for channel in self.config.support_channels)
                await self.catch_up.run(support)
            finally:
                self.intake.resume()
                self.caught_up.set()
