"""The `deskbot` command line: run the bot, check a config, and the operators' tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

import discord

from bot import app
from bot.adapters.discord import DiscordStartError, invite
from bot.config import Config, ConfigError, load_config
from handlers import texts
from handlers.business_time import ALWAYS_OPEN, BusinessCalendar
from handlers.settings import SlaSpan, working_day
from storage.database import DatabaseTooNew

DEFAULT_CONFIG = "config.yaml"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `deskbot` console script."""
    args = _parser().parse_args(argv)
    if not hasattr(args, "handler"):
        _parser().print_help()
        return 2
    try:
        config = load_config(args.config, os.environ)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    result: int = args.handler(config, args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deskbot", description=__doc__)
    commands = parser.add_subparsers(metavar="command")
    default = os.environ.get("DESKBOT_CONFIG", DEFAULT_CONFIG)

    def command(name: str, handler: object, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--config",
            default=default,
            metavar="PATH",
            help=f"the config file (default: {default})",
        )
        sub.set_defaults(handler=handler)
        return sub

    run = command("run", _run, "run the bot (the console platform when no chat is configured)")
    run.add_argument(
        "--log-level",
        default=None,
        metavar="LEVEL",
        help="DEBUG, INFO, WARNING or ERROR (default: WARNING on the console)",
    )
    command("check-config", _check_config, "validate the config and summarise it")
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
    return parser


def _run(config: Config, args: argparse.Namespace) -> int:
    only_console = config.console_enabled and not (config.slack.enabled or config.discord.enabled)
    level = args.log_level or ("WARNING" if only_console else "INFO")
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        asyncio.run(app.run(config))
    except (DatabaseTooNew, DiscordStartError) as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
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


def _check_config(config: Config, args: argparse.Namespace) -> int:
    print(f"{args.config} is valid.")
    for line in summary(config):
        print(f"  {line}")
    return 0


def summary(config: Config) -> list[str]:
    """What the config sets up, in words an operator can check at a glance."""
    platforms = [
        name
        for name, on in (
            ("slack", config.slack.enabled),
            ("discord", config.discord.enabled),
            ("console", config.console_enabled),
        )
        if on
    ]
    lines = [f"storage: {config.storage.path}", f"platforms: {', '.join(platforms)}"]
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
    for role in ("agents", "leads"):
        members = getattr(config.roles, role)
        count = sum(len(getattr(members, field)) for field in type(members).model_fields)
        lines.append(f"{role}: {count} entr{'y' if count == 1 else 'ies'}")
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
    lines.append(
        f"reopen window: {texts.duration(config.tickets.reopen_window)};"
        f" default priority {config.tickets.default_priority}"
    )
    lines.append(f"digest: {config.digest.cron!r} ({config.digest.timezone})")
    return lines


def _promise(span: SlaSpan, calendar: BusinessCalendar) -> str:
    """An SLA span in words, as business time on its calendar."""
    business = calendar.name != ALWAYS_OPEN
    words = texts.span(span.days, span.rest, business=business)
    if business and span.days:
        words += f" (a working day is {texts.duration(working_day(calendar))} open)"
    return words


if __name__ == "__main__":
    sys.exit(main())
