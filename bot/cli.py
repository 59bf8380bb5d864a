"""The `deskbot` command line: run the bot, check a config, and the operators' tools."""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib.metadata
import importlib.resources
import logging
import os
import shlex
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

import discord

from bot import app, incident_report, outbox_report, privacy, upkeep
from bot.adapters.discord import DiscordStartError, invite
from bot.adapters.slack import manifest as slack_manifest
from bot.adapters.slack.startup import SlackStartupError
from bot.chart import chart_png
from bot.clock import SystemClock
from bot.config import Config, ConfigError, config_warnings, load_config, percent
from bot.desk_settings import locales
from handlers import texts
from handlers.digest import posting
from handlers.settings import SlaSpan
from handlers.sla.calendar import ALWAYS_OPEN, BusinessCalendar
from handlers.texts import ENGLISH, texts_in
from storage import moving
from storage.database import DatabaseTooNew, DatabaseUnusable

DEFAULT_CONFIG = "config.yaml"
# The shipped config.yaml, packaged so that `deskbot init` works outside a clone.
STARTER_CONFIG = "starter-config.yaml"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `deskbot` console script."""
    try:
        try:
            return _main(argv)
        finally:
            # Flush here rather than at exit, so that a reader gone away is caught below.
            sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped early (`deskbot outbox | head -1`). As the Python docs advise,
        # point stdout at devnull so that the flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    if not hasattr(args, "handler"):
        _parser().print_help()
        return 2
    if not args.needs_config:
        done: int = args.handler(args)
        return done
    try:
        config = load_config(args.config, os.environ)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    result: int = args.handler(config, args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deskbot", description=__doc__)
    parser.add_argument("--version", action="version", version=f"deskbot {version()}")
    commands = parser.add_subparsers(metavar="command")
    default = os.environ.get("DESKBOT_CONFIG", DEFAULT_CONFIG)
    _add_init(commands, default)
    _add_migrate(commands)
    command = functools.partial(_add_command, commands, default)
    _add_run(command)
    command("check-config", _check_config, "validate the config and summarise it")
    _add_outbox(command)
    _add_slack_manifest(command)
    _add_discord_invite(command)
    _add_digest(command)
    upkeep.add_backup(command)
    upkeep.add_retention(command)
    privacy.add_forget(command)
    privacy.add_export_person(command)
    incident_report.add_incident(command)
    return parser


_Commands = argparse._SubParsersAction  # argparse's type for the object add_subparsers returns
_AddCommand = upkeep.AddCommand


def _add_command(
    commands: _Commands[argparse.ArgumentParser],
    default: str,
    name: str,
    handler: object,
    help_text: str,
) -> argparse.ArgumentParser:
    """Add a command that reads the config at --config."""
    sub = commands.add_parser(name, help=help_text, description=help_text)
    sub.add_argument(
        "--config",
        default=default,
        metavar="PATH",
        help=f"the config file (default: {default})",
    )
    sub.set_defaults(handler=handler, needs_config=True)
    return sub


def _add_init(commands: _Commands[argparse.ArgumentParser], default: str) -> None:
    init_help = "write a commented starter config to begin with"
    init = commands.add_parser("init", help=init_help, description=init_help)
    init.add_argument(
        "path",
        nargs="?",
        default=default,
        metavar="PATH",
        help=f"where to write it; an existing file is never overwritten (default: {default})",
    )
    init.set_defaults(handler=_init, needs_config=False)


def _add_migrate(commands: _Commands[argparse.ArgumentParser]) -> None:
    migrate_help = (
        "copy a desk from a SQLite file into an empty PostgreSQL database, or back; with"
        " deskbot stopped. Checks every table's rows; safe to run again after a failure"
    )
    migrate = commands.add_parser("migrate", help=migrate_help, description=migrate_help)
    migrate.add_argument("--from", dest="source", required=True, metavar="FILE_OR_URL")
    migrate.add_argument("--to", dest="target", required=True, metavar="URL_OR_FILE")
    migrate.set_defaults(handler=_migrate, needs_config=False)


def _migrate(args: argparse.Namespace) -> int:
    try:
        found = asyncio.run(moving.move(args.source, args.target))
    except (moving.MoveRefused, moving.MoveFailed, DatabaseTooNew, DatabaseUnusable) as error:
        print(error, file=sys.stderr)
        return 1
    for table in found:
        print(f"{table.table}: {table.count} rows, checksum {table.checksum[:16]} (matches)")
    print(f"Moved the desk from {moving.describe(args.source)} to {moving.describe(args.target)}.")
    return 0


def _add_run(command: _AddCommand) -> None:
    run = command("run", _run, "run the bot (the console platform when no chat is configured)")
    run.add_argument(
        "--log-level",
        default=None,
        metavar="LEVEL",
        help="DEBUG, INFO, WARNING or ERROR (default: WARNING on the console)",
    )


def _add_outbox(command: _AddCommand) -> None:
    outbox = command(
        "outbox",
        _outbox,
        "show queued and failed notices; re-queue failures. Exits 1 while any notice is"
        " failed, 0 otherwise",
    )
    outbox.add_argument(
        "--retry-failed",
        action="store_true",
        help="queue failed notices again (after fixing their cause)",
    )


def _add_slack_manifest(command: _AddCommand) -> None:
    manifest = command(
        "slack-manifest", _slack_manifest, "print the Slack app manifest matching this config"
    )
    manifest.add_argument(
        "--url", metavar="URL", help="the public HTTPS URL Slack posts to (HTTP mode)"
    )
    manifest.add_argument("--json", action="store_true", help="print JSON instead of YAML")


def _add_discord_invite(command: _AddCommand) -> None:
    discord_invite = command(
        "discord-invite",
        _discord_invite,
        "print the URL that adds the bot to a Discord server, with the permissions it needs",
    )
    discord_invite.add_argument(
        "--application-id",
        type=int,
        metavar="ID",
        help="the Discord application's id (default: ask Discord, using discord.token)",
    )


def _add_digest(command: _AddCommand) -> None:
    digest_command = command("digest", _digest, "show the leads' digest since the last one posted")
    digest_command.add_argument(
        "--print",
        action="store_true",
        required=True,
        help="print the digest (it is not posted, and the next one still starts where the"
        " last posted one ended)",
    )
    digest_command.add_argument(
        "--chart", metavar="PATH", help="also write the digest's chart (PNG)"
    )


def _run(config: Config, args: argparse.Namespace) -> int:
    only_console = config.console_enabled and not (config.slack.enabled or config.discord.enabled)
    level = args.log_level or ("WARNING" if only_console else "INFO")
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for warning in config_warnings(config):
        logging.getLogger("bot.config").warning("%s", warning)
    try:
        asyncio.run(app.run(config))
    except (DatabaseTooNew, DatabaseUnusable, SlackStartupError, DiscordStartError) as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # Interrupted before the graceful-stop handlers were in place: nothing to drain.
        return 130
    return 0


def _discord_invite(config: Config, args: argparse.Namespace) -> int:
    application_id = args.application_id
    if application_id is None:
        try:
            application_id = asyncio.run(invite.application_id(config.discord))
        except (ValueError, discord.LoginFailure, discord.HTTPException) as error:
            print(f"Cannot ask Discord for the application id: {error}", file=sys.stderr)
            return 1
    guilds = config.discord.guilds
    guild = int(guilds[0]) if len(guilds) == 1 else None
    print(invite.invite_url(application_id, guild))
    print()
    for line in invite.explanation():
        print(line)
    return 0


def _outbox(config: Config, args: argparse.Namespace) -> int:
    try:
        found = asyncio.run(_read_outbox(config, args.retry_failed))
    except (DatabaseTooNew, DatabaseUnusable) as error:
        print(error, file=sys.stderr)
        return 1
    print("\n".join(found.lines))
    # Non-zero while a notice is failed, so a cron job or a health check can notice.
    return 1 if found.failed else 0


async def _read_outbox(config: Config, retry_failed: bool) -> outbox_report.OutboxReport:
    async with await app.open_store(config) as store:
        return await outbox_report.report(store, retry_failed=retry_failed)


def _init(args: argparse.Namespace) -> int:
    path = Path(args.path)
    starter = importlib.resources.files("bot").joinpath(STARTER_CONFIG).read_bytes()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as file:
            file.write(starter)
    except FileExistsError:
        print(
            f"{path} already exists; deskbot init never overwrites a file."
            " Name another: deskbot init PATH",
            file=sys.stderr,
        )
        return 1
    except OSError as error:
        print(f"Cannot write {path}: {error.strerror}.", file=sys.stderr)
        return 1
    quoted = shlex.quote(str(path))
    print(f"Wrote a starter config to {path}: it runs as is, in this terminal. Next:")
    print(f"  deskbot run --config {quoted}            try it (alice: my printer is on fire)")
    print(f"  deskbot check-config --config {quoted}   after each edit: what it sets up")
    print("Then set who is an agent and who is a lead (roles), and enable slack or discord;")
    print("the file's comments explain every key.")
    return 0


def version() -> str:
    """This deskbot's version: the installed package's, else the source tree's."""
    try:
        return importlib.metadata.version("deskbot")
    except importlib.metadata.PackageNotFoundError:
        return source_version(Path(__file__).resolve().parents[1] / "pyproject.toml")


def source_version(pyproject: Path) -> str:
    """The version a source tree's pyproject.toml declares, for a deskbot not installed."""
    try:
        found = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError):
        return "(version unknown: not installed)"
    return f"{found} (not installed)"


def _digest(config: Config, args: argparse.Namespace) -> int:
    try:
        text, png = asyncio.run(_read_digest(config, args.chart is not None))
    except (DatabaseTooNew, DatabaseUnusable) as error:
        print(error, file=sys.stderr)
        return 1
    print(text)
    if png is not None:
        Path(args.chart).write_bytes(png)
        print(f"(chart written to {args.chart})")
    return 0


async def _read_digest(config: Config, with_chart: bool) -> tuple[str, bytes | None]:
    async with await app.open_store(config) as store:
        found = await posting.build(store, config.digest.settings(), SystemClock().now())
    return posting.render(found, texts_in(config.locale)), chart_png(found) if with_chart else None


def _check_config(config: Config, args: argparse.Namespace) -> int:
    # A bad config never gets here: loading it printed every problem and exited with 2.
    print(f"{args.config} is valid.")
    for line in summary(config):
        print(f"  {line}")
    warnings = config_warnings(config)
    if warnings:
        print("Warnings:")
        for line in warnings:
            print(f"  - {line}")
    return 0


def _slack_manifest(config: Config, args: argparse.Namespace) -> int:
    print(slack_manifest.dump(slack_manifest.manifest(config.slack, args.url), as_json=args.json))
    if config.slack.mode == "http" and not args.url:
        print(
            f"note: Slack posts to {slack_manifest.PLACEHOLDER_URL} in this manifest; pass"
            f" --url with the public HTTPS URL that reaches {config.slack.http.path}",
            file=sys.stderr,
        )
    return 0


def summary(config: Config) -> list[str]:
    """What the config sets up, in words an operator can check at a glance."""
    lines = [f"storage: {app.storage_name(config)}", f"platforms: {', '.join(config.platforms)}"]
    lines.append(_language_line(config))
    lines += _platform_lines(config)
    lines += _role_lines(config)
    lines += _sla_lines(config)
    lines += _reminder_lines(config)
    lines.append(
        f"reopen window: {texts.duration(config.tickets.reopen_window)};"
        f" default priority {config.tickets.default_priority}"
    )
    lines.append(f"digest: {config.digest.cron!r} ({config.digest.timezone})")
    lines.append(_satisfaction_line(config))
    lines.append(_web_line(config))
    return lines


def _language_line(config: Config) -> str:
    own = [f"{name}: {locale}" for name, locale in locales(config).items()]
    return f"language: {config.locale}" + (f" ({', '.join(own)})" if own else "")


def _satisfaction_line(config: Config) -> str:
    survey = config.satisfaction
    if not survey.enabled:
        return "satisfaction: off"
    scale = "1-5" if survey.scale == "5" else "thumbs up/down"
    cooldown = texts.duration(survey.cooldown) if survey.cooldown else "none"
    alert = (
        "no low-rating alerts"
        if survey.alert_below is None
        else f"alert leads at {survey.alert_below} or below"
    )
    return (
        f"satisfaction: on, scale {scale}, surveys close after {texts.duration(survey.expires)},"
        f" ask {percent(survey.sample)} of resolutions, cooldown {cooldown},"
        f" {alert}"
    )


def _web_line(config: Config) -> str:
    web = config.web
    if not web.on:
        return "web view: off (give web.port to serve it)"
    line = f"web view: {web.base_url} (listening on {web.host}:{web.listen_port})"
    if web.metrics:
        line += f"; /metrics on port {web.metrics_port or web.listen_port}"
    return line


def _platform_lines(config: Config) -> list[str]:
    lines = []
    if config.slack.enabled:
        slack = config.slack
        lines.append(
            f"slack: {slack.mode} mode, {len(slack.support_channels)} support channel(s),"
            f" triage {slack.triage_channel or 'none'}, leads {slack.leads_channel or 'none'}"
        )
    if config.discord.enabled:
        discord = config.discord
        lines.append(
            f"discord: {len(discord.guilds)} guild(s), {len(discord.support_channels)}"
            f" support channel(s), triage {discord.triage_channel or 'none'},"
            f" leads {discord.leads_channel or 'none'}"
        )
    return lines


def _role_lines(config: Config) -> list[str]:
    lines = []
    for role in ("agents", "leads"):
        members = getattr(config.roles, role)
        count = sum(len(getattr(members, field)) for field in type(members).model_fields)
        lines.append(f"{role}: {count} entr{'y' if count == 1 else 'ies'}")
    return lines


def _sla_lines(config: Config) -> list[str]:
    lines = []
    calendars = config.calendars()
    for priority, policy in config.sla.policies.items():
        calendar = calendars[policy.calendar]
        promises = [
            f"{name.replace('_', ' ')} {_promise(span, calendar)}"
            for name, span in (
                ("first_response", policy.first_response),
                ("next_response", policy.next_response),
                ("resolution", policy.resolution),
            )
            if span
        ]
        lines.append(
            f"sla {priority}: {'; '.join(promises) or 'no promises'} on {calendar.describe()}"
        )
    return lines


def _reminder_lines(config: Config) -> list[str]:
    escalation, followup = config.escalation, config.followup
    found = []
    if escalation.unclaimed:
        found.append(
            f"unclaimed reminder after {texts.duration(escalation.unclaimed.after)}"
            f" (x{escalation.unclaimed.max})"
        )
    if escalation.warn_before_breach:
        found.append(f"warn at {percent(escalation.warn_before_breach)} of a promise")
    if escalation.breach:
        found.append(f"escalate breaches to leads (x{escalation.breach.max})")
    if escalation.idle:
        found.append(f"idle nudge after {texts.duration(escalation.idle)}")
    if escalation.quiet_hours:
        found.append(f"quiet hours: {escalation.quiet_hours}")
    if followup.nudge_after:
        found.append(f"nudge customers after {texts.duration(followup.nudge_after)}")
    if followup.resolve_after:
        found.append(f"auto-resolve after {texts.duration(followup.resolve_after)}")
    return [f"reminders: {'; '.join(found) or 'none'}"]


def _promise(span: SlaSpan, calendar: BusinessCalendar) -> str:
    """An SLA span in words, as business time on its calendar."""
    business = calendar.name != ALWAYS_OPEN
    words = ENGLISH.span(span.days, span.rest, business=business)
    if business and span.days:
        days = f"{span.days} open day{'s' if span.days != 1 else ''}"
        then = ", then the business hours" if span.rest else ""
        words += f" (due at the same time of day {days} later{then})"
    return words


if __name__ == "__main__":
    sys.exit(main())
