"""Translate the validated config into the core's plain settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.config import Config, RoleMembersConfig
from bot.platform import Platform
from bot.platforms import PLATFORMS
from handlers.settings import (
    Capabilities,
    DeskSettings,
    EscalationSettings,
    FollowupSettings,
    PlatformPlaces,
    Reminder,
    RoleMembers,
    SlaPolicy,
)
from handlers.sla.calendar import BusinessCalendar
from handlers.texts import texts_in

Platforms = Sequence[type[Platform]]


def role_members(members: RoleMembersConfig, platforms: Platforms = PLATFORMS) -> RoleMembers:
    """Each platform's people and groups under a role, as `<platform>:<id>` keys."""
    users: set[str] = set()
    groups: set[str] = set()
    for platform in platforms:
        users |= {f"{platform.name}:{user}" for user in platform.role_keys.people(members)}
        groups |= {f"{platform.name}:{group}" for group in platform.role_keys.group_ids(members)}
    return RoleMembers(frozenset(users), frozenset(groups))


def platform_places(config: Config, platforms: Platforms = PLATFORMS) -> dict[str, PlatformPlaces]:
    """Where each enabled platform's people write and are told things."""
    return {p.name: p.places(config) for p in platforms if p.enabled(config)}


def capabilities(config: Config, platforms: Platforms = PLATFORMS) -> dict[str, Capabilities]:
    """What each enabled platform can do."""
    return {p.name: p.capabilities for p in platforms if p.enabled(config)}


def escalation(config: Config, calendars: dict[str, BusinessCalendar]) -> EscalationSettings:
    spec = config.escalation
    unclaimed = breach = None
    if spec.unclaimed is not None:
        unclaimed = Reminder(spec.unclaimed.after, spec.unclaimed.repeat, spec.unclaimed.max)
    if spec.breach is not None:
        breach = Reminder(timedelta(), spec.breach.repeat, spec.breach.max)
    quiet = calendars[spec.quiet_hours] if spec.quiet_hours else None
    return EscalationSettings(unclaimed, spec.warn_before_breach, breach, spec.idle, quiet)


def allowed_bots(config: Config, platforms: Platforms = PLATFORMS) -> frozenset[str]:
    """The bots whose messages the desk takes like a person's, as person keys."""
    return frozenset(
        f"{platform.name}:{bot}" for platform in platforms for bot in platform.allowed_bots(config)
    )


def locales(config: Config, platforms: Platforms = PLATFORMS) -> dict[str, str]:
    """The platforms that speak a language of their own, by name."""
    found = {platform.name: platform.locale(config) for platform in platforms}
    return {name: locale for name, locale in found.items() if locale is not None}


def spoken(config: Config, platforms: Platforms = PLATFORMS) -> dict[str, str]:
    """The platforms' own languages, each catalog read now: at start-up, not in the first
    unit of work that speaks it (reading one holds the writer for tens of milliseconds)."""
    found = locales(config, platforms)
    for locale in {config.locale, *found.values()}:
        texts_in(locale)
    return found


def desk_settings(config: Config, platforms: Platforms = PLATFORMS) -> DeskSettings:
    """The desk's settings, each platform contributing its own part of the config."""
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
        agents=role_members(config.roles.agents, platforms),
        leads=role_members(config.roles.leads, platforms),
        places=platform_places(config, platforms),
        capabilities=capabilities(config, platforms),
        default_priority=config.tickets.default_priority,
        reopen_window=config.tickets.reopen_window,
        allowed_bots=allowed_bots(config, platforms),
        timezone=ZoneInfo(config.timezone),
        sla=policies,
        escalation=escalation(config, calendars),
        followup=FollowupSettings(config.followup.nudge_after, config.followup.resolve_after),
        calendars=calendars,
        digest=config.digest.settings(),
        locale=config.locale,
        locales=spoken(config, platforms),
        satisfaction=config.satisfaction.settings(),
        web=config.web.links(),
        knowledge=config.knowledge.settings(),
        incidents=config.incidents.settings(),
    )
