"""Check, once connected, that deskbot can work in every configured guild and channel.

Each problem is one sentence naming the config key, the channel and exactly what is
missing, so an operator can fix it without guessing. Problems are logged, not fatal: the
channels that work keep working.
"""

from __future__ import annotations

from collections.abc import Iterable

import discord

from bot.config import DiscordConfig

# What deskbot does in each kind of channel, and the permissions that takes.
SUPPORT_TEXT = (
    "view_channel",
    "read_message_history",
    "create_public_threads",
    "send_messages_in_threads",
)
SUPPORT_FORUM = ("view_channel", "read_message_history", "send_messages_in_threads")
STAFF = ("view_channel", "send_messages", "read_message_history")
LEADS = (*STAFF, "attach_files")  # the digest's chart goes there as a file

LABELS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "send_messages_in_threads": "Send Messages in Threads",
    "create_public_threads": "Create Public Threads",
    "read_message_history": "Read Message History",
    "attach_files": "Attach Files",
}

_INVITE = "invite it with `deskbot discord-invite`"


def check(client: discord.Client, config: DiscordConfig) -> list[str]:
    """Every reason deskbot cannot do its job with this config, in words an operator acts on."""
    problems = [
        f"discord.guilds: deskbot is not in guild {guild_id}; {_INVITE}"
        for guild_id in config.guilds
        if client.get_guild(int(guild_id)) is None
    ]
    for channel_id in config.support_channels:
        problems += _support(client, channel_id)
    for key, staff_channel, needed in (
        ("discord.triage_channel", config.triage_channel, STAFF),
        ("discord.leads_channel", config.leads_channel, LEADS),
    ):
        if staff_channel is not None:
            problems += _staff(client, key, staff_channel, needed)
    return problems


def _support(client: discord.Client, channel_id: str) -> list[str]:
    key = "discord.support_channels"
    channel = client.get_channel(int(channel_id))
    if isinstance(channel, discord.TextChannel):
        return _permissions(key, channel, SUPPORT_TEXT)
    if isinstance(channel, discord.ForumChannel):
        return _permissions(key, channel, SUPPORT_FORUM)
    if channel is None:
        return [_unknown(key, channel_id)]
    return [f"{key}: {_name(channel)} is not a text or forum channel"]


def _staff(client: discord.Client, key: str, channel_id: str, needed: Iterable[str]) -> list[str]:
    channel = client.get_channel(int(channel_id))
    if isinstance(channel, discord.TextChannel):
        return _permissions(key, channel, needed)
    if channel is None:
        return [_unknown(key, channel_id)]
    return [f"{key}: {_name(channel)} is not a text channel"]


def _permissions(
    key: str, channel: discord.TextChannel | discord.ForumChannel, needed: Iterable[str]
) -> list[str]:
    granted = channel.permissions_for(channel.guild.me)
    missing = [LABELS[name] for name in needed if not getattr(granted, name)]
    if not missing:
        return []
    return [
        f"{key}: deskbot lacks {', '.join(missing)} in {_name(channel)}; allow them for"
        " deskbot's role in the channel's settings › Permissions"
    ]


def _unknown(key: str, channel_id: str) -> str:
    return (
        f"{key}: deskbot cannot find channel {channel_id}; check the id, that deskbot's role"
        f" has View Channel there, and that deskbot is in that channel's server ({_INVITE})"
    )


def _name(channel: object) -> str:
    name = getattr(channel, "name", None)
    channel_id = getattr(channel, "id", "?")
    return f"#{name} ({channel_id})" if name else f"channel {channel_id}"
