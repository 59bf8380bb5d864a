"""The operators' upkeep commands: `deskbot backup PATH` and `deskbot retention [--apply]`."""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot import app, retention
from bot.clock import SystemClock
from bot.config import Config
from handlers import texts
from storage.backup import BackupFailed, BackupRefused, Copied, backup
from storage.database import DatabaseTooNew, DatabaseUnusable
from storage.postgres.database import safe_url

# How a module adds a subcommand to `deskbot` (bot/cli.py gives it): name, runner, help.
AddCommand = Callable[[str, object, str], argparse.ArgumentParser]


def add_backup(command: AddCommand) -> None:
    """Add `deskbot backup PATH`."""
    sub = command(
        "backup",
        _backup,
        "copy the SQLite desk to a new file while the bot runs, and check the copy",
    )
    sub.add_argument("path", metavar="PATH", help="the new file; an existing one is never replaced")


def add_retention(command: AddCommand) -> None:
    """Add `deskbot retention [--apply]`."""
    sub = command(
        "retention",
        _retention,
        "show what the retention settings would forget now; forget it with --apply",
    )
    sub.add_argument("--apply", action="store_true", help="forget it (the bot may be running)")


def _backup(config: Config, args: argparse.Namespace) -> int:
    if config.storage.url is not None:
        print(pg_dump_advice(config.storage.url, args.path), file=sys.stderr)
        return 1
    try:
        copied = backup(config.storage.path, Path(args.path))
    except (BackupRefused, BackupFailed) as error:
        print(error, file=sys.stderr)
        return 1
    for line in _written(config.storage.path, copied):
        print(line)
    return 0


def pg_dump_advice(url: str, path: str) -> str:
    """What to run instead of `deskbot backup` for a desk in PostgreSQL."""
    where = shlex.quote(safe_url(url))
    return (
        "deskbot backup copies a SQLite desk; this desk is in PostgreSQL (storage.url)."
        " Back it up with PostgreSQL's own tool, which takes a consistent copy while deskbot"
        " runs (the password from PGPASSWORD or ~/.pgpass):\n"
        f"  pg_dump --format=custom --file={shlex.quote(path)} {where}\n"
        "and restore it into an empty database with deskbot stopped:\n"
        f"  pg_restore --no-owner --dbname=postgresql://…/EMPTY_DATABASE {shlex.quote(path)}"
    )


def _written(source: Path, copied: Copied) -> list[str]:
    rows = sum(copied.counts.values())
    lines = [
        f"Wrote {copied.path}: a copy of {source}, {copied.size / 2**20:.1f} MiB,"
        f" {rows} rows in {len(copied.counts)} tables.",
        f"Checked: SQLite's integrity check says {copied.integrity}, and every table holds"
        " the rows the desk held when the copy was taken:",
    ]
    lines += [f"  {name}: {count}" for name, count in copied.counts.items()]
    lines.append(
        "To restore: stop deskbot, put this file at storage.path (moving the old file and its"
        " -wal and -shm files away), start deskbot."
    )
    return lines


def _retention(config: Config, args: argparse.Namespace) -> int:
    keep = config.retention.inbound_keys
    cutoff = SystemClock().now() - keep
    try:
        count = asyncio.run(_apply(config, cutoff) if args.apply else _count(config, cutoff))
    except (DatabaseTooNew, DatabaseUnusable) as error:
        print(error, file=sys.stderr)
        return 1
    what = f"inbound dedupe key{'' if count == 1 else 's'} first seen before {_when(cutoff)}"
    setting = f"(retention.inbound_keys: {texts.duration(keep)})"
    if args.apply:
        print(f"Forgot {count} {what} {setting}.")
    else:
        print(f"Would forget {count} {what} {setting}. Run with --apply to forget them.")
    return 0


async def _count(config: Config, cutoff: datetime) -> int:
    async with await app.open_store(config) as store:
        return await retention.inbound_keys_to_prune(store, cutoff)


async def _apply(config: Config, cutoff: datetime) -> int:
    async with await app.open_store(config) as store:
        return await retention.prune_inbound_keys(store, cutoff)


def _when(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC"
