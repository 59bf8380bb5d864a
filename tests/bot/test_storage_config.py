"""storage: a SQLite file by default, or a PostgreSQL database by URL; never both."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import summary
from bot.config import ConfigError, load_config, parse_config


def problems(text: str, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as failed:
        parse_config(text, environ or {})
    return failed.value.problems


def test_a_url_selects_postgres_with_the_password_from_the_environment() -> None:
    """`${NAME}` in the URL is filled from the environment, as every secret is."""
    config = parse_config(
        "storage: {url: 'postgresql://desk:${DESKBOT_DB_PASSWORD}@db.internal/desk'}",
        {"DESKBOT_DB_PASSWORD": "hunter2"},
    )
    assert config.storage.url == "postgresql://desk:hunter2@db.internal/desk"


def test_the_summary_names_the_database_without_its_password() -> None:
    """`deskbot check-config` says which database, never the password."""
    config = parse_config(
        "storage: {url: 'postgresql://desk:${PW}@db.internal:5433/desk'}", {"PW": "hunter2"}
    )
    assert summary(config)[0] == "storage: postgresql://desk@db.internal:5433/desk (PostgreSQL)"


def test_a_password_variable_left_unset_is_named() -> None:
    """An unset variable does not quietly fall back to a SQLite file."""
    assert problems("storage: {url: 'postgresql://desk:${PW}@db/desk'}") == [
        "storage.url: is empty; give a postgresql:// URL, or remove it to use a file"
        " (set PW in the environment)"
    ]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mysql://db/desk", "must start with postgresql:// (got mysql:)"),
        ("db.internal/desk", "must start with postgresql:// (got 'db.internal/desk')"),
        ("postgresql://desk@db.internal", "names no database: postgresql://user@host/DATABASE"),
        ("postgresql://[db/desk", "is not a URL (Invalid IPv6 URL)"),
    ],
)
def test_a_bad_url_is_a_sentence_naming_the_key(url: str, problem: str) -> None:
    """What is wrong with the URL, under storage.url."""
    assert problems(f"storage: {{url: '{url}'}}") == [f"storage.url: {problem}"]


def test_path_and_url_together_are_refused(tmp_path: Path) -> None:
    """Two stores named at once is a mistake to point out, not a choice to make silently."""
    written = tmp_path / "config.yaml"
    written.write_text("storage: {path: desk.db, url: 'postgresql://db/desk'}")
    with pytest.raises(ConfigError) as failed:
        load_config(written, {})
    assert failed.value.problems == [
        "storage: give either path (a SQLite file) or url (a PostgreSQL database), not both"
    ]


def test_with_a_url_the_default_file_is_not_looked_at(tmp_path: Path) -> None:
    """A folder where deskbot.db would be does not matter when the desk is in PostgreSQL."""
    (tmp_path / "deskbot.db").mkdir()
    written = tmp_path / "config.yaml"
    written.write_text("storage: {url: 'postgresql://db/desk'}")
    assert load_config(written, {}).storage.url == "postgresql://db/desk"


def test_takeover_defaults_to_ten_seconds_and_is_bounded() -> None:
    """How soon a standby takes over: 10 s unless set, and never absurdly soon or late."""
    assert parse_config("", {}).storage.takeover == timedelta(seconds=10)
    assert parse_config("storage: {takeover: 4s}", {}).storage.takeover == timedelta(seconds=4)
    assert problems("storage: {takeover: 1s}") == [
        "storage.takeover: must be between 2s and 10m (the lease is renewed at 30% of it)"
    ]
