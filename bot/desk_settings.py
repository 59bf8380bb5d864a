"""Translate the validated config into the core's plain settings."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.config import Config, RoleMembersConfig
from handlers.business_time import BusinessCalendar
from handlers.settings import (
    DeskSettings,
    EscalationSettings,
    FollowupSettings,
    PlatformPlaces,
    Reminder,
    RoleMembers,
    SlaPolicy,
)

CONSOLE_WORKSPACE = "console:local"
CONSOLE_SUPPORT, CONSOLE_TRIAGE, CONSOLE_LEADS = "support", "triage", "leads"


def role_members(members: RoleMembersConfig) -> RoleMembers:
    users = {f"slack:{user}" for user in members.slack_users}
    users |= {f"discord:{user}" for user in members.discord_users}
    users |= {f"console:{user}" for user in members.console_users}
    groups = {f"slack:{group}" for group in members.slack_usergroups}
    groups |= {f"discord:{role}" for role in members.discord_roles}
    return RoleMembers(frozenset(users), frozenset(groups))


def platform_places(config: Config) -> dict[str, PlatformPlaces]:
    places = {}
    if config.slack.enabled:
        slack = config.slack
        places["slack"] = PlatformPlaces(
            frozenset(slack.support_channels), slack.triage_channel, slack.leads_channel
        )
    if config.discord.enabled:
        discord = config.discord
        places["discord"] = PlatformPlaces(
            frozenset(discord.support_channels), discord.triage_channel, discord.leads_channel
        )
    if config.console_enabled:
        places["console"] = PlatformPlaces(
            frozenset({CONSOLE_SUPPORT}), CONSOLE_TRIAGE, CONSOLE_LEADS
        )
    return places


def escalation(config: Config, calendars: dict[str, BusinessCalendar]) -> EscalationSettings:
    spec = config.escalation
    unclaimed = breach = None
    if spec.unclaimed is not None:
        unclaimed = Reminder(spec.unclaimed.after, spec.unclaimed.repeat, spec.unclaimed.max)
    if spec.breach is not None:
        breach = Reminder(timedelta(), spec.breach.repeat, spec.breach.max)
    quiet = calendars[spec.quiet_hours] if spec.quiet_hours else None
    return EscalationSettings(unclaimed, spec.warn_before_breach, breach, spec.idle, quiet)


def allowed_bots(config: Config) -> frozenset[str]:
    """The bots whose messages the desk takes like a person's, as person keys."""
    return frozenset(f"slack:{bot}" for bot in config.slack.allowed_bots)


def desk_settings(config: Config) -> DeskSettings:
    calendars = config.calendars()
    policies = {
        priority: SlaPolicy(
            calendars[policy.calendar],
            policy.first_response,
            policy.next_response,
            policy.resolution,
        )
        for priority, policy in config.sla.policies.items()
    }
    return DeskSettings(
        agents=role_members(config.roles.agents),
        leads=role_members(config.roles.leads),
        places=platform_places(config),
        default_priority=config.tickets.default_priority,
        reopen_window=config.tickets.reopen_window,
        allowed_bots=allowed_bots(config),
        timezone=ZoneInfo(config.timezone),
        sla=policies,
        escalation=escalation(config, calendars),
        followup=FollowupSettings(config.followup.nudge_after, config.followup.resolve_after),
        calendars=calendars,
        digest=config.digest.settings(),
    )
