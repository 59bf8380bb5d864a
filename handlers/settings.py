"""The desk's view of its configuration: plain values, built from the config by `bot/`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from handlers.models import Mention, Person, Priority, Role, Scale
from handlers.models import SlaSpan as SlaSpan  # config and tests build policies from here
from handlers.signin import WebLinks
from handlers.sla.calendar import BusinessCalendar
from handlers.texts import Texts, texts_in


@dataclass(frozen=True)
class RoleMembers:
    """Who holds a role: person keys and group keys, each `<platform>:<id>`.

    Each platform says which of its config keys list people and which list groups; `bot/`
    turns them into these keys, so the desk never reads a platform's config itself.
    """

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
    direct_messages: bool = False  # a direct message to the bot opens a private ticket


@dataclass(frozen=True)
class Capabilities:
    """What a platform can do, so the desk asks what it can do rather than what it is called."""

    files: bool = False  # a notice can carry a file (the digest's chart)
    direct_messages: bool = False  # a notice can go to one person privately
    ephemeral: bool = False  # an answer can be shown to the person who asked only
    edits: bool = False  # a posted message can be edited in place (the triage card)


@dataclass(frozen=True)
class SlaPolicy:
    """The promises for one priority, in working days and business time on `calendar`."""

    calendar: BusinessCalendar
    first_response: SlaSpan | None = None
    next_response: SlaSpan | None = None
    resolution: SlaSpan | None = None


@dataclass(frozen=True)
class Reminder:
    """Remind `after` a condition starts holding, then `every` so often, `times` in all."""

    after: timedelta = timedelta()
    every: timedelta | None = None
    times: int = 1


@dataclass(frozen=True)
class EscalationSettings:
    unclaimed: Reminder | None = None  # remind the agents in triage
    warn_at: float | None = None  # share of an SLA target: remind the assignee
    breach: Reminder | None = None  # escalate to the leads when a promise breaks
    idle: timedelta | None = None  # claimed but untouched this long: nudge the assignee
    quiet_hours: BusinessCalendar | None = None  # agent reminders wait until this opens


@dataclass(frozen=True)
class FollowupSettings:
    nudge_after: timedelta | None = None  # waiting on the customer: remind them
    resolve_after: timedelta | None = None  # still waiting: resolve, saying how to reopen


@dataclass(frozen=True)
class DigestSettings:
    """How the digest is made: from `digest` in the config."""

    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    at_risk_within: timedelta = timedelta(hours=4)
    oldest: int = 5
    skip_when_empty: bool = True


@dataclass(frozen=True)
class SatisfactionSettings:
    """How resolved tickets' customers are asked to rate them: `satisfaction` in the config.

    Off unless the config turns it on (the shipped config does).
    """

    enabled: bool = False
    scale: Scale = Scale.FIVE
    expires: timedelta = timedelta(days=7)  # an unanswered survey closes after this
    sample: float = 1.0  # the share of resolutions asked, decided per ticket and resolution
    cooldown: timedelta = timedelta()  # ask one customer at most this often
    alert_below: int | None = 2  # a rating at or below this is posted to the leads at once


@dataclass(frozen=True)
class KnowledgeSettings:
    """What the desk does with what it learnt: from `knowledge` in the config."""

    suggest_to_customers: bool = False  # offer answers that helped others in the ack


@dataclass(frozen=True)
class IncidentSettings:
    """How incidents are kept and found: `incidents` in the config.

    `first_update` and `update_every` are the incident's own promises: its first update
    this long after it is declared, the next one this long after each. A promise missed
    reminds the owner, and missed as long again escalates to the leads.
    """

    first_update: timedelta = timedelta(minutes=15)
    update_every: timedelta = timedelta(hours=1)
    auto_link: bool = False  # link a new ticket matching an open incident without asking
    spike_tickets: int = 5  # this many similar new tickets …
    spike_window: timedelta = timedelta(minutes=15)  # … within this long are a spike


@dataclass(frozen=True)
class DeskSettings:
    agents: RoleMembers = field(default_factory=RoleMembers)
    leads: RoleMembers = field(default_factory=RoleMembers)
    places: Mapping[str, PlatformPlaces] = field(default_factory=dict)
    capabilities: Mapping[str, Capabilities] = field(default_factory=dict)
    default_priority: Priority = Priority.NORMAL
    reopen_window: timedelta = timedelta(days=7)
    allowed_bots: frozenset[str] = frozenset()
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    sla: Mapping[Priority, SlaPolicy] = field(default_factory=dict)
    escalation: EscalationSettings = field(default_factory=EscalationSettings)
    followup: FollowupSettings = field(default_factory=FollowupSettings)
    calendars: Mapping[str, BusinessCalendar] = field(default_factory=dict)
    digest: DigestSettings = field(default_factory=DigestSettings)
    locale: str = "en"  # the language the desk speaks (a shipped locale)
    locales: Mapping[str, str] = field(default_factory=dict)  # a platform's own, by name
    satisfaction: SatisfactionSettings = field(default_factory=SatisfactionSettings)
    web: WebLinks | None = None  # sign-in links to the web view, when it is on

    knowledge: KnowledgeSettings = field(default_factory=KnowledgeSettings)
    incidents: IncidentSettings = field(default_factory=IncidentSettings)

    def calendar(self, name: str) -> BusinessCalendar:
        """The calendar a clock counts on, by name.

        A calendar removed from the config since a clock started falls back to `24x7`, so
        the clock keeps counting rather than stopping the desk.
        """
        if name in self.calendars:
            return self.calendars[name]
        for policy in self.sla.values():
            if policy.calendar.name == name:
                return policy.calendar
        return BusinessCalendar.always_open()

    def policy(self, priority: Priority) -> SlaPolicy:
        """The promises for a priority; none made means counting on `24x7` with no targets."""
        return self.sla.get(priority) or SlaPolicy(BusinessCalendar.always_open())

    def staff_mentions(self, role: Role, platform: str) -> tuple[Mention, ...]:
        """Whom to ping for a role on a platform: its groups if it has any, else its people."""
        members = self.leads if role is Role.LEAD else self.agents
        groups = _on_platform(members.groups, platform)
        if groups:
            return tuple(Mention("group", group) for group in groups)
        return tuple(Mention("user", user) for user in _on_platform(members.users, platform))

    def role_of(self, person: Person) -> Role:
        if self.leads.includes(person):
            return Role.LEAD
        if self.agents.includes(person):
            return Role.AGENT
        return Role.CUSTOMER

    def places_of(self, platform: str) -> PlatformPlaces:
        return self.places.get(platform, PlatformPlaces())

    def capabilities_of(self, platform: str) -> Capabilities:
        """What a platform can do; one the config does not describe can do nothing extra."""
        return self.capabilities.get(platform, Capabilities())

    def texts_for(self, platform: str) -> Texts:
        """The desk's sentences in the language spoken on `platform`."""
        return texts_in(self.locales.get(platform, self.locale))

    def is_support_channel(self, platform: str, channel: str) -> bool:
        return channel in self.places_of(platform).support_channels


def _on_platform(keys: frozenset[str], platform: str) -> list[str]:
    prefix = f"{platform}:"
    return sorted(key.removeprefix(prefix) for key in keys if key.startswith(prefix))
