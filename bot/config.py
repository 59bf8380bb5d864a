"""Load and validate `config.yaml`: every problem is reported at once, each naming its key.

Secrets are never written in the file: `${NAME}` is replaced from the environment at load.
Durations are written `90s`, `15m`, `4h`, `2d` or `1h30m`; in an SLA on a business calendar
`d` is one of its working days and `h`, `m`, `s` are business time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from handlers import language
from handlers.models import Priority, Scale
from handlers.settings import (
    DigestSettings,
    IncidentSettings,
    KnowledgeSettings,
    SatisfactionSettings,
    SlaSpan,
)
from handlers.signin import WebLinks
from handlers.sla.calendar import ALWAYS_OPEN, BusinessCalendar
from storage.database import unusable_reason

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
DURATION_HINT = "write a duration like 90s, 15m, 4h, 2d or 1h30m"


class ConfigError(Exception):
    """The config cannot be used; `problems` lists every reason, each naming its key."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        super().__init__(f"{source} has {count}:\n{lines}")


@dataclass(frozen=True)
class Loading:
    """What the checks need to know beyond a key's own value (pydantic's validation context).

    `calendars` are the names written under sla.calendars and `chat` whether slack or discord
    is enabled (None when unreadable, so the checks that need them are skipped); `folder` is
    the config file's folder, from which a relative storage.path is read (None when the text
    has no file).
    """

    calendars: tuple[str, ...] | None = None
    chat: bool | None = None
    folder: Path | None = None


def _loading(info: ValidationInfo) -> Loading:
    return info.context if isinstance(info.context, Loading) else Loading()


def parse_sla_span(value: object) -> SlaSpan:
    """Read `90s`, `15m`, `4h`, `2d`, `1h30m` (units in that order), keeping days apart."""
    if isinstance(value, SlaSpan):
        return value
    text = value.strip().lower() if isinstance(value, str) else ""
    match = _DURATION.fullmatch(text)
    if not text or match is None:
        raise ValueError(f"{value!r} is not a duration; {DURATION_HINT}")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    span = SlaSpan(days, timedelta(hours=hours, minutes=minutes, seconds=seconds))
    if not (span.days or span.rest):
        raise ValueError(f"{value!r} is zero; {DURATION_HINT}")
    return span


def parse_duration(value: object) -> timedelta:
    """Read a plain duration, where a day is 24 hours."""
    if isinstance(value, timedelta):
        return value
    span = parse_sla_span(value)
    return timedelta(days=span.days) + span.rest


def _ids(value: object) -> object:
    # Ids are sometimes written as bare YAML integers; they are names, not numbers.
    if isinstance(value, list):
        return [str(item) if isinstance(item, int) else item for item in value]
    return value


def _id(value: object) -> object:
    return str(value) if isinstance(value, int) else value


def _discord_id(kind: str) -> BeforeValidator:
    """Check a Discord id of this kind: a snowflake, written bare or quoted, read as text."""

    def check(value: object) -> str:
        text = str(value).strip() if isinstance(value, int | str) else ""
        if isinstance(value, bool) or not re.fullmatch(r"[1-9][0-9]{0,19}", text):
            raise ValueError(
                f"{value!r} is not a Discord {kind} id (a number like 1234567890123456789)"
            )
        return text

    return BeforeValidator(check)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA timezone (like UTC or Europe/Berlin)") from None
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
SlaDuration = Annotated[SlaSpan, BeforeValidator(parse_sla_span)]
Ids = Annotated[list[str], BeforeValidator(_ids)]
ChannelId = Annotated[str, BeforeValidator(_id)]
DiscordChannelId = Annotated[str, _discord_id("channel")]
DiscordGuildId = Annotated[str, _discord_id("server (guild)")]
DiscordRoleId = Annotated[str, _discord_id("role")]
DiscordUserId = Annotated[str, _discord_id("user")]
TimeZoneName = Annotated[str, BeforeValidator(_check_timezone)]


def _locale(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"a language is a name such as en or zh_CN, not {value!r}")
    return language.normalise(value)


# A language deskbot speaks; `zh-CN` and `zh_cn` are read as `zh_CN`.
LocaleName = Annotated[str, BeforeValidator(_locale)]


def _known_calendar(name: str, info: ValidationInfo) -> str:
    written = _loading(info).calendars
    if written is not None and name != ALWAYS_OPEN and name not in written:
        names = ", ".join([*(known for known in written if known != ALWAYS_OPEN), ALWAYS_OPEN])
        raise ValueError(f"no calendar named {name!r} (calendars: {names})")
    return name


CalendarName = Annotated[str, AfterValidator(_known_calendar)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageConfig(Section):
    # Either a PostgreSQL database (several instances may share it) or, by default, a file.
    url: str | None = None
    path: Path = Field(default=Path("deskbot.db"), validate_default=True)
    # How soon another instance takes over sweeping and sending when the holder dies.
    takeover: Duration = timedelta(seconds=10)

    @model_validator(mode="before")
    @classmethod
    def _one_store(cls, data: object) -> object:
        if isinstance(data, dict) and "url" in data and "path" in data:
            raise ValueError(
                "give either path (a SQLite file) or url (a PostgreSQL database), not both"
            )
        return data

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, url: str | None) -> str:
        """Accept a PostgreSQL URL naming a database; the password may come from `${ENV}`."""
        if url is None:  # written empty, or from an unset variable: not SQLite by surprise
            raise ValueError("is empty; give a postgresql:// URL, or remove it to use a file")
        try:
            parts = urlsplit(url)
        except ValueError as error:
            raise ValueError(f"is not a URL ({error})") from None
        if parts.scheme not in ("postgresql", "postgres"):
            got = f"{parts.scheme}:" if parts.scheme else repr(url)
            raise ValueError(f"must start with postgresql:// (got {got})")
        if not parts.path.strip("/"):
            raise ValueError("names no database: postgresql://user@host/DATABASE")
        return url

    @field_validator("takeover")
    @classmethod
    def _takeover_in_reach(cls, takeover: timedelta) -> timedelta:
        if not timedelta(seconds=2) <= takeover <= timedelta(minutes=10):
            raise ValueError("must be between 2s and 10m (the lease is renewed at 30% of it)")
        return takeover

    @field_validator("path")
    @classmethod
    def _usable(cls, path: Path, info: ValidationInfo) -> Path:
        """Read a relative path from the config file's folder; refuse what is not a database."""
        folder = _loading(info).folder
        if folder is None or str(path) == ":memory:" or info.data.get("url"):
            return path
        path = path if path.is_absolute() else folder / path
        reason = unusable_reason(path)
        if reason is not None:
            raise ValueError(f"{path} {reason}")
        return path


class RoleMembersConfig(Section):
    slack_users: Ids = []
    slack_usergroups: Ids = []
    discord_roles: list[DiscordRoleId] = []
    discord_users: list[DiscordUserId] = []
    console_users: Ids = []


class RolesConfig(Section):
    agents: RoleMembersConfig = RoleMembersConfig()
    leads: RoleMembersConfig = RoleMembersConfig()


class SlackHttpConfig(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=1, le=65535)
    path: str = "/slack/events"


def _emoji(value: object) -> object:
    # People write emoji as they type them, `:eyes:`; Slack's events name them `eyes`.
    name = value.strip().strip(":").lower() if isinstance(value, str) else ""
    if not re.fullmatch(r"[a-z0-9_+'-]+", name):
        raise ValueError(f"{value!r} is not an emoji name like eyes or :white_check_mark:")
    return name


Emoji = Annotated[str, BeforeValidator(_emoji)]


class SlackReactionsConfig(Section):
    """The emoji that work tickets: open one from any message, claim it, resolve it."""

    ticket: Emoji = "ticket"
    claim: Emoji = "eyes"
    resolve: Emoji = "white_check_mark"

    @model_validator(mode="after")
    def _distinct(self) -> SlackReactionsConfig:
        names = [self.ticket, self.claim, self.resolve]
        if len(set(names)) != len(names):
            raise ValueError(f"ticket, claim and resolve must be different emoji, not {names}")
        return self


def _blank(secret: SecretStr | None) -> bool:
    return secret is None or not secret.get_secret_value()


class SlackConfig(Section):
    enabled: bool = False
    mode: Literal["socket", "http"] = "socket"
    # Checked even when left out: an enabled Slack needs them (see _needed).
    bot_token: SecretStr | None = Field(default=None, validate_default=True)
    app_token: SecretStr | None = Field(default=None, validate_default=True)
    signing_secret: SecretStr | None = Field(default=None, validate_default=True)
    http: SlackHttpConfig = SlackHttpConfig()
    api_url: str = "https://slack.com/api/"
    support_channels: Ids = []
    triage_channel: ChannelId | None = None
    leads_channel: ChannelId | None = None
    command: str = "/ticket"
    locale: LocaleName | None = None  # the language on Slack, when not the desk's `locale`
    reactions: SlackReactionsConfig = SlackReactionsConfig()
    # Bots whose messages open tickets like a person's: their member id (U…), or for an old
    # integration that posts without a bot user, its bot id (B…).
    allowed_bots: Ids = []
    home_tab: bool = True  # the App Home tab: the viewer's tickets, and the queue for agents
    direct_messages: bool = True  # a direct message to the app opens a private ticket

    @field_validator("command")
    @classmethod
    def _slash(cls, value: str) -> str:
        if not re.fullmatch(r"/[a-z0-9_-]{1,31}", value):
            raise ValueError(f"{value!r} is not a slash command name like /ticket")
        return value

    @field_validator("bot_token", "app_token", "signing_secret")
    @classmethod
    def _needed(cls, secret: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # `enabled` and `mode` come first, so info.data holds them when they are valid.
        why = _slack_secret_needed(str(info.field_name), info.data.get("mode"))
        if info.data.get("enabled") and why and _blank(secret):
            raise ValueError(f"required when {why}")
        return secret


def _slack_secret_needed(key: str, mode: object) -> str | None:
    if key == "bot_token":
        return "slack.enabled is true"
    if key == "app_token" and mode == "socket":
        return "slack.mode is socket: an xapp- app-level token"
    if key == "signing_secret" and mode == "http":
        return "slack.mode is http"
    return None


class DiscordConfig(Section):
    enabled: bool = False
    token: SecretStr | None = Field(default=None, validate_default=True)
    api_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg"
    guilds: list[DiscordGuildId] = []
    support_channels: list[DiscordChannelId] = []
    triage_channel: DiscordChannelId | None = None
    leads_channel: DiscordChannelId | None = None
    locale: LocaleName | None = None  # the language on Discord, when not the desk's `locale`
    direct_messages: bool = True  # a direct message to the bot opens a private ticket

    @field_validator("token")
    @classmethod
    def _needed(cls, token: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if info.data.get("enabled") and _blank(token):
            raise ValueError("required when discord.enabled is true")
        return token


class ConsoleConfig(Section):
    enabled: bool | Literal["auto"] = "auto"
    locale: LocaleName | None = None  # the language in the console, when not the desk's

    @field_validator("enabled")
    @classmethod
    def _leaves_a_platform(cls, enabled: bool | str, info: ValidationInfo) -> bool | str:
        if enabled is False and _loading(info).chat is False:
            raise ValueError("false leaves no platform; enable slack or discord")
        return enabled


class CalendarConfig(Section):
    name: str  # the key it is written under, filled in by SlaConfig
    timezone: TimeZoneName = "UTC"
    hours: dict[str, list[str]]
    holidays: list[date] = []

    @model_validator(mode="after")
    def _parses(self) -> CalendarConfig:
        self.calendar()
        return self

    def calendar(self) -> BusinessCalendar:
        """The core's calendar; a bad one is refused with a sentence naming it."""
        return BusinessCalendar.parse(self.name, self.timezone, self.hours, self.holidays)


class PolicyConfig(Section):
    first_response: SlaDuration | None = None
    next_response: SlaDuration | None = None
    resolution: SlaDuration | None = None
    calendar: CalendarName = ALWAYS_OPEN


class SlaConfig(Section):
    calendars: dict[str, CalendarConfig] = {}
    policies: dict[Priority, PolicyConfig] = {}

    @field_validator("calendars", mode="before")
    @classmethod
    def _named(cls, value: object) -> object:
        # A calendar's mistakes are told under its name, which is the key it is written under.
        if not isinstance(value, dict):
            return value
        return {
            name: {**spec, "name": name} if isinstance(spec, dict) else spec
            for name, spec in value.items()
        }


def percent(share: float) -> str:
    """A share as people write it: 0.8 is 80%."""
    return f"{share * 100:g}%"


def _as_share(value: object) -> float | None:
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1]) / 100
        except ValueError:
            return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _share(value: object) -> float:
    """Read a percentage, `80%`, or the same share as a fraction, `0.8`."""
    share = _as_share(value)
    if share is None or not 0 < share < 1:
        raise ValueError(f"{value!r} is not a percentage between 0% and 100% (write one like 80%)")
    return share


Share = Annotated[float, BeforeValidator(_share)]


class RepeatConfig(Section):
    repeat: Duration | None = None
    max: int = Field(default=1, ge=1, le=100)

    @model_validator(mode="after")
    def _repeat_needs_interval(self) -> RepeatConfig:
        if self.max > 1 and self.repeat is None:
            raise ValueError(f"max: {self.max} needs repeat: an interval, like 1h")
        return self


class UnclaimedConfig(RepeatConfig):
    after: Duration


class EscalationConfig(Section):
    unclaimed: UnclaimedConfig | None = None  # remind the agents in triage
    warn_before_breach: Share | None = None  # remind the holder at this share of a promise
    breach: RepeatConfig | None = None  # escalate to the leads when a promise breaks
    idle: Duration | None = None  # nudge the holder of a claimed ticket nobody touches
    quiet_hours: CalendarName | None = None  # agent reminders wait until it opens


class FollowupConfig(Section):
    nudge_after: Duration | None = None  # waiting on the customer this long: remind them
    resolve_after: Duration | None = None  # waiting this long: resolve, saying how to reopen

    @model_validator(mode="after")
    def _nudge_first(self) -> FollowupConfig:
        if self.nudge_after and self.resolve_after and self.resolve_after <= self.nudge_after:
            raise ValueError("resolve_after must be longer than nudge_after")
        return self


# The five crontab fields as APScheduler names them, with what each takes.
_CRON_FIELDS = (
    ("minute", "minute", "a minute 0-59, like 0 or */15"),
    ("hour", "hour", "an hour 0-23, like 9 or 9-17"),
    ("day", "day of month", "a day 1-31, like 1 or 1,15"),
    ("month", "month", "a month 1-12 or jan-dec, like * or jan,jul"),
    ("day_of_week", "day of week", "days like mon-fri or sat,sun"),
)


def _check_cron(value: str) -> str:
    fields = value.split()
    if len(fields) != len(_CRON_FIELDS):
        raise ValueError(
            f"{value!r} is not a cron expression (five fields: minute hour day month"
            " day-of-week, like '0 9 * * mon-fri')"
        )
    problems = []
    for (name, label, takes), text in zip(_CRON_FIELDS, fields, strict=True):
        try:
            CronTrigger(**{name: text}, timezone="UTC")
        except ValueError as error:
            reason = re.sub(r"^Error validating expression '.*?': ", "", str(error))
            reason = reason[:1].lower() + reason[1:]
            problems.append(f"{text!r} is not a valid {label} field ({reason}; write {takes})")
    if problems:
        raise ValueError("\n".join(problems))
    return value


class DigestConfig(Section):
    cron: Annotated[str, AfterValidator(_check_cron)] = "0 9 * * mon-fri"
    timezone: TimeZoneName = "UTC"
    skip_when_empty: bool = True
    at_risk_within: Duration = timedelta(hours=4)
    oldest: int = Field(default=5, ge=0, le=20)

    def settings(self) -> DigestSettings:
        """The core's view of this section."""
        return DigestSettings(
            ZoneInfo(self.timezone), self.at_risk_within, self.oldest, self.skip_when_empty
        )


def _scale(value: object) -> object:
    # YAML reads `scale: 5` as a number; the scale is named `5` all the same.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value not in ("5", "thumbs"):
        raise ValueError(f"{value!r} is not a scale (write 5 for 1–5 buttons, or thumbs)")
    return value


def _sample(value: object) -> float:
    """Read the share of resolutions surveyed: above 0%, up to and including 100%."""
    share = _as_share(value)
    if share is None or not 0 < share <= 1:
        raise ValueError(f"{value!r} is not a percentage above 0% and up to 100% (like 20%)")
    return share


def _cooldown(value: object) -> timedelta:
    # `0s` (the default, as the design writes it) means no cooldown: every resolution asks.
    if value is None or value == 0 or (isinstance(value, str) and value.strip() in ("0", "0s")):
        return timedelta()
    return parse_duration(value)


class SatisfactionConfig(Section):
    enabled: bool = True
    scale: Annotated[Literal["5", "thumbs"], BeforeValidator(_scale)] = "5"
    expires: Duration = timedelta(days=7)
    sample: Annotated[float, BeforeValidator(_sample)] = 1.0
    cooldown: Annotated[timedelta, BeforeValidator(_cooldown)] = timedelta()
    alert_below: int | None = Field(default=2, ge=1, le=5)

    def settings(self) -> SatisfactionSettings:
        """The core's view of this section."""
        return SatisfactionSettings(
            self.enabled,
            Scale(self.scale),
            self.expires,
            self.sample,
            self.cooldown,
            self.alert_below,
        )


class KnowledgeConfig(Section):
    suggest_to_customers: bool = False

    def settings(self) -> KnowledgeSettings:
        """The core's view of this section."""
        return KnowledgeSettings(self.suggest_to_customers)


class IncidentSlaConfig(Section):
    """The incident's own promises: its first update, then one every so often."""

    first_update: Duration = timedelta(minutes=15)
    update_every: Duration = timedelta(hours=1)


class SpikeConfig(Section):
    """How many similar new tickets, within how long, make a spike worth an alert."""

    tickets: int = Field(default=5, ge=2)
    window: Duration = timedelta(minutes=15)


class IncidentsConfig(Section):
    sla: IncidentSlaConfig = IncidentSlaConfig()
    auto_link: bool = False
    spike: SpikeConfig = SpikeConfig()

    def settings(self) -> IncidentSettings:
        """The core's view of this section."""
        return IncidentSettings(
            first_update=self.sla.first_update,
            update_every=self.sla.update_every,
            auto_link=self.auto_link,
            spike_tickets=self.spike.tickets,
            spike_window=self.spike.window,
        )


class TicketsConfig(Section):
    default_priority: Priority = Priority.NORMAL
    reopen_window: Duration = timedelta(days=7)


class RetentionConfig(Section):
    """How long deskbot keeps what it needs only for a while (see `bot.retention`)."""

    # Dedupe keys outlive every redelivery: Slack retries an event for about 5 minutes,
    # Discord replays a resumed session's events and accepts an interaction for 15 minutes,
    # and a used sign-in link expires 15 minutes after it was made.
    inbound_keys: Duration = timedelta(days=30)
    # The text of messages and notes of tickets closed longer ago than this is redacted
    # (`[redacted]`), and so is the free text of their audit events; the tickets, their
    # times and every figure stay. Unset: kept for as long as the desk is.
    messages: Duration | None = None
    audit_data: Duration | None = None

    @field_validator("messages", "audit_data")
    @classmethod
    def _at_least_a_day(cls, keep: timedelta | None) -> timedelta | None:
        if keep is not None and keep < MIN_TEXT_RETENTION:
            raise ValueError(
                "must be at least 1d: it counts from when a ticket was closed, and a shorter"
                " time would redact a conversation the customer may still come back to"
            )
        return keep

    @field_validator("inbound_keys")
    @classmethod
    def _beyond_retries(cls, keep: timedelta) -> timedelta:
        if keep < MIN_INBOUND_KEYS:
            raise ValueError(
                "must be at least 1d: a platform may deliver an event again within minutes"
                " (Slack's retries, Discord's resumed sessions), and a shorter time risks a"
                " message recorded twice"
            )
        return keep


MIN_INBOUND_KEYS = timedelta(days=1)
MIN_TEXT_RETENTION = timedelta(days=1)


class WebReadyConfig(Section):
    """What `/readyz` holds the bot to: a recent sweep, no notice stuck for long."""

    sweep_within: Duration = timedelta(minutes=5)  # the scheduler's last sweep is this recent
    notices_within: Duration = timedelta(minutes=15)  # the oldest pending notice is this young


def _base_url(value: str | None) -> str | None:
    if value is None:
        return None
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
        raise ValueError(
            f"{value!r} is not an http:// or https:// address like https://desk.example"
        )
    return value.rstrip("/")


WEB_PORT = 8080
SECRET_MINIMUM = 16


class WebConfig(Section):
    """The web view and the operators' endpoints (see `bot.web`)."""

    enabled: bool | None = None  # None: on when a port is given
    host: str = "127.0.0.1"
    port: int | None = Field(default=None, ge=1, le=65535)
    public_url: Annotated[str | None, AfterValidator(_base_url)] = None  # what links point at
    # Checked even when left out: the web view signs its links and cookies with it.
    secret: SecretStr | None = Field(default=None, validate_default=True)
    session: Duration = timedelta(hours=12)  # how long a sign-in lasts
    metrics: bool = False  # serve Prometheus text at /metrics
    metrics_port: int | None = Field(default=None, ge=1, le=65535)  # there, not on `port`
    ready: WebReadyConfig = WebReadyConfig()

    @property
    def on(self) -> bool:
        return self.enabled if self.enabled is not None else self.port is not None

    @property
    def listen_port(self) -> int:
        return self.port if self.port is not None else WEB_PORT

    @property
    def base_url(self) -> str:
        """Where links point: `public_url`, else the address the server listens on."""
        return self.public_url or f"http://{self.host}:{self.listen_port}"

    def links(self) -> WebLinks | None:
        """The core's view of this section: how to sign people in, when the view is on."""
        if not self.on or self.secret is None:
            return None
        return WebLinks(self.base_url, self.secret.get_secret_value().encode(), self.session)

    @field_validator("secret")
    @classmethod
    def _needed(cls, secret: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        enabled, port = info.data.get("enabled"), info.data.get("port")
        if not (enabled or (enabled is None and port is not None)):
            return secret
        if _blank(secret):
            raise ValueError("required when the web view is on (a port is given)")
        assert secret is not None
        if len(secret.get_secret_value()) < SECRET_MINIMUM:
            raise ValueError(f"too short: use at least {SECRET_MINIMUM} random characters")
        return secret


class Config(Section):
    storage: StorageConfig = StorageConfig()
    timezone: TimeZoneName = "UTC"
    locale: LocaleName = "en"
    roles: RolesConfig = RolesConfig()
    slack: SlackConfig = SlackConfig()
    discord: DiscordConfig = DiscordConfig()
    console: ConsoleConfig = ConsoleConfig()
    sla: SlaConfig = SlaConfig()
    escalation: EscalationConfig = EscalationConfig()
    followup: FollowupConfig = FollowupConfig()
    digest: DigestConfig = DigestConfig()
    tickets: TicketsConfig = TicketsConfig()
    satisfaction: SatisfactionConfig = SatisfactionConfig()
    web: WebConfig = WebConfig()
    retention: RetentionConfig = RetentionConfig()

    knowledge: KnowledgeConfig = KnowledgeConfig()
    incidents: IncidentsConfig = IncidentsConfig()

    @property
    def console_enabled(self) -> bool:
        if self.console.enabled == "auto":
            return not (self.slack.enabled or self.discord.enabled)
        return bool(self.console.enabled)

    @property
    def platforms(self) -> list[str]:
        """The enabled platforms' names."""
        enabled = (self.slack.enabled, self.discord.enabled, self.console_enabled)
        return [name for name, on in zip(PLATFORMS, enabled, strict=True) if on]

    @model_validator(mode="before")
    @classmethod
    def _storage_always_checked(cls, data: object) -> object:
        # Left out, the section's default path is read and checked like a written one.
        if isinstance(data, dict) and "storage" not in data:
            return {**data, "storage": {}}
        return data

    def calendars(self) -> dict[str, BusinessCalendar]:
        """The configured calendars and the built-in `24x7`, by name."""
        built = {ALWAYS_OPEN: BusinessCalendar.always_open()}
        for name, spec in self.sla.calendars.items():
            built[name] = spec.calendar()
        return built


PLATFORMS = ("slack", "discord", "console")


# -- loading --------------------------------------------------------------------------------


def substitute(value: Any, environ: Mapping[str, str], where: str, missing: dict[str, str]) -> Any:
    """Replace `${NAME}` from the environment; an unset variable makes the value null."""
    if isinstance(value, dict):
        return {
            key: substitute(item, environ, _join(where, key), missing)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [
            substitute(item, environ, f"{where}[{index}]", missing)
            for index, item in enumerate(value)
        ]
    if not isinstance(value, str) or "${" not in value:
        return value
    names = _ENV_REFERENCE.findall(value)
    unset = [name for name in names if name not in environ]
    if unset:
        missing[where] = unset[0]
        return None
    return _ENV_REFERENCE.sub(lambda match: environ[match.group(1)], value)


def _join(where: str, key: object) -> str:
    return f"{where}.{key}" if where else str(key)


def _where(loc: tuple[int | str, ...]) -> str:
    """Name a place as it is written: `discord.support_channels[0]`, `sla.policies.normal`."""
    # pydantic marks a bad mapping key with a "[key]" step; the key itself names the place.
    where = ""
    for part in loc:
        if isinstance(part, int):
            where += f"[{part}]"
        elif part != "[key]":
            where = _join(where, part)
    return where or "(top level)"


def _describe(error: ErrorDetails) -> list[str]:
    where = _where(error["loc"])
    if error["type"] == "extra_forbidden":
        return [f"{where}: unknown key (check its spelling against the shipped config.yaml)"]
    message = str(error["msg"]).removeprefix("Value error, ")
    return [f"{where}: {line}" for line in message.splitlines()]


def _with_env_hints(problem: str, missing: Mapping[str, str]) -> str:
    key = problem.split(":", 1)[0]
    if key in missing:
        return f"{problem} (set {missing[key]} in the environment)"
    return problem


def _calendar_names(values: dict[str, Any]) -> tuple[str, ...] | None:
    """The calendar names written under sla.calendars; None when that is not a mapping."""
    sla = values.get("sla") or {}
    calendars = (sla.get("calendars") or {}) if isinstance(sla, dict) else None
    if not isinstance(calendars, dict):
        return None
    return tuple(str(name) for name in calendars)


_ENABLED = TypeAdapter(bool)


def _chat_enabled(values: dict[str, Any]) -> bool | None:
    """Whether slack or discord is enabled; None when either's `enabled` cannot be read."""
    enabled = []
    for name in ("slack", "discord"):
        section = values.get(name) or {}
        if not isinstance(section, dict):
            return None
        try:
            enabled.append(_ENABLED.validate_python(section.get("enabled", False)))
        except ValidationError:
            return None
    return any(enabled)


def parse_config(
    text: str, environ: Mapping[str, str], source: str = "config", folder: Path | None = None
) -> Config:
    """Validate config text; raise `ConfigError` listing every problem.

    With `folder` (the config file's), a relative storage.path is read from it and checked.
    """
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as unreadable:
        raise ConfigError(source, [f"not valid YAML: {unreadable}"]) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(source, ["(top level): expected a mapping of sections like storage:"])
    missing: dict[str, str] = {}
    values = substitute(raw, environ, "", missing)
    loading = Loading(_calendar_names(values), _chat_enabled(values), folder)
    try:
        return Config.model_validate(values, context=loading)
    except ValidationError as invalid:
        problems = [
            _with_env_hints(line, missing)
            for error in invalid.errors()
            for line in _describe(error)
        ]
        raise ConfigError(source, problems) from None


def load_config(path: Path | str, environ: Mapping[str, str]) -> Config:
    """Read and validate the config file; relative storage paths are from the file's folder."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(str(path), [f"cannot read the file: {error.strerror}"]) from None
    return parse_config(text, environ, str(path), path.parent)


# -- warnings -------------------------------------------------------------------------------

# Where each platform's people are listed under roles.agents and roles.leads; the same keys
# as each platform class's `role_keys` (tests/bot/test_platform.py holds them in step).
_ROLE_KEYS = {
    "slack": ("slack_users", "slack_usergroups"),
    "discord": ("discord_roles", "discord_users"),
    "console": ("console_users",),
}


def config_warnings(config: Config) -> list[str]:
    """What a valid config allows but is probably not meant: nobody to work tickets, say."""
    found = []
    for platform in config.platforms:
        found += _staff_warnings(config.roles, platform)
    for platform, chat in (("slack", config.slack), ("discord", config.discord)):
        if chat.enabled and chat.leads_channel is None:
            found.append(_no_leads_channel(platform, chat.triage_channel, config.escalation))
    return found


def _staff_warnings(roles: RolesConfig, platform: str) -> list[str]:
    keys = _ROLE_KEYS[platform]
    agents = any(getattr(roles.agents, key) for key in keys)
    leads = any(getattr(roles.leads, key) for key in keys)
    add = f"(add people to {' or '.join(keys)})"
    found = []
    if not agents:
        who = "only leads" if leads else "nobody"
        found.append(
            f"roles.agents: nobody on {platform} is an agent, so {who} can work tickets there {add}"
        )
    if not leads:
        found.append(
            f"roles.leads: nobody on {platform} is a lead, so escalations there mention nobody"
            f" and nobody can take a ticket over {add}"
        )
    return found


def _no_leads_channel(platform: str, triage: str | None, escalation: EscalationConfig) -> str:
    missed = f"the digest is not posted on {platform}"
    if escalation.breach is not None:
        missed += f" and breaches are escalated to {'the triage channel' if triage else 'nowhere'}"
    return f"{platform}.leads_channel: not set, so {missed} (set it to a channel id)"
