"""The seam every chat platform implements, so adding one is adding a package.

A platform class says, from the config alone, whether it is enabled, where its customers
write and its staff are told things, which of its `roles` keys list people and which groups,
and what it can do (`Capabilities`); `bot/desk_settings.py` turns that into the desk's
settings. `from_config` then builds the running platform: its `sender` joins the outbox,
`run()` serves until its task is cancelled (and cleans up as it ends), `leads_workspace()`
says where the digest goes. The composition root knows platforms only through this protocol
and the `PLATFORMS` registry in `bot/platforms.py`; docs/platforms.md walks through a new one.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, TextIO

from bot.config import Config, RoleMembersConfig
from bot.sending import Sender
from handlers.desk import Desk
from handlers.ports import Cursors
from handlers.settings import Capabilities, PlatformPlaces


@dataclass(frozen=True)
class RoleKeys:
    """A platform's keys under `roles.agents` and `roles.leads`: lists of people, of groups."""

    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    def people(self, members: RoleMembersConfig) -> list[str]:
        """The ids listed under this platform's people keys."""
        return [member for key in self.users for member in getattr(members, key)]

    def group_ids(self, members: RoleMembersConfig) -> list[str]:
        """The ids listed under this platform's group keys (user groups, roles)."""
        return [member for key in self.groups for member in getattr(members, key)]


@dataclass(frozen=True)
class Services:
    """What the composition root lends a platform besides the desk."""

    cursors: Cursors  # read positions per channel, for catching up after downtime
    settle: Callable[[], Awaitable[None]]  # wait until the outbox has sent what is queued
    lines: AsyncIterator[str] | None = None  # typed input, for a platform read from a terminal
    out: TextIO = field(default_factory=lambda: sys.stdout)


class Platform(Protocol):
    """A chat platform, as the composition root and the desk's settings need it."""

    name: ClassVar[str]  # the prefix of its workspaces and person keys: `<name>:<id>`
    capabilities: ClassVar[Capabilities]
    role_keys: ClassVar[RoleKeys]

    @classmethod
    def enabled(cls, config: Config) -> bool:
        """Whether the config turns this platform on."""
        ...

    @classmethod
    def places(cls, config: Config) -> PlatformPlaces:
        """Where its customers write and its agents and leads are told things."""
        ...

    @classmethod
    def allowed_bots(cls, config: Config) -> frozenset[str]:
        """Ids of bots whose messages the desk takes like a person's."""
        ...

    @classmethod
    def locale(cls, config: Config) -> str | None:
        """The language spoken on this platform, when its config sets its own."""
        ...

    @classmethod
    def from_config(cls, config: Config, desk: Desk, services: Services) -> Platform | None:
        """Build the running platform; None when the config leaves it off."""
        ...

    @property
    def sender(self) -> Sender:
        """Deliver the outbox's notices on this platform."""
        ...

    async def run(self) -> None:
        """Connect and serve until cancelled or finished; clean up on the way out."""
        ...

    async def connected(self) -> bool:
        """Whether it is connected to its service right now (`/readyz` asks)."""
        ...

    def leads_workspace(self) -> str | None:
        """The workspace the leads' channel is in (`<name>:<id>`), once known."""
        ...
