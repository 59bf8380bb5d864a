"""Every platform deskbot can run on: adding one is adding its class here."""

from __future__ import annotations

from bot.adapters.console import ConsolePlatform
from bot.adapters.discord.platform import DiscordPlatform
from bot.adapters.slack.platform import SlackPlatform
from bot.platform import Platform

PLATFORMS: tuple[type[Platform], ...] = (SlackPlatform, DiscordPlatform, ConsolePlatform)
