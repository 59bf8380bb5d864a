"""Discord as a `Platform`: which config keys are its own, and the adapter it runs."""

from __future__ import annotations

from typing import ClassVar

from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.discord.inbound import PLATFORM
from bot.config import Config
from bot.platform import RoleKeys, Services
from handlers.desk import Desk
from handlers.settings import Capabilities, PlatformPlaces


class DiscordPlatform:
    """Discord: files, direct messages, ephemeral answers and edited cards."""

    name: ClassVar[str] = PLATFORM
    capabilities: ClassVar[Capabilities] = Capabilities(
        files=True, direct_messages=True, ephemeral=True, edits=True
    )
    role_keys: ClassVar[RoleKeys] = RoleKeys(users=("discord_users",), groups=("discord_roles",))

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter

    @classmethod
    def enabled(cls, config: Config) -> bool:
        return config.discord.enabled

    @classmethod
    def places(cls, config: Config) -> PlatformPlaces:
        discord = config.discord
        return PlatformPlaces(
            frozenset(discord.support_channels),
            discord.triage_channel,
            discord.leads_channel,
            direct_messages=discord.direct_messages,
        )

    @classmethod
    def locale(cls, config: Config) -> str | None:
        return config.discord.locale

    @classmethod
    def allowed_bots(cls, config: Config) -> frozenset[str]:
        return frozenset()

    @classmethod
    def from_config(cls, config: Config, desk: Desk, services: Services) -> DiscordPlatform | None:
        if not cls.enabled(config):
            return None
        return cls(DiscordAdapter(config.discord, desk, services.cursors, desk.clock))

    @property
    def sender(self) -> DiscordAdapter:
        return self.adapter

    async def run(self) -> None:
        await self.adapter.run()

    async def connected(self) -> bool:
        return self.adapter.is_connected()

    def leads_workspace(self) -> str | None:
        return self.adapter.leads_workspace()
