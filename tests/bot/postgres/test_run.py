"""`deskbot run` on PostgreSQL: storage.url picks the store, the password from the env."""

from __future__ import annotations

from pathlib import Path

import psycopg

from tests.bot.test_console import DEMO, deskbot


def write_config(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"storage: {{url: '{url}'}}\n"
        "roles: {agents: {console_users: [bob]}, leads: {console_users: [carol]}}\n"
        "sla: {policies: {normal: {first_response: 4h}}}\n"
    )
    return config


def test_console_run_stores_in_postgres(tmp_path: Path, postgres_url: str) -> None:
    """The real `deskbot run` with storage.url writes the desk to PostgreSQL, not a file."""
    result = deskbot("run", "--config", str(write_config(tmp_path, postgres_url)), stdin=DEMO)
    assert result.returncode == 0, result.stderr
    assert "Ticket #1 was resolved by bob: rebooted the printer" in result.stdout
    with psycopg.connect(postgres_url) as connection:
        found = connection.execute("SELECT status, assignee_key FROM tickets").fetchall()
        pending = connection.execute(
            "SELECT count(*) FROM outbox WHERE status NOT IN ('sent', 'superseded')"
        ).fetchone()
    assert found == [("resolved", "console:bob")]
    assert pending == (0,)
    assert list(tmp_path.glob("*.db")) == []


def test_a_second_run_continues_the_numbering(tmp_path: Path, postgres_url: str) -> None:
    """A restart on the same database sees the first run's tickets."""
    config = str(write_config(tmp_path, postgres_url))
    deskbot("run", "--config", config, stdin="alice: first\n")
    result = deskbot("run", "--config", config, stdin="alice: second\nbob: /ticket list\n")
    assert "This is ticket #2." in result.stdout
    assert "2 tickets (active):" in result.stdout


def test_an_unreachable_database_stops_the_run_with_a_sentence(
    tmp_path: Path, postgres_url: str
) -> None:
    """A database that is not there: one line naming storage.url, no traceback."""
    missing = postgres_url.replace("/test_", "/missing_")
    result = deskbot("run", "--config", str(write_config(tmp_path, missing)), stdin="")
    assert result.returncode != 0
    assert "storage.url: cannot connect to" in result.stderr
    assert "Traceback" not in result.stderr


def test_outbox_and_digest_commands_read_postgres(tmp_path: Path, postgres_url: str) -> None:
    """`deskbot outbox` and `deskbot digest --print` open the store the config names."""
    config = str(write_config(tmp_path, postgres_url))
    deskbot("run", "--config", config, stdin="alice: printer on fire\n")
    with psycopg.connect(postgres_url) as connection:
        connection.execute(
            "UPDATE outbox SET status = 'failed', attempts = 3, last_error = 'no access'"
            " WHERE kind = 'card'"
        )
    shown = deskbot("outbox", "--config", config)
    assert shown.returncode == 1, shown.stderr
    assert "pending: 0, failed: 1, sent: 1, superseded: 0" in shown.stdout
    again = deskbot("outbox", "--config", config, "--retry-failed")
    assert "re-queued 1 failed notice(s)" in again.stdout
    digest = deskbot("digest", "--print", "--config", config)
    assert digest.returncode == 0, digest.stderr
    assert "New 1" in digest.stdout
