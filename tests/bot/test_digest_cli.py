"""`deskbot digest --print` and the `digest` config section."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.config import ConfigError, parse_config
from handlers.desk import Desk
from handlers.settings import DigestSettings
from storage.store import SqliteStore
from tests.builders import open_ticket, settings
from tests.clock import FakeClock


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text("storage: {path: desk.db}\ndigest: {timezone: Europe/Berlin}\n")
    return config


async def one_ticket(path: Path) -> None:
    async with await SqliteStore.open(path) as store:
        await open_ticket(Desk(store, FakeClock(datetime.now(UTC)), settings()), text="fax @here")


def test_digest_print_shows_the_digest_and_writes_the_chart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The digest since the last one posted is printed; --chart writes the PNG."""
    config = write_config(tmp_path)
    asyncio.run(one_ticket(tmp_path / "desk.db"))
    chart = tmp_path / "digest.png"
    assert main(["digest", "--print", "--config", str(config), "--chart", str(chart)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Digest for ")
    assert "Backlog 1 (+1): open 1" in out
    assert "fax @\u200bhere" in out
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_digest_needs_print(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Posting is the running bot's job: the command only prints, and says so."""
    with pytest.raises(SystemExit):
        main(["digest", "--config", str(write_config(tmp_path))])
    assert "--print" in capsys.readouterr().err


def test_digest_config_becomes_the_core_settings() -> None:
    """The digest section's keys reach the core as plain values."""
    config = parse_config(
        "digest: {timezone: Europe/Paris, at_risk_within: 2h30m, oldest: 3,"
        " skip_when_empty: false}",
        {},
    )
    assert config.digest.settings() == DigestSettings(
        ZoneInfo("Europe/Paris"), timedelta(hours=2, minutes=30), 3, skip_when_empty=False
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("digest: {oldest: 50}", "digest.oldest: Input should be less than or equal to 20"),
        ("digest: {at_risk_within: soon}", "digest.at_risk_within: 'soon' is not a duration"),
    ],
)
def test_bad_digest_config_names_its_key(text: str, problem: str) -> None:
    """A bad digest value stops startup with a message naming the key."""
    with pytest.raises(ConfigError) as error:
        parse_config(text, {})
    assert any(line.startswith(problem) for line in error.value.problems), error.value.problems
