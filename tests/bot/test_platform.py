"""The Platform seam: each platform brings its own part of the config to the desk."""

from __future__ import annotations

from typing import ClassVar

from bot import config as config_module
from bot.config import Config, RoleMembersConfig, parse_config
from bot.desk_settings import desk_settings
from bot.platform import Platform, RoleKeys, Services
from bot.platforms import PLATFORMS
from handlers.desk import Desk
from handlers.models import Notice, Person, Role
from handlers.settings import Capabilities, PlatformPlaces


class TerminalSender:
    """Remembers what it was asked to deliver."""

    platform = "terminal"

    def __init__(self) -> None:
        self.delivered: list[Notice] = []

    async def deliver(self, notice: Notice, edit_of: str | None) -> str:
        self.delivered.append(notice)
        return edit_of or f"t{len(self.delivered)}"


class TerminalPlatform:
    """A platform that exists only here: enabled with the console, reading its role key."""

    name: ClassVar[str] = "terminal"
    capabilities: ClassVar[Capabilities] = Capabilities(files=True, edits=True)
    role_keys: ClassVar[RoleKeys] = RoleKeys(users=("console_users",))

    def __init__(self) -> None:
        self._sender = TerminalSender()

    @classmethod
    def enabled(cls, config: Config) -> bool:
        return config.console_enabled

    @classmethod
    def places(cls, config: Config) -> PlatformPlaces:
        return PlatformPlaces(frozenset({"lobby"}), "back-office", "boardroom")

    @classmethod
    def allowed_bots(cls, config: Config) -> frozenset[str]:
        return frozenset({"cron"})

    @classmethod
    def locale(cls, config: Config) -> str | None:
        return None

    @classmethod
    def from_config(cls, config: Config, desk: Desk, services: Services) -> TerminalPlatform | None:
        return cls() if cls.enabled(config) else None

    @property
    def sender(self) -> TerminalSender:
        return self._sender

    async def run(self) -> None:
        return None

    def leads_workspace(self) -> str | None:
        return "terminal:local"


NEW_PLATFORM: type[Platform] = TerminalPlatform


def test_a_new_platform_brings_its_places_roles_bots_and_capabilities() -> None:
    """The desk's settings come from the platform classes, prefixed with each one's name."""
    config = parse_config(
        "roles: {agents: {console_users: [bob]}, leads: {console_users: [carol]}}", {}
    )
    settings = desk_settings(config, (NEW_PLATFORM,))
    assert settings.places == {"terminal": TerminalPlatform.places(config)}
    assert settings.capabilities_of("terminal") == Capabilities(files=True, edits=True)
    assert settings.allowed_bots == frozenset({"terminal:cron"})
    assert settings.role_of(Person("terminal", "bob", "bob")) is Role.AGENT
    assert settings.role_of(Person("terminal", "carol", "carol")) is Role.LEAD
    assert settings.role_of(Person("console", "bob", "bob")) is Role.CUSTOMER


def test_a_disabled_platform_contributes_no_places_or_capabilities() -> None:
    """A platform the config leaves off is neither a place nor a capability for the desk."""
    config = parse_config("slack: {enabled: true, bot_token: x, app_token: y}", {})
    settings = desk_settings(config, (NEW_PLATFORM,))
    assert settings.places == {}
    assert settings.capabilities_of("terminal") == Capabilities()


def test_every_role_key_in_the_config_belongs_to_exactly_one_platform() -> None:
    """Each key under roles.agents reaches the desk through the one platform that owns it."""
    owned = [
        key
        for platform in PLATFORMS
        for key in (*platform.role_keys.users, *platform.role_keys.groups)
    ]
    assert sorted(owned) == sorted(RoleMembersConfig.model_fields)


def test_the_registered_platforms_have_distinct_names() -> None:
    """A platform's name prefixes its workspaces and people, so no two may share one."""
    names = [platform.name for platform in PLATFORMS]
    assert len(set(names)) == len(names) == 3


def test_check_config_warns_about_the_role_keys_each_platform_reads() -> None:
    """check-config's staff warnings name the same keys the platforms read their roles from."""
    read = {p.name: {*p.role_keys.users, *p.role_keys.groups} for p in PLATFORMS}
    assert {name: set(keys) for name, keys in config_module._ROLE_KEYS.items()} == read
