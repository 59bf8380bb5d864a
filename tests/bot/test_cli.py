"""The `deskbot` command line: version, init, exit statuses, pipes and a quick exit."""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.resources
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import STARTER_CONFIG, main, source_version
from bot.config import load_config
from handlers.desk import Desk
from storage.store import SqliteStore
from tests.builders import open_ticket, settings
from tests.clock import FakeClock

ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text("storage: {path: desk.db}\n")
    return config


def deskbot(
    *args: str, cwd: Path, stdin: str | None = None, stdout: int = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        input=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
    )


def test_version_is_the_installed_packages(capsys: pytest.CaptureFixture[str]) -> None:
    """`deskbot --version` prints the installed deskbot's version and exits 0."""
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"deskbot {importlib.metadata.version('deskbot')}\n"


def test_version_of_a_source_tree_comes_from_its_pyproject(tmp_path: Path) -> None:
    """Not installed, deskbot reads its version from the clone's pyproject.toml."""
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "deskbot"\nversion = "9.8.7"\n')
    assert source_version(pyproject) == "9.8.7 (not installed)"
    assert source_version(tmp_path / "missing.toml") == "(version unknown: not installed)"


def test_init_writes_a_starter_config_that_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`deskbot init PATH` writes the commented shipped config, which loads as is."""
    path = tmp_path / "desk" / "config.yaml"
    assert main(["init", str(path)]) == 0
    assert path.read_bytes() == (ROOT / "config.yaml").read_bytes()
    config = load_config(path, {})
    assert config.console_enabled
    assert config.storage.path == path.parent / "deskbot.db"
    assert f"deskbot run --config {path}" in capsys.readouterr().out


def test_init_never_overwrites_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An existing file is left alone, and init says so and exits 1."""
    path = tmp_path / "config.yaml"
    path.write_text("storage: {path: mine.db}\n")
    assert main(["init", str(path)]) == 1
    assert path.read_text() == "storage: {path: mine.db}\n"
    assert f"{path} already exists" in capsys.readouterr().err


def test_starter_config_is_the_shipped_config_yaml() -> None:
    """The packaged starter is the root config.yaml: copy it over when that file changes."""
    packaged = importlib.resources.files("bot").joinpath(STARTER_CONFIG).read_bytes()
    assert packaged == (ROOT / "config.yaml").read_bytes(), (
        f"run: cp config.yaml bot/{STARTER_CONFIG}"
    )


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


@pytest.mark.parametrize("command", [["outbox"], ["slack-manifest"]])
def test_output_to_a_reader_gone_away_ends_quietly(tmp_path: Path, command: list[str]) -> None:
    """`deskbot outbox | head -1`: a closed pipe ends the command without a traceback."""
    write_config(tmp_path)
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = deskbot(*command, cwd=tmp_path, stdout=writer)
    finally:
        os.close(writer)
    assert result.stderr == ""
    assert result.returncode == 1


def test_quick_exit_leaves_no_traceback(tmp_path: Path) -> None:
    """`echo /quit | deskbot run` stops cleanly even while the first sweep is running."""
    (tmp_path / "config.yaml").write_bytes((ROOT / "config.yaml").read_bytes())
    result = deskbot("run", cwd=tmp_path, stdin="/quit\n")
    assert result.stderr == ""
    assert result.returncode == 0
