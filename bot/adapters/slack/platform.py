"""Slack as a `Platform`: which config keys are its own, and the adapter it runs."""

from __future__ import annotations

from typing import ClassVar

from bot.adapters.slack.adapter import SlackAdapter
from bot.adapters.slack.inbound import PLATFORM
from bot.adapters.slack.outbound import SlackSender
from bot.config import Config
from bot.platform import RoleKeys, Services
from handlers.desk import Desk
from handlers.settings import Capabilities, PlatformPlaces


class SlackPlatform:
    """Slack: files, direct messages, ephemeral answers and edited cards."""

    name: ClassVar[str] = PLATFORM
    capabilities: ClassVar[Capabilities] = Capabilities(
        files=True, direct_messages=True, ephemeral=True, edits=True
    )
    role_keys: ClassVar[RoleKeys] = RoleKeys(users=("slack_users",), groups=("slack_usergroups",))

    def __init__(self, adapter: SlackAdapter) -> None:
        self.adapter = adapter

    @classmethod
    def enabled(cls, config: Config) -> bool:
        return config.slack.enabled

    @classmethod
    def places(cls, config: Config) -> PlatformPlaces:
        slack = config.slack
        return PlatformPlaces(
            frozenset(slack.support_channels),
            slack.triage_channel,
            slack.leads_channel,
            direct_messages=slack.direct_messages,
        )

    @classmethod
    def locale(cls, config: Config) -> str | None:
        return config.slack.locale

    @classmethod
    def allowed_bots(cls, config: Config) -> frozenset[str]:
        return frozenset(config.slack.allowed_bots)

    @classmethod
    def from_config(cls, config: Config, desk: Desk, services: Services) -> SlackPlatform | None:
        if not cls.enabled(config):
            return None
        return cls(SlackAdapter(config, desk, services.cursors, desk.clock))

    @property
    def sender(self) -> SlackSender:
        return self.adapter.sender

    async def run(self) -> None:
        await self.adapter.run()

    async def connected(self) -> bool:
        return await self.adapter.connected()

    def leads_workspace(self) -> str | None:
        return self.adapter.leads_workspace()
