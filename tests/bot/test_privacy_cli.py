"""`deskbot forget` and `deskbot export-person`: a deletion and an access request, by hand."""

from __future__ import annotations

import asyncio
import getpass
import json
from pathlib import Path

import pytest

from bot.cli import main
from handlers.desk import Desk
from handlers.models import Scale, Survey
from storage.store import SqliteStore
from tests.builders import ALICE, BOB, DAVE, open_ticket, post, rows, run, settings
from tests.clock import FakeClock


async def make_desk(tmp_path: Path) -> Path:
    """Alice's ticket (talk, a rating) and Dave's; a config pointing at them."""
    clock = FakeClock()
    async with await SqliteStore.open(tmp_path / "desk.db") as store:
        desk = Desk(store, clock, settings())
        mine = await open_ticket(desk, ALICE, "my invoice is wrong")
        ticket = await desk.ticket(mine)
        assert ticket is not None
        await post(desk, ALICE, "it says 300", place=ticket.place)
        assert (await run(desk, BOB, f"resolve {mine} refunded")).ok
        asked = Survey(mine, 1, ALICE.key, True, Scale.FIVE, clock.now(), clock.now())
        rated = Survey(
            **{**vars(asked), "score": 4, "comment": "quick", "answered_at": clock.now()}
        )
        await store.transact(lambda tx: (tx.add_survey(asked), tx.save_rating(rated)))
        await open_ticket(desk, DAVE, "dave's own problem")
    config = tmp_path / "config.yaml"
    config.write_text("storage: {path: desk.db}\n")
    return config


async def test_forget_dry_run_lists_what_would_change_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The dry run prints the columns and counts; the desk is as it was."""
    config = await make_desk(tmp_path)
    args = ["forget", "console", "alice", "--config", str(config)]
    assert await asyncio.to_thread(main, [*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Would change" in out and "tickets.customer_key: 1" in out
    assert "surveys.comment: 1" in out and "Nothing was changed" in out
    async with await SqliteStore.open(tmp_path / "desk.db") as store:
        assert await rows(
            store, "SELECT count(*) FROM tickets WHERE customer_key = ?", ALICE.key
        ) == [(1,)]
        assert await rows(store, "SELECT count(*) FROM redactions") == [(0,)]


async def test_forget_replaces_the_person_and_records_who_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Afterwards no ticket is alice's; the record names the operator, not her."""
    config = await make_desk(tmp_path)
    assert (
        await asyncio.to_thread(main, ["forget", "console", "alice", "--config", str(config)]) == 0
    )
    out = capsys.readouterr().out
    assert "Changed" in out and "Recorded as redaction 1" in out
    async with await SqliteStore.open(tmp_path / "desk.db") as store:
        assert await rows(
            store, "SELECT count(*) FROM tickets WHERE customer_key = ?", ALICE.key
        ) == [(0,)]
        assert await rows(store, "SELECT asked_by FROM redactions") == [
            (f"cli:{getpass.getuser()}",)
        ]


async def test_export_person_prints_everything_stored_about_them_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Their ticket, messages, rating and audit entries; nothing of Dave's."""
    config = await make_desk(tmp_path)
    assert (
        await asyncio.to_thread(
            main, ["export-person", "console", "alice", "--config", str(config)]
        )
        == 0
    )
    exported = json.loads(capsys.readouterr().out)
    assert exported["person"] == ALICE.key
    tables = {entry["table"] for entry in exported["rows"]}
    assert {"tickets", "messages", "events", "surveys"} <= tables
    tickets = [entry["row"] for entry in exported["rows"] if entry["table"] == "tickets"]
    assert [ticket["subject"] for ticket in tickets] == ["my invoice is wrong"]
    texts = [e["row"]["text"] for e in exported["rows"] if e["table"] == "messages"]
    assert "it says 300" in texts
    (survey,) = [e["row"] for e in exported["rows"] if e["table"] == "surveys"]
    assert (survey["score"], survey["comment"]) == (4, "quick")
    assert "dave" not in json.dumps(exported)
