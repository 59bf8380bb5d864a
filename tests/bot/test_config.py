"""Config: the shipped file is valid; every bad value fails naming its key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import summary
from bot.config import ConfigError, load_config, parse_config, parse_duration
from bot.desk_settings import desk_settings
from handlers.models import Person, Priority, Role, SlaSpan

ROOT = Path(__file__).resolve().parents[2]


def problems(text: str, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as failed:
        parse_config(text, environ or {})
    return failed.value.problems


def test_shipped_config_is_valid_without_secrets() -> None:
    """config.yaml at the root loads with an empty environment and runs the console."""
    config = load_config(ROOT / "config.yaml", {})
    assert config.console_enabled
    assert not config.slack.enabled
    assert config.storage.path == ROOT / "deskbot.db"


def test_empty_config_uses_defaults() -> None:
    """An empty file is a valid console desk."""
    config = parse_config("", {})
    assert config.console_enabled
    assert config.tickets.default_priority is Priority.NORMAL


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("4h", timedelta(hours=4)),
        ("2d", timedelta(days=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        (" 4H ", timedelta(hours=4)),
    ],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    """Durations are written 90s, 15m, 4h, 2d, 1h30m."""
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "4", "4 hours", "1m1h", "0m", "-5m", "h", 15])
def test_bad_durations_are_refused(text: object) -> None:
    """Anything else is refused with the accepted forms."""
    with pytest.raises(ValueError, match="like 90s, 15m, 4h, 2d or 1h30m"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("slak: {}", "slak: unknown key"),
        ("slack: {enabeld: true}", "slack.enabeld: unknown key"),
        ("slack: {mode: sockets}", "slack.mode: Input should be 'socket' or 'http'"),
        ("timezone: Mars/Olympus", "timezone: 'Mars/Olympus' is not an IANA timezone"),
        ("tickets: {reopen_window: soon}", "tickets.reopen_window: 'soon' is not a duration"),
        ("tickets: {default_priority: meh}", "tickets.default_priority: Input should be"),
        (
            "sla: {policies: {urgent: {first_response: 5}}}",
            "sla.policies.urgent.first_response: 5 is not a duration",
        ),
        ("sla: {policies: {asap: {first_response: 5m}}}", "sla.policies.asap: Input should be"),
        (
            "sla: {policies: {urgent: {calendar: office}}}",
            "sla.policies.urgent.calendar: no calendar named 'office'",
        ),
        (
            "sla: {calendars: {office: {hours: {mon: ['9-17']}}}}",
            "sla.calendars.office: Calendar 'office', mon: Opening hours '9-17'",
        ),
        ("slack: {http: {port: 70000}}", "slack.http.port: Input should be less than"),
        ("digest: {cron: 'every day'}", "digest.cron: 'every day' is not a cron expression"),
        ("console: {enabled: false}", "console.enabled: false leaves no platform"),
        ("slack: {command: ticket}", "slack.command: 'ticket' is not a slash command name"),
        ("- a list", "(top level): expected a mapping"),
        ("key: [unclosed", "not valid YAML"),
    ],
)
def test_bad_values_name_their_key(text: str, problem: str) -> None:
    """Each bad value fails with a message that starts with (or names) its key."""
    found = problems(text)
    assert any(problem in line for line in found), found


def test_every_problem_is_reported_at_once() -> None:
    """Several mistakes give several problems, not just the first."""
    found = problems("slak: {}\ntimezone: Nowhere\ntickets: {reopen_window: x}")
    assert len(found) == 3


def test_enabled_slack_needs_its_secrets_naming_the_variable() -> None:
    """A missing secret names the key and the environment variable to set."""
    text = "slack: {enabled: true, bot_token: '${SLACK_BOT_TOKEN}', app_token: '${SLACK_APP}'}"
    found = problems(text)
    assert (
        "slack.bot_token: required when slack.enabled is true (set SLACK_BOT_TOKEN in the"
        " environment)" in found
    )
    assert any(line.startswith("slack.app_token: required") for line in found)


def test_secrets_come_from_the_environment() -> None:
    """`${NAME}` is replaced from the environment given to the loader."""
    text = "slack: {enabled: true, bot_token: '${T}', app_token: 'xapp-${A}'}"
    config = parse_config(text, {"T": "xoxb-1", "A": "2"})
    assert config.slack.bot_token is not None
    assert config.slack.bot_token.get_secret_value() == "xoxb-1"
    assert config.slack.app_token is not None
    assert config.slack.app_token.get_secret_value() == "xapp-2"
    assert "xoxb-1" not in repr(config)


def test_http_mode_needs_a_signing_secret() -> None:
    """HTTP mode without a signing secret names slack.signing_secret."""
    found = problems("slack: {enabled: true, mode: http, bot_token: x}")
    assert found == ["slack.signing_secret: required when slack.mode is http"]


def test_discord_ids_may_be_bare_numbers() -> None:
    """YAML integers for Discord ids are read as ids."""
    config = parse_config("roles: {agents: {discord_roles: [123456789012345678]}}", {})
    assert config.roles.agents.discord_roles == ["123456789012345678"]


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    """A config path that doesn't exist fails with the path."""
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_config(tmp_path / "nope.yaml", {})


def test_roles_reach_the_desk() -> None:
    """Config roles decide who is an agent or a lead, per platform."""
    config = parse_config(
        "roles: {agents: {slack_usergroups: [S1], console_users: [bob]},"
        " leads: {discord_roles: ['9']}}",
        {},
    )
    settings = desk_settings(config)
    assert settings.role_of(Person("slack", "U1", "u", groups=frozenset({"S1"}))) is Role.AGENT
    assert settings.role_of(Person("console", "bob", "bob")) is Role.AGENT
    assert settings.role_of(Person("discord", "5", "d", groups=frozenset({"9"}))) is Role.LEAD
    assert settings.role_of(Person("discord", "S1", "d")) is Role.CUSTOMER


SLA_IN_DAYS = (
    "sla: {calendars: {office: {hours: {mon: ['09:00-17:00'], tue: ['09:00-17:00']}}},"
    " policies: {normal: {resolution: 3d, first_response: 1d4h, calendar: office}}}"
)


def test_sla_days_are_kept_apart_from_business_time() -> None:
    """`3d` is three working days and `1d4h` one working day and four business hours."""
    policy = desk_settings(parse_config(SLA_IN_DAYS, {})).sla[Priority.NORMAL]
    assert policy.resolution == SlaSpan(3, timedelta())
    assert policy.first_response == SlaSpan(1, timedelta(hours=4))


def test_check_config_says_what_a_promise_in_days_means() -> None:
    """check-config describes `3d` as the same time of day three open days later."""
    (line,) = [line for line in summary(parse_config(SLA_IN_DAYS, {})) if line.startswith("sla")]
    assert line == (
        "sla normal: first response 1 working day 4 business hours (due at the same time of day"
        " 1 open day later, then the business hours); resolution 3 working days (due at the"
        " same time of day 3 open days later) on Mon–Tue 09:00–17:00 (UTC)"
    )
