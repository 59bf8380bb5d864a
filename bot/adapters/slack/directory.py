"""Who is who on Slack: names from `users.info`, user groups from `usergroups.users.list`.

Roles live in config as user ids and user-group ids; a person's `groups` are the configured
groups they are in, so `roles.agents.slack_usergroups: [S0AGENTS]` makes everyone in
@agents an agent. Both are cached and refreshed, so a busy channel costs no extra calls and
someone added to @agents becomes an agent within `refresh`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.client import error_code
from bot.adapters.slack.inbound import PLATFORM, SlackMessage
from handlers.models import Person
from handlers.ports import Clock

log = logging.getLogger(__name__)

REFRESH = timedelta(minutes=10)


@dataclass(frozen=True)
class _Profile:
    name: str
    is_bot: bool
    fetched_at: datetime


class SlackDirectory:
    """Looks people up, caching what Slack says for `refresh`."""

    def __init__(
        self,
        client: AsyncWebClient,
        usergroups: Iterable[str],
        clock: Clock,
        refresh: timedelta = REFRESH,
    ) -> None:
        self.client = client
        self.usergroups = tuple(dict.fromkeys(usergroups))
        self.clock = clock
        self.refresh = refresh
        self._profiles: dict[str, _Profile] = {}
        self._members: dict[str, frozenset[str]] = {}
        self._members_at: datetime | None = None
        self._members_lock = asyncio.Lock()
        self._complained: set[tuple[str, str]] = set()

    async def person(self, user_id: str) -> Person:
        """The person behind a user id, with their name and configured user groups."""
        profile = await self._profile(user_id)
        groups = await self.groups_of(user_id)
        return Person(PLATFORM, user_id, profile.name, groups, is_bot=profile.is_bot)

    async def people(self, user_ids: Iterable[str]) -> tuple[Person, ...]:
        return tuple([await self.person(user_id) for user_id in user_ids])

    async def names(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Display names by user id, for turning `<@U…>` into `@name`."""
        return {user_id: (await self._profile(user_id)).name for user_id in user_ids}

    async def author(self, message: SlackMessage) -> Person:
        """Who wrote a message: a person, or a bot (by its bot user, or its bot id)."""
        if message.bot_id is None and message.user is not None:
            return await self.person(message.user)
        author_id = message.author_id or "unknown"
        name = message.bot_name
        if not name and message.user:
            name = (await self._profile(message.user)).name
        return Person(PLATFORM, author_id, name or author_id, is_bot=True)

    async def groups_of(self, user_id: str) -> frozenset[str]:
        members = await self._group_members()
        return frozenset(group for group, users in members.items() if user_id in users)

    # -- caches -----------------------------------------------------------------------------

    def _stale(self, at: datetime | None) -> bool:
        return at is None or self.clock.now() - at >= self.refresh

    async def _profile(self, user_id: str) -> _Profile:
        cached = self._profiles.get(user_id)
        if cached is not None and not self._stale(cached.fetched_at):
            return cached
        try:
            answer = await self.client.users_info(user=user_id)
        except SlackApiError as error:
            self._complain("users.info", error)
            # Better an id in a greeting than a lost message: keep what we knew, if anything.
            return cached or _Profile(user_id, False, self.clock.now())
        profile = _read_profile(answer["user"], self.clock.now())
        self._profiles[user_id] = profile
        return profile

    async def _group_members(self) -> dict[str, frozenset[str]]:
        if not self.usergroups:
            return {}
        async with self._members_lock:
            if self._stale(self._members_at):
                for group in self.usergroups:
                    await self._load_group(group)
                self._members_at = self.clock.now()
        return self._members

    async def _load_group(self, group: str) -> None:
        try:
            answer = await self.client.usergroups_users_list(usergroup=group)
        except SlackApiError as error:
            self._complain(f"usergroups.users.list for {group}", error)
            return  # keep the last membership we knew
        self._members[group] = frozenset(answer.get("users") or ())

    def _complain(self, what: str, error: SlackApiError) -> None:
        code = error_code(error)
        if (what, code) not in self._complained:
            self._complained.add((what, code))
            log.warning("Slack refused %s (%s); names or roles may be out of date", what, code)


def _read_profile(user: dict[str, object], now: datetime) -> _Profile:
    profile = user.get("profile") or {}
    assert isinstance(profile, dict)
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or user.get("id")
    )
    return _Profile(str(name), bool(user.get("is_bot")), now)
