"""The console platform: typed lines become messages and commands; notices are printed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.adapters.console import Line, parse_line

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("typed", "speaker", "expected"),
    [
        ("alice: my printer is on fire", None, Line("alice", None, "my printer is on fire")),
        ("bob: /ticket claim 1", "alice", Line("bob", None, "/ticket claim 1")),
        ("bob: #1 try again", None, Line("bob", 1, "try again")),
        ("#2 thanks", "alice", Line("alice", 2, "thanks")),
        ("just text", "carol", Line("carol", None, "just text")),
        ("see http://x.y:80/z", "carol", Line("carol", None, "see http://x.y:80/z")),
        ("   ", "carol", None),
    ],
)
def test_lines_are_understood(typed: str, speaker: str | None, expected: Line | None) -> None:
    """`name: text`, `#N text` and plain text by the current speaker."""
    assert parse_line(typed, speaker) == expected


def test_line_without_a_speaker_asks_who_speaks() -> None:
    """Before anyone has spoken, an unnamed line gets a hint."""
    assert "Who is speaking?" in str(parse_line("hello", None))


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        "storage: {path: desk.db}\n"
        "roles: {agents: {console_users: [bob]}, leads: {console_users: [carol]}}\n"
        "sla: {policies: {normal: {first_response: 4h}}}\n"
    )
    return config


def deskbot(*args: str, stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


DEMO = """\
alice: my printer is on fire
bob: /ticket claim 1
bob: #1 have you tried turning it off and on again?
alice: #1 that worked, thanks!
bob: /ticket resolve 1 rebooted the printer
dave: /ticket claim 1
/as carol
/ticket list all
"""


def test_console_run_end_to_end(tmp_path: Path) -> None:
    """The real `deskbot run` driven through stdin: answers printed, everything stored."""
    config = write_config(tmp_path)
    result = deskbot("run", "--config", str(config), stdin=DEMO)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[#support › ticket #1] deskbot: Thanks, alice! This is ticket #1." in out
    assert "[#triage] new card: #1 · my printer is on fire · open" in out
    assert "(only bob sees) You claimed #1 my printer is on fire." in out
    assert "bob has picked up ticket #1." in out
    assert "Ticket #1 was resolved by bob: rebooted the printer" in out
    assert "(only dave sees) /ticket claim is for agents." in out
    assert "(you are now carol)" in out
    assert "#1 · resolved · normal · alice · claimed by bob" in out
    db = sqlite3.connect(tmp_path / "desk.db")
    assert db.execute("SELECT status, assignee_key FROM tickets").fetchall() == [
        ("resolved", "console:bob")
    ]
    roles = db.execute("SELECT role FROM messages ORDER BY id").fetchall()
    assert [role for (role,) in roles] == ["customer", "bot", "bot", "agent", "customer", "bot"]
    assert db.execute(
        "SELECT count(*) FROM outbox WHERE status != 'sent' AND status != 'superseded'"
    ).fetchone() == (0,)


def test_console_run_continues_after_a_restart(tmp_path: Path) -> None:
    """A second run on the same database sees the first run's tickets."""
    config = write_config(tmp_path)
    deskbot("run", "--config", str(config), stdin="alice: first\n")
    result = deskbot("run", "--config", str(config), stdin="alice: second\nbob: /ticket list\n")
    assert "This is ticket #2." in result.stdout
    assert "2 tickets (active):" in result.stdout


def test_check_config_summarises_a_valid_file() -> None:
    """`check-config` exits 0 and summarises the shipped config."""
    result = deskbot("check-config", "--config", str(ROOT / "config.yaml"))
    assert result.returncode == 0
    assert "config.yaml is valid." in result.stdout
    assert "platforms: console" in result.stdout


def test_check_config_lists_every_problem(tmp_path: Path) -> None:
    """A bad config exits non-zero with each problem naming its key."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("slak: {}\ntimezone: Nowhere\n")
    result = deskbot("check-config", "--config", str(bad))
    assert result.returncode == 2
    assert "slak: unknown key" in result.stderr
    assert "timezone: 'Nowhere' is not an IANA timezone" in result.stderr


def test_run_refuses_a_database_from_a_newer_version(tmp_path: Path) -> None:
    """Starting on a newer schema fails with a clear message and exit code 1."""
    config = write_config(tmp_path)
    sqlite3.connect(tmp_path / "desk.db").execute("PRAGMA user_version = 999").connection.close()
    result = deskbot("run", "--config", str(config), stdin="")
    assert result.returncode == 1
    assert "written by a newer deskbot" in result.stderr


def test_outbox_command_shows_and_requeues_failures(tmp_path: Path) -> None:
    """`deskbot outbox` lists failed notices with their errors and can queue them again."""
    config = write_config(tmp_path)
    deskbot("run", "--config", str(config), stdin="alice: printer on fire\n")
    db = sqlite3.connect(tmp_path / "desk.db")
    db.execute(
        "UPDATE outbox SET status = 'failed', attempts = 3,"
        " last_error = 'channel_not_found. Check slack.triage_channel.' WHERE kind = 'card'"
    )
    db.commit()
    shown = deskbot("outbox", "--config", str(config))
    assert "pending: 0, failed: 1, sent: 1, superseded: 0" in shown.stdout
    assert (
        "failed card to console:local triage after 3 attempt(s): channel_not_found" in shown.stdout
    )
    again = deskbot("outbox", "--config", str(config), "--retry-failed")
    assert "re-queued 1 failed notice(s)" in again.stdout
    assert db.execute("SELECT status FROM outbox WHERE kind = 'card'").fetchone() == ("pending",)
