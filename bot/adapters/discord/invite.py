"""The OAuth2 URL that adds deskbot to a Discord server with exactly what it needs."""

from __future__ import annotations

import discord

from bot.adapters.discord.endpoints import point_discord_py_at
from bot.adapters.discord.startup import LABELS
from bot.config import DiscordConfig

# `bot` puts deskbot in the server; `applications.commands` lets it register /ticket.
SCOPES = ("bot", "applications.commands")

# Each permission deskbot asks for, and why. Nothing else: no Administrator, no Manage
# anything, and no Mention Everyone (escalations ping roles that are set mentionable).
PERMISSIONS = {
    "view_channel": "see the support, triage and leads channels",
    "send_messages": "post triage cards, escalations and digests",
    "create_public_threads": "open a thread on each customer's message",
    "send_messages_in_threads": "answer customers in their ticket's thread",
    "read_message_history": "catch up after being offline, and read a message given a 🎫",
    "attach_files": "attach the chart to the leads' digest",
}


def permissions() -> discord.Permissions:
    return discord.Permissions(**dict.fromkeys(PERMISSIONS, True))


def invite_url(application_id: int, guild_id: int | None = None) -> str:
    """The URL a server admin opens to add deskbot (to `guild_id`, if given)."""
    guild = discord.Object(guild_id) if guild_id is not None else discord.utils.MISSING
    return discord.utils.oauth_url(
        application_id, permissions=permissions(), guild=guild, scopes=SCOPES
    )


def explanation() -> list[str]:
    """What the URL asks for, line by line."""
    lines = [f"Scopes: {', '.join(SCOPES)}", "Permissions:"]
    for name, why in PERMISSIONS.items():
        lines.append(f"  {LABELS[name]}: to {why}")
    return lines


async def application_id(config: DiscordConfig) -> int:
    """Ask Discord which application `discord.token` belongs to."""
    if config.token is None or not config.token.get_secret_value():
        raise ValueError("discord.token is not set (set DISCORD_TOKEN, or pass --application-id)")
    point_discord_py_at(config.api_url, config.gateway_url)
    client = discord.Client(intents=discord.Intents.none())
    try:
        await client.login(config.token.get_secret_value())
        assert client.application_id is not None  # login() reads the application
        return client.application_id
    finally:
        await client.close()
