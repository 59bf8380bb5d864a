"""The operators' privacy commands: `deskbot forget` and `deskbot export-person`.

Either may run while the bot runs: a forgetting is one transaction like any other unit, and
an export reads one snapshot beside the writer.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from typing import TextIO

from bot import app
from bot.clock import SystemClock
from bot.config import PLATFORMS, Config
from bot.upkeep import AddCommand
from handlers import privacy
from handlers.personal import Forgotten
from storage.database import DatabaseTooNew, DatabaseUnusable


def add_forget(command: AddCommand) -> None:
    """Add `deskbot forget <platform> <person id> [--dry-run]`."""
    sub = command(
        "forget",
        _forget,
        "replace everything that identifies a person with a pseudonym (a deletion request)",
    )
    _person(sub)
    sub.add_argument("--dry-run", action="store_true", help="list what would change, change none")


def add_export_person(command: AddCommand) -> None:
    """Add `deskbot export-person <platform> <person id>`."""
    sub = command(
        "export-person",
        _export,
        "print everything stored about a person as JSON (an access request)",
    )
    _person(sub)


def _person(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("platform", choices=PLATFORMS, help="where the person is")
    sub.add_argument("person", metavar="PERSON_ID", help="their id there (Slack U…, Discord …)")


def _forget(config: Config, args: argparse.Namespace) -> int:
    key = f"{args.platform}:{args.person}"
    asked_by = f"cli:{getpass.getuser()}"
    try:
        done = asyncio.run(_forgetting(config, key, asked_by, dry_run=args.dry_run))
    except (DatabaseTooNew, DatabaseUnusable) as error:
        print(error, file=sys.stderr)
        return 1
    for line in report(key, done):
        print(line)
    return 0


async def _forgetting(config: Config, key: str, asked_by: str, *, dry_run: bool) -> Forgotten:
    async with await app.open_store(config) as store:
        return await privacy.forget(store, key, asked_by, SystemClock().now(), dry_run=dry_run)


def report(key: str, done: Forgotten) -> list[str]:
    """What a forgetting changed, or would change, for the operator."""
    if not done.changed:
        return [f"Nothing is stored about {key}; nothing to forget."]
    verb = "Would change" if done.dry_run else "Changed"
    lines = [
        f"{verb} {done.rows} values about {key} in {done.tickets} ticket(s) they opened and"
        f" wherever else they appear, as {done.pseudonym}:"
    ]
    lines += [f"  {column}: {count}" for column, count in done.changed]
    if done.notices_dropped:
        what = "would be" if done.dry_run else "were"
        lines.append(f"{done.notices_dropped} queued notice(s) for them {what} dropped.")
    if done.dry_run:
        lines.append("Nothing was changed. Run without --dry-run to forget them.")
    else:
        lines.append(f"Recorded as redaction {done.redaction}, without what was removed.")
        lines.append("Older backups still hold them: see docs/privacy.md.")
    if done.remains:
        lines.append(done.remains)
    return lines


def _export(config: Config, args: argparse.Namespace) -> int:
    key = f"{args.platform}:{args.person}"
    try:
        asyncio.run(_exporting(config, key, sys.stdout))
    except (DatabaseTooNew, DatabaseUnusable) as error:
        print(error, file=sys.stderr)
        return 1
    return 0


async def _exporting(config: Config, key: str, out: TextIO) -> int:
    """Write the export as one JSON object, a row at a time, as the rows are read."""
    at = SystemClock().now().isoformat()
    out.write(json.dumps({"person": key, "exported_at": at})[:-1])
    out.write(', "rows": [')
    first = True

    def write(table: str, row: dict[str, object]) -> None:
        nonlocal first
        out.write(
            ("\n" if first else ",\n")
            + json.dumps({"table": table, "row": row}, ensure_ascii=False, default=str)
        )
        first = False

    async with await app.open_store(config) as store:
        count = await privacy.export_person(store, key, write)
    out.write("\n]}\n")
    return count
