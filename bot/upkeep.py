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
from handlers import privacy, texts
from handlers.personal import Redacted
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
    keep = config.retention
    now = SystemClock().now()
    cutoff = now - keep.inbound_keys
    try:
        count, redacted = asyncio.run(_apply(config, now) if args.apply else _count(config, now))
    except (DatabaseTooNew, DatabaseUnusable) as error:
        print(error, file=sys.stderr)
        return 1
    what = f"inbound dedupe key{'' if count == 1 else 's'} first seen before {_when(cutoff)}"
    setting = f"(retention.inbound_keys: {texts.duration(keep.inbound_keys)})"
    text = _redaction_line(config, redacted, applied=args.apply)
    if args.apply:
        print(f"Forgot {count} {what} {setting}.")
        print(text)
    else:
        print(f"Would forget {count} {what} {setting}.")
        print(text)
        print("Run with --apply to do it.")
    return 0


def _redaction_line(config: Config, redacted: Redacted, *, applied: bool) -> str:
    keep = config.retention
    if keep.messages is None and keep.audit_data is None:
        return "Message text and audit data are kept (retention.messages, audit_data unset)."
    verb = "Redacted" if applied else "Would redact"
    settings = ", ".join(
        f"retention.{name}: {texts.duration(value)}"
        for name, value in (("messages", keep.messages), ("audit_data", keep.audit_data))
        if value is not None
    )
    return (
        f"{verb} the text of {redacted.messages} message(s) and {redacted.events} audit"
        f" event(s) of tickets closed longer ago ({settings})."
    )


def _cutoffs(config: Config, now: datetime) -> tuple[datetime | None, datetime | None]:
    keep = config.retention
    return (
        None if keep.messages is None else now - keep.messages,
        None if keep.audit_data is None else now - keep.audit_data,
    )


async def _count(config: Config, now: datetime) -> tuple[int, Redacted]:
    messages_before, audit_before = _cutoffs(config, now)
    async with await app.open_store(config) as store:
        count = await retention.inbound_keys_to_prune(store, now - config.retention.inbound_keys)
        redacted = await store.read(lambda tx: tx.closed_to_redact(messages_before, audit_before))
        return count, redacted


async def _apply(config: Config, now: datetime) -> tuple[int, Redacted]:
    keep = config.retention
    async with await app.open_store(config) as store:
        count = await retention.prune_inbound_keys(store, now - keep.inbound_keys)
        redacted = await privacy.redact_old(store, keep.messages, keep.audit_data, now, count)
        retention.log_redacted(redacted)
        return count, redacted


def _when(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC"
