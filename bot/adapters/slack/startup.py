"""What deskbot checks when it connects to Slack, saying precisely what is missing.

The token must be accepted (`auth.test`), and the bot must be in every configured channel
(`conversations.info`), and configured user groups must exist. A bad token stops deskbot;
a channel or group problem is logged with the key to fix, and the rest keeps working.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.client import error_code
from bot.adapters.slack.inbound import workspace_of
from bot.adapters.slack.outbound import TOKEN_FIX
from bot.config import RolesConfig, SlackConfig

log = logging.getLogger(__name__)


APP_TOKEN_FIX = (
    "It must be an app-level token (xapp-…) with the connections:write scope, from the app's "
    "Basic Information → App-Level Tokens, and Socket Mode must be on"
)


class SlackStartupError(Exception):
    """Slack will not let deskbot in; the message says which key or setting to fix."""


@dataclass(frozen=True)
class SlackIdentity:
    """Who the bot token belongs to (`auth.test`)."""

    team_id: str
    team: str
    url: str
    bot_user_id: str
    bot_id: str | None
    bot_name: str = "deskbot"

    @property
    def workspace(self) -> str:
        return workspace_of(self.team_id)


async def identify(client: AsyncWebClient) -> SlackIdentity:
    """Ask Slack who the bot token is; a refused token stops deskbot with what to fix."""
    try:
        answer = await client.auth_test()
    except SlackApiError as error:
        code = error_code(error)
        raise SlackStartupError(f"Slack refused slack.bot_token ({code}). {TOKEN_FIX}.") from None
    except (aiohttp.ClientError, TimeoutError) as error:
        why = str(error) or type(error).__name__
        raise SlackStartupError(
            f"Cannot reach Slack at slack.api_url ({client.base_url}): {why}"
        ) from None
    return SlackIdentity(
        team_id=str(answer["team_id"]),
        team=str(answer.get("team") or answer["team_id"]),
        url=str(answer.get("url") or "https://slack.com/"),
        bot_user_id=str(answer["user_id"]),
        bot_id=answer.get("bot_id"),
        bot_name=str(answer.get("user") or "deskbot"),
    )


async def check_app_token(client: AsyncWebClient, app_token: str) -> None:
    """Make sure Slack takes the app-level token (Socket Mode would retry it forever)."""
    try:
        await client.apps_connections_open(app_token=app_token)
    except SlackApiError as error:
        raise SlackStartupError(
            f"Slack refused slack.app_token ({error_code(error)}). {APP_TOKEN_FIX}."
        ) from None


def configured_channels(config: SlackConfig) -> Iterator[tuple[str, str]]:
    """Every configured channel with the key it comes from."""
    for channel in config.support_channels:
        yield "slack.support_channels", channel
    if config.triage_channel:
        yield "slack.triage_channel", config.triage_channel
    if config.leads_channel:
        yield "slack.leads_channel", config.leads_channel


def configured_usergroups(roles: RolesConfig) -> Iterator[tuple[str, str]]:
    """Every configured Slack user group with the key it comes from."""
    for role in ("agents", "leads"):
        for group in getattr(roles, role).slack_usergroups:
            yield f"roles.{role}.slack_usergroups", group


async def channel_problems(
    client: AsyncWebClient, config: SlackConfig, identity: SlackIdentity
) -> list[str]:
    """What keeps the bot from working in each configured channel, one line each."""
    problems = []
    for key, channel in configured_channels(config):
        problem = await _channel_problem(client, key, channel, identity)
        if problem:
            problems.append(problem)
    return problems


async def _channel_problem(
    client: AsyncWebClient, key: str, channel: str, identity: SlackIdentity
) -> str | None:
    try:
        info = (await client.conversations_info(channel=channel))["channel"]
    except SlackApiError as error:
        code = error_code(error)
        if code == "missing_scope":
            needed = error.response.get("needed") or "channels:read, groups:read"
            return f"{key}: cannot check {channel}: the app lacks the {needed} scope"
        return (
            f"{key}: {channel} not found ({code}); use the channel's id (C…) and, for a "
            f"private channel, invite the bot first"
        )
    name = f"#{info.get('name', channel)} ({channel})"
    if info.get("is_archived"):
        return f"{key}: {name} is archived"
    if not info.get("is_member"):
        return f"{key}: the bot is not in {name}; in Slack, type /invite @{identity.bot_name} there"
    return None


async def usergroup_problems(
    client: AsyncWebClient, groups: Iterable[tuple[str, str]]
) -> list[str]:
    """Configured user groups Slack does not know (or will not list)."""
    problems = []
    for key, group in groups:
        try:
            await client.usergroups_users_list(usergroup=group)
        except SlackApiError as error:
            code = error_code(error)
            if code == "missing_scope":
                problems.append(f"{key}: cannot read {group}: the app lacks usergroups:read")
            else:
                problems.append(f"{key}: user group {group} not found ({code})")
    return problems


async def check(
    client: AsyncWebClient, config: SlackConfig, roles: RolesConfig
) -> tuple[SlackIdentity, list[str]]:
    """Identify the bot and log, one line each, whatever is missing in the workspace."""
    identity = await identify(client)
    problems = await channel_problems(client, config, identity)
    problems += await usergroup_problems(client, configured_usergroups(roles))
    for problem in problems:
        log.error("Slack set-up: %s", problem)
    log.info(
        "Connected to Slack workspace %s (%s) as %s; %d set-up problem(s)",
        identity.team,
        identity.team_id,
        identity.bot_user_id,
        len(problems),
    )
    return identity, problems
