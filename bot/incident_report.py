"""`deskbot incident report INC-3`: an incident's Markdown postmortem skeleton, on stdout."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot import app
from bot.clock import SystemClock
from bot.config import Config
from bot.desk_settings import desk_settings
from bot.upkeep import AddCommand
from handlers.incidents import postmortem
from handlers.incidents.values import reference
from handlers.ports import Tx
from storage.database import DatabaseTooNew, DatabaseUnusable


def add_incident(command: AddCommand) -> None:
    """Add `deskbot incident report <INC>`."""
    sub = command(
        "incident",
        _incident,
        "print an incident's postmortem skeleton in Markdown: its figures and timeline",
    )
    sub.add_argument("action", choices=("report",), help="what to print")
    sub.add_argument("incident", metavar="INC", help="the incident, like INC-3")


def _incident(config: Config, args: argparse.Namespace) -> int:
    number = reference(args.incident)
    if number is None:
        print(f"{args.incident!r} names no incident; write it like INC-3.", file=sys.stderr)
        return 2
    try:
        report = asyncio.run(_report(config, number))
    except (DatabaseTooNew, DatabaseUnusable) as error:
        print(error, file=sys.stderr)
        return 1
    if report is None:
        print(f"There is no incident INC-{number} in this desk.", file=sys.stderr)
        return 1
    print(report)
    return 0


async def _report(config: Config, number: int) -> str | None:
    settings, now = desk_settings(config), SystemClock().now()

    def read(tx: Tx) -> str | None:
        found = tx.incident(number)
        return None if found is None else postmortem.report(tx, found, now, settings)

    async with await app.open_store(config) as store:
        return await store.read(read)
