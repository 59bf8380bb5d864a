"""Load and validate `config.yaml`: every problem is reported at once, each naming its key.

Secrets are never written in the file: `${NAME}` is replaced from the environment at load.
Durations are written `90s`, `15m`, `4h`, `2d` or `1h30m`; in an SLA on a business calendar
`d` is one of its working days and `h`, `m`, `s` are business time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from handlers.business_time import ALWAYS_OPEN, BusinessCalendar
from handlers.models import Priority
from handlers.settings import DigestSettings, SlaSpan

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
DURATION_HINT = "write a duration like 90s, 15m, 4h, 2d or 1h30m"


class ConfigError(Exception):
    """The config cannot be used; `problems` lists every reason, each naming its key."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{source} has {len(problems)} problem(s):\n{lines}")


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
    # Discord ids are often written as bare YAML integers; they are names, not numbers.
    if isinstance(value, list):
        return [str(item) if isinstance(item, int) else item for item in value]
    return value


def _id(value: object) -> object:
    return str(value) if isinstance(value, int) else value


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
TimeZoneName = Annotated[str, BeforeValidator(_check_timezone)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageConfig(Section):
    path: Path = Path("deskbot.db")


class RoleMembersConfig(Section):
    slack_users: Ids = []
    slack_usergroups: Ids = []
    discord_roles: Ids = []
    discord_users: Ids = []
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


class SlackConfig(Section):
    enabled: bool = False
    mode: Literal["socket", "http"] = "socket"
    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    http: SlackHttpConfig = SlackHttpConfig()
    api_url: str = "https://slack.com/api/"
    support_channels: Ids = []
    triage_channel: ChannelId | None = None
    leads_channel: ChannelId | None = None
    command: str = "/ticket"
    reactions: SlackReactionsConfig = SlackReactionsConfig()
    # Bots whose messages open tickets like a person's: their member id (U…), or for an old
    # integration that posts without a bot user, its bot id (B…).
    allowed_bots: Ids = []
    home_tab: bool = True  # the App Home tab: the viewer's tickets, and the queue for agents

    @field_validator("command")
    @classmethod
    def _slash(cls, value: str) -> str:
        if not re.fullmatch(r"/[a-z0-9_-]{1,31}", value):
            raise ValueError(f"{value!r} is not a slash command name like /ticket")
        return value


class DiscordConfig(Section):
    enabled: bool = False
    token: SecretStr | None = None
    api_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg"
    guilds: Ids = []
    support_channels: Ids = []
    triage_channel: ChannelId | None = None
    leads_channel: ChannelId | None = None


class ConsoleConfig(Section):
    enabled: bool | Literal["auto"] = "auto"


class CalendarConfig(Section):
    timezone: TimeZoneName = "UTC"
    hours: dict[str, list[str]]
    holidays: list[date] = []


class PolicyConfig(Section):
    first_response: SlaDuration | None = None
    next_response: SlaDuration | None = None
    resolution: SlaDuration | None = None
    calendar: str = ALWAYS_OPEN


class SlaConfig(Section):
    calendars: dict[str, CalendarConfig] = {}
    policies: dict[Priority, PolicyConfig] = {}


def _share(value: object) -> object:
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1]) / 100
        except ValueError:
            raise ValueError(f"{value!r} is not a share like 80%") from None
    return value


Share = Annotated[float, BeforeValidator(_share), Field(gt=0, lt=1)]


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
    quiet_hours: str | None = None  # a calendar: agent reminders wait until it opens


class FollowupConfig(Section):
    nudge_after: Duration | None = None  # waiting on the customer this long: remind them
    resolve_after: Duration | None = None  # waiting this long: resolve, saying how to reopen

    @model_validator(mode="after")
    def _nudge_first(self) -> FollowupConfig:
        if self.nudge_after and self.resolve_after and self.resolve_after <= self.nudge_after:
            raise ValueError("resolve_after must be longer than nudge_after")
        return self


class DigestConfig(Section):
    cron: str = "0 9 * * mon-fri"
    timezone: TimeZoneName = "UTC"
    skip_when_empty: bool = True
    at_risk_within: Duration = timedelta(hours=4)
    oldest: int = Field(default=5, ge=0, le=20)

    def settings(self) -> DigestSettings:
        """The core's view of this section."""
        return DigestSettings(
            ZoneInfo(self.timezone), self.at_risk_within, self.oldest, self.skip_when_empty
        )


class TicketsConfig(Section):
    default_priority: Priority = Priority.NORMAL
    reopen_window: Duration = timedelta(days=7)


class Config(Section):
    storage: StorageConfig = StorageConfig()
    timezone: TimeZoneName = "UTC"
    roles: RolesConfig = RolesConfig()
    slack: SlackConfig = SlackConfig()
    discord: DiscordConfig = DiscordConfig()
    console: ConsoleConfig = ConsoleConfig()
    sla: SlaConfig = SlaConfig()
    escalation: EscalationConfig = EscalationConfig()
    followup: FollowupConfig = FollowupConfig()
    digest: DigestConfig = DigestConfig()
    tickets: TicketsConfig = TicketsConfig()

    @property
    def console_enabled(self) -> bool:
        if self.console.enabled == "auto":
            return not (self.slack.enabled or self.discord.enabled)
        return bool(self.console.enabled)

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        problems = [*_platform_problems(self), *_sla_problems(self), *_digest_problems(self)]
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def calendars(self) -> dict[str, BusinessCalendar]:
        """The configured calendars and the built-in `24x7`, by name."""
        built = {ALWAYS_OPEN: BusinessCalendar.always_open()}
        for name, spec in self.sla.calendars.items():
            built[name] = BusinessCalendar.parse(name, spec.timezone, spec.hours, spec.holidays)
        return built


def _required(section: str, key: str, value: object, why: str) -> list[str]:
    if value is None or (isinstance(value, SecretStr) and not value.get_secret_value()):
        return [f"{section}.{key}: required when {why}"]
    return []


def _platform_problems(config: Config) -> list[str]:
    slack, discord = config.slack, config.discord
    problems: list[str] = []
    if slack.enabled:
        problems += _required("slack", "bot_token", slack.bot_token, "slack.enabled is true")
        if slack.mode == "socket":
            problems += _required(
                "slack",
                "app_token",
                slack.app_token,
                "slack.mode is socket (an xapp- app-level token)",
            )
        else:
            problems += _required(
                "slack", "signing_secret", slack.signing_secret, "slack.mode is http"
            )
    if discord.enabled:
        problems += _required("discord", "token", discord.token, "discord.enabled is true")
    if config.console.enabled is False and not (slack.enabled or discord.enabled):
        problems.append("console.enabled: false leaves no platform; enable slack or discord")
    return problems


def _sla_problems(config: Config) -> list[str]:
    problems = []
    for name, spec in config.sla.calendars.items():
        try:
            BusinessCalendar.parse(name, spec.timezone, spec.hours, spec.holidays)
        except ValueError as error:
            problems.append(f"sla.calendars.{name}: {error}")
    known = {ALWAYS_OPEN, *config.sla.calendars}
    quiet = config.escalation.quiet_hours
    if quiet is not None and quiet not in known:
        problems.append(
            f"escalation.quiet_hours: no calendar named {quiet!r}"
            f" (known: {', '.join(sorted(known))})"
        )
    for priority, policy in config.sla.policies.items():
        if policy.calendar not in known:
            problems.append(
                f"sla.policies.{priority}.calendar: no calendar named {policy.calendar!r}"
                f" (known: {', '.join(sorted(known))})"
            )
    return problems


def _digest_problems(config: Config) -> list[str]:
    try:
        CronTrigger.from_crontab(config.digest.cron, timezone=config.digest.timezone)
    except ValueError as error:
        return [f"digest.cron: {config.digest.cron!r} is not a cron expression ({error})"]
    return []


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


def _describe(error: ErrorDetails) -> str:
    # pydantic marks a bad mapping key with a "[key]" step; the key itself names the place.
    where = ".".join(str(part) for part in error["loc"] if part != "[key]") or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown key (check its spelling against the shipped config.yaml)"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "value_error" and not error["loc"]:
        return message
    return f"{where}: {message}"


def _with_env_hints(problem: str, missing: Mapping[str, str]) -> str:
    key = problem.split(":", 1)[0]
    if key in missing:
        return f"{problem} (set {missing[key]} in the environment)"
    return problem


def parse_config(text: str, environ: Mapping[str, str], source: str = "config") -> Config:
    """Validate config text; raise `ConfigError` listing every problem."""
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
    try:
        return Config.model_validate(values)
    except ValidationError as invalid:
        problems = []
        for error in invalid.errors():
            for line in _describe(error).splitlines():
                problems.append(_with_env_hints(line, missing))
        raise ConfigError(source, problems) from None


def load_config(path: Path | str, environ: Mapping[str, str]) -> Config:
    """Read and validate the config file; relative storage paths are from the file's folder."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(str(path), [f"cannot read the file: {error.strerror}"]) from None
    config = parse_config(text, environ, str(path))
    if not config.storage.path.is_absolute() and str(config.storage.path) != ":memory:":
        storage = config.storage.model_copy(update={"path": path.parent / config.storage.path})
        config = config.model_copy(update={"storage": storage})
    return config
