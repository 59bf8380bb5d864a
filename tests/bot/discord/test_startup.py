"""Startup says precisely what is missing: guilds, channels, permissions, the intent, the token."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.adapters.discord import DiscordAdapter, DiscordStartError
from bot.desk_settings import desk_settings
from handlers.desk import Desk
from storage.cursors import ChannelCursors
from storage.store import SqliteStore
from tests.bot.discord.conftest import FAST, World, running
from tests.clock import FakeClock
from tests.fakes.discord import discord_py_pointed_at, events

Setup = Callable[[World], dict[str, object]]


def deny(channel: str, permission: str) -> Setup:
    def setup(world: World) -> dict[str, object]:
        world.fake.deny_permission(getattr(world, channel)["id"], permission)
        return {}

    return setup


def configure(**discord: Callable[[World], object]) -> Setup:
    return lambda world: {key: value(world) for key, value in discord.items()}


@pytest.mark.parametrize(
    ("setup", "problem"),
    [
        (
            deny("triage", "SEND_MESSAGES"),
            "discord.triage_channel: deskbot lacks Send Messages in #triage ({triage}){fix}",
        ),
        (
            deny("support", "CREATE_PUBLIC_THREADS"),
            "discord.support_channels: deskbot lacks Create Public Threads in #support"
            " ({support}){fix}",
        ),
        (
            deny("forum", "SEND_MESSAGES_IN_THREADS"),
            "discord.support_channels: deskbot lacks Send Messages in Threads in #help"
            " ({forum}){fix}",
        ),
        (
            deny("leads", "VIEW_CHANNEL"),
            "discord.leads_channel: deskbot lacks View Channel, Send Messages, Read Message"
            " History, Attach Files in #leads ({leads}){fix}",
        ),
        (
            deny("leads", "ATTACH_FILES"),
            "discord.leads_channel: deskbot lacks Attach Files in #leads ({leads}){fix}",
        ),
        (
            configure(support_channels=lambda world: ["1234"]),
            "discord.support_channels: deskbot cannot find channel 1234; check the id, that"
            " deskbot's role has View Channel there, and that deskbot is in that channel's server"
            " (invite it with `deskbot discord-invite`)",
        ),
        (
            configure(triage_channel=lambda world: world.forum["id"]),
            "discord.triage_channel: #help ({forum}) is not a text channel",
        ),
        (
            configure(guilds=lambda world: [world.guild.id, "1234"]),
            "discord.guilds: deskbot is not in guild 1234; invite it with `deskbot discord-invite`",
        ),
    ],
    ids=["triage", "support", "forum", "leads", "chart", "unknown", "not-text", "guild"],
)
async def test_startup_check_names_what_is_missing(
    world: World, store: SqliteStore, clock: FakeClock, setup: Setup, problem: str
) -> None:
    """Each gap in access or config is one sentence naming the key, the channel and the fix."""
    config = world.config(**setup(world))
    async with running(world, store, clock, config) as bot:
        problems = bot.adapter.problems
    ids = {name: getattr(world, name)["id"] for name in ("support", "forum", "triage", "leads")}
    fix = "; allow them for deskbot's role in the channel's settings › Permissions"
    assert problems == [problem.format(fix=fix, **ids)]


async def test_well_set_up_desk_has_no_problems(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """With the permissions the invite asks for, startup finds nothing to complain about."""
    async with running(world, store, clock) as bot:
        assert bot.adapter.problems == []


async def test_identifies_with_exactly_the_intents_it_needs(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """deskbot asks for guilds, guild messages, their content, reactions and direct messages,
    nothing more."""
    async with running(world, store, clock):
        [identify] = world.fake.gateway.identifies
    wanted = events.GUILDS | events.GUILD_MESSAGES | events.MESSAGE_CONTENT
    assert identify["intents"] == wanted | events.GUILD_MESSAGE_REACTIONS | events.DIRECT_MESSAGES


async def test_api_and_gateway_urls_come_from_the_config(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """With discord.py pointed at Discord, deskbot still goes where discord.api_url says."""
    with discord_py_pointed_at("https://discord.com/api/v10", "wss://gateway.discord.gg"):
        async with running(world, store, clock) as bot:
            assert bot.adapter.problems == []
    assert world.fake.identify_count == 1


async def adapter(
    world: World, store: SqliteStore, clock: FakeClock, **discord: object
) -> DiscordAdapter:
    config = world.config(**discord)
    desk = Desk(store, clock, desk_settings(config))
    return DiscordAdapter(config.discord, desk, ChannelCursors(store), clock, FAST)


async def test_refused_message_content_intent_says_where_to_enable_it(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """Without the privileged Message Content intent, startup says where to turn it on."""
    world.fake.gateway.allowed_intents = events.KNOWN_INTENTS & ~events.MESSAGE_CONTENT
    bot = await adapter(world, store, clock)
    with pytest.raises(DiscordStartError, match="Privileged Gateway Intents › Message Content"):
        await bot.run()


async def test_wrong_token_says_which_key_to_fix(
    world: World, store: SqliteStore, clock: FakeClock
) -> None:
    """A token Discord refuses stops startup with a sentence about discord.token."""
    bot = await adapter(world, store, clock, token="not-the-token")
    with pytest.raises(DiscordStartError, match=r"Discord refused discord.token \(401"):
        await bot.run()
