"""The `deskbot` command line: exit statuses."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from handlers.desk import Desk
from storage.store import SqliteStore
from tests.builders import open_ticket, settings
from tests.clock import FakeClock

ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text("storage: {path: desk.db}\n")
    return config


async def one_failed_notice(path: Path) -> None:
    async with await SqliteStore.open(path) as store:
        await open_ticket(Desk(store, FakeClock(datetime.now(UTC)), settings()))
    with sqlite3.connect(path) as db:
        db.execute("UPDATE outbox SET status = 'failed', last_error = 'x' WHERE kind = 'card'")
    db.close()


def test_outbox_exits_1_while_a_notice_is_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Failed notices make `deskbot outbox` exit 1; once re-queued it exits 0."""
    config = str(write_config(tmp_path))
    assert main(["outbox", "--config", config]) == 0
    asyncio.run(one_failed_notice(tmp_path / "desk.db"))
    assert main(["outbox", "--config", config]) == 1
    assert "failed: 1" in capsys.readouterr().out
    assert main(["outbox", "--config", config, "--retry-failed"]) == 0
    assert main(["outbox", "--config", config]) == 0
