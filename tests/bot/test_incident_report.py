"""`deskbot incident report INC-3`: the postmortem skeleton, printed for a lead to paste."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from handlers.desk import Desk
from storage.store import SqliteStore
from tests.builders import BOB, open_ticket, run, settings
from tests.clock import FakeClock


async def an_incident(path: Path) -> None:
    async with await SqliteStore.open(path) as store:
        desk = Desk(store, FakeClock(datetime.now(UTC)), settings())
        ticket = await open_ticket(desk)
        assert (await run(desk, BOB, "incident declare Checkout returns 500")).ok
        assert (await run(desk, BOB, f"incident link INC-1 {ticket}")).ok
        assert (await run(desk, BOB, "incident update INC-1 Rolling back")).ok


def test_the_report_prints_the_postmortem_in_markdown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Title, figures and timeline of INC-1, as Markdown."""
    config = tmp_path / "config.yaml"
    config.write_text("storage: {path: desk.db}\n")
    asyncio.run(an_incident(tmp_path / "desk.db"))
    assert main(["incident", "report", "INC-1", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Postmortem: INC-1: Checkout returns 500\n")
    assert "- Tickets affected: 1\n" in out
    assert "update by bob to 1 ticket: Rolling back" in out


@pytest.mark.parametrize(("word", "problem"), [("INC-9", "no incident INC-9"), ("x", "'x'")])
def test_an_unknown_incident_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], word: str, problem: str
) -> None:
    """An incident the desk does not have, or a word that names none, is said so."""
    config = tmp_path / "config.yaml"
    config.write_text("storage: {path: desk.db}\n")
    assert main(["incident", "report", word, "--config", str(config)]) != 0
    assert problem in capsys.readouterr().err
