"""The desk's view of its configuration: plain values, built from the config by `bot/`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from handlers.business_time import ALWAYS_OPEN, BusinessCalendar
from handlers.models import Person, Priority, Role


@dataclass(frozen=True)
class RoleMembers:
    """Who holds a role: person keys (`slack:U123`) and group keys (`discord:987`)."""

    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    def includes(self, person: Person) -> bool:
        if person.key in self.users:
            return True
        return any(f"{person.platform}:{group}" in self.groups for group in person.groups)


@dataclass(frozen=True)
class PlatformPlaces:
    """Where a platform's customers write and where its agents and leads are told things."""

    support_channels: frozenset[str] = frozenset()
    triage_channel: str | None = None
    leads_channel: str | None = None


def working_day(calendar: BusinessCalendar) -> timedelta:
    """How long a `d` of an SLA lasts on `calendar`: its average open time per open day."""
    if calendar.name == ALWAYS_OPEN:
        return timedelta(days=1)
    open_days = sum(1 for day in calendar.weekly_hours if day)
    return calendar.open_hours_per_week() / open_days


@dataclass(frozen=True)
class SlaSpan:
    """An SLA duration as written: whole working days (the `d` part) plus business time.

    On a 9–17 calendar `3d` is three working days, not 72 open hours: what people mean.
    """

    days: int
    rest: timedelta

    def on(self, calendar: BusinessCalendar) -> timedelta:
        """The business time this span is on `calendar`."""
        return self.days * working_day(calendar) + self.rest


@dataclass(frozen=True)
class SlaPolicy:
    """The promises for one priority, counted in business time on `calendar`."""

    calendar: BusinessCalendar
    first_response: SlaSpan | None = None
    next_response: SlaSpan | None = None
    resolution: SlaSpan | None = None


@dataclass(frozen=True)
class DeskSettings:
    agents: RoleMembers = field(default_factory=RoleMembers)
    leads: RoleMembers = field(default_factory=RoleMembers)
    places: Mapping[str, PlatformPlaces] = field(default_factory=dict)
    default_priority: Priority = Priority.NORMAL
    reopen_window: timedelta = timedelta(days=7)
    allowed_bots: frozenset[str] = frozenset()
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    sla: Mapping[Priority, SlaPolicy] = field(default_factory=dict)

    def role_of(self, person: Person) -> Role:
        if self.leads.includes(person):
            return Role.LEAD
        if self.agents.includes(person):
            return Role.AGENT
        return Role.CUSTOMER

    def places_of(self, platform: str) -> PlatformPlaces:
        return self.places.get(platform, PlatformPlaces())

    def is_support_channel(self, platform: str, channel: str) -> bool:
        return channel in self.places_of(platform).support_channels
