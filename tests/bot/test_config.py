"""Config: the shipped file is valid; every bad value fails naming its key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import summary
from bot.config import (
    ConfigError,
    config_warnings,
    load_config,
    parse_config,
    parse_duration,
)
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
        (
            "digest: {cron: '0 9 * * mon-fry'}",
            "digest.cron: 'mon-fry' is not a valid day of week field",
        ),
        ("digest: {cron: '61 9 * * *'}", "digest.cron: '61' is not a valid minute field"),
        (
            "escalation: {quiet_hours: nights}",
            "escalation.quiet_hours: no calendar named 'nights' (calendars: 24x7)",
        ),
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


MANY_PROBLEMS = """
slack: {enabled: true, bot_token: '${SLACK_BOT_TOKEN}', app_token: xapp-1}
discord: {support_channels: [abc]}
sla:
  calendars:
    office: {timezone: Mars/Olympus, hours: {mon: ['09:00-17:00']}}
    shop: {hours: {mon: ['9-17']}}
  policies: {normal: {first_response: 4h, calendar: ofice}, low: {resolution: soon}}
escalation: {warn_before_breach: 120%, quiet_hours: nights}
digest: {cron: '0 9 * * mon-fry'}
tickets: {reopen_window: x}
"""


def test_independent_problems_are_all_reported_in_one_run() -> None:
    """Unknown calendars, cron fields, missing secrets and bad values come out together."""
    found = problems(MANY_PROBLEMS)
    assert [line.split(":", 1)[0] for line in found] == [
        "slack.bot_token",
        "discord.support_channels[0]",
        "sla.calendars.office.timezone",
        "sla.calendars.shop",
        "sla.policies.normal.calendar",
        "sla.policies.low.resolution",
        "escalation.warn_before_breach",
        "escalation.quiet_hours",
        "digest.cron",
        "tickets.reopen_window",
    ]
    assert (
        "slack.bot_token: required when slack.enabled is true (set SLACK_BOT_TOKEN in the"
        " environment)" in found
    )
    assert (
        "sla.policies.normal.calendar: no calendar named 'ofice' (calendars: office, shop, 24x7)"
        in found
    )


def test_no_platform_is_reported_beside_other_problems() -> None:
    """console.enabled: false with no chat is found even when another key is bad."""
    found = problems("console: {enabled: false}\nslack: {mode: sockets}")
    assert [line.split(":", 1)[0] for line in found] == ["slack.mode", "console.enabled"]


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


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "discord: {support_channels: [abc]}",
            "discord.support_channels[0]: 'abc' is not a Discord channel id"
            " (a number like 1234567890123456789)",
        ),
        ("discord: {triage_channel: '#triage'}", "discord.triage_channel: '#triage' is not"),
        ("discord: {leads_channel: -5}", "discord.leads_channel: -5 is not a Discord channel id"),
        ("discord: {guilds: [1, 2x]}", "discord.guilds[1]: '2x' is not a Discord server (guild)"),
        (
            "roles: {agents: {discord_roles: [Support]}}",
            "roles.agents.discord_roles[0]: 'Support' is not a Discord role id",
        ),
        (
            "roles: {leads: {discord_users: ['@carol']}}",
            "roles.leads.discord_users[0]: '@carol' is not a Discord user id",
        ),
    ],
)
def test_discord_ids_must_be_numbers(text: str, problem: str) -> None:
    """A Discord id that is not a number fails at load, naming the key and the item."""
    found = problems(text)
    assert len(found) == 1 and found[0].startswith(problem), found


@pytest.mark.parametrize(("written", "share"), [("80%", 0.8), (" 12.5% ", 0.125), ("0.8", 0.8)])
def test_shares_are_written_as_percentages(written: str, share: float) -> None:
    """warn_before_breach is a percentage, `80%`, or the same share as a fraction, 0.8."""
    config = parse_config(f"escalation: {{warn_before_breach: {written}}}", {})
    assert config.escalation.warn_before_breach == pytest.approx(share)


@pytest.mark.parametrize("written", ["120%", "0%", "100%", "80", "1.5", "lots%", "eighty"])
def test_shares_outside_the_percent_range_are_told_as_percentages(written: str) -> None:
    """A bad share says it should be a percentage between 0% and 100%."""
    [found] = problems(f"escalation: {{warn_before_breach: {written}}}")
    assert found.startswith("escalation.warn_before_breach: ")
    assert found.endswith("is not a percentage between 0% and 100% (write one like 80%)")


def test_disabled_platforms_need_no_secrets() -> None:
    """Unset secrets of a platform that is off are no problem; an enabled one's are."""
    text = (
        "slack: {bot_token: '${SLACK_BOT_TOKEN}', app_token: '${SLACK_APP_TOKEN}'}\n"
        "discord: {enabled: true, token: '${DISCORD_TOKEN}'}"
    )
    assert problems(text) == [
        "discord.token: required when discord.enabled is true (set DISCORD_TOKEN in the"
        " environment)"
    ]


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    """A config path that doesn't exist fails with the path."""
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_config(tmp_path / "nope.yaml", {})


def load_problems(tmp_path: Path, text: str) -> list[str]:
    written = tmp_path / "config.yaml"
    written.write_text(text)
    with pytest.raises(ConfigError) as failed:
        load_config(written, {})
    return failed.value.problems


def test_storage_path_that_is_not_a_database_is_a_sentence(tmp_path: Path) -> None:
    """A text file at storage.path is named as not a SQLite database, beside other problems."""
    (tmp_path / "notes.txt").write_text("shopping: milk\n")
    found = load_problems(tmp_path, "storage: {path: notes.txt}\ntimezone: Nowhere")
    assert found[0] == f"storage.path: {tmp_path / 'notes.txt'} is not a SQLite database"
    assert found[1].startswith("timezone:")


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("folder", "is a folder, not a SQLite database file"),
        ("notes.txt/desk.db", "cannot be created: {tmp}/notes.txt is a file, not a folder"),
    ],
)
def test_storage_path_that_cannot_hold_a_database_is_named(
    tmp_path: Path, written: str, reason: str
) -> None:
    """A folder, or a path under a file, is refused naming storage.path and the place."""
    (tmp_path / "folder").mkdir()
    (tmp_path / "notes.txt").write_text("shopping: milk\n")
    found = load_problems(tmp_path, f"storage: {{path: {written}}}")
    assert found == [f"storage.path: {tmp_path / written} {reason.format(tmp=tmp_path)}"]


def test_empty_file_or_missing_storage_is_a_database_to_be(tmp_path: Path) -> None:
    """An empty file and a path not yet there are fine: SQLite starts a database in them."""
    (tmp_path / "empty.db").touch()
    for written in ("empty.db", "new/desk.db"):
        (tmp_path / "config.yaml").write_text(f"storage: {{path: {written}}}")
        assert load_config(tmp_path / "config.yaml", {}).storage.path == tmp_path / written


def test_warnings_name_each_platform_without_agents_or_leads() -> None:
    """Nobody to work tickets, or nobody to escalate to, on an enabled platform is a warning."""
    config = parse_config(
        "slack: {enabled: true, bot_token: x, app_token: y, leads_channel: C1}\n"
        "discord: {enabled: true, token: z, leads_channel: 1}\n"
        "roles: {leads: {slack_users: [U1]}, agents: {discord_roles: [2], console_users: [bob]}}",
        {},
    )
    assert config_warnings(config) == [
        "roles.agents: nobody on slack is an agent, so only leads can work tickets there"
        " (add people to slack_users or slack_usergroups)",
        "roles.leads: nobody on discord is a lead, so escalations there mention nobody and"
        " nobody can take a ticket over (add people to discord_roles or discord_users)",
    ]


@pytest.mark.parametrize(
    ("escalation", "said"),
    [
        ("{}", "the digest is not posted on discord"),
        (
            "{breach: {}}",
            "the digest is not posted on discord and breaches are escalated to the triage channel",
        ),
    ],
)
def test_missing_leads_channel_is_a_warning(escalation: str, said: str) -> None:
    """Without a leads channel the digest (and escalations) miss the leads: a warning."""
    config = parse_config(
        "discord: {enabled: true, token: z, triage_channel: 3}\n"
        f"roles: {{agents: {{discord_roles: [2]}}, leads: {{discord_users: [4]}}}}\n"
        f"escalation: {escalation}",
        {},
    )
    assert config_warnings(config) == [
        f"discord.leads_channel: not set, so {said} (set it to a channel id)"
    ]


def test_shipped_config_has_no_warnings() -> None:
    """config.yaml names an agent and a lead for the console it runs."""
    assert config_warnings(load_config(ROOT / "config.yaml", {})) == []


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
