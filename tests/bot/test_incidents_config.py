"""`incidents` in the config: its defaults, each key read, and every bad value named."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config
from bot.desk_settings import desk_settings
from handlers.settings import IncidentSettings

ROOT = Path(__file__).resolve().parents[2]


def test_left_out_the_incident_sla_is_15_minutes_then_hourly() -> None:
    """The defaults: first update in 15m, then every hour; no auto-link; 5 tickets in 15m."""
    assert desk_settings(parse_config("", {})).incidents == IncidentSettings()


def test_shipped_config_writes_the_defaults() -> None:
    """config.yaml documents the section with the default values, as the starter does."""
    shipped = load_config(ROOT / "config.yaml", {})
    assert shipped.incidents == parse_config("", {}).incidents
    assert (ROOT / "bot" / "starter-config.yaml").read_text() == (ROOT / "config.yaml").read_text()


def test_every_key_is_read() -> None:
    """Each key of the section reaches the desk's settings."""
    config = parse_config(
        "incidents: {sla: {first_update: 5m, update_every: 30m}, auto_link: true,"
        " spike: {tickets: 8, window: 10m}}",
        {},
    )
    assert desk_settings(config).incidents == IncidentSettings(
        timedelta(minutes=5), timedelta(minutes=30), True, 8, timedelta(minutes=10)
    )


def test_every_bad_key_is_named_at_once() -> None:
    """Four mistakes, four problems, each naming its key."""
    with pytest.raises(ConfigError) as failed:
        parse_config(
            "incidents: {sla: {first_update: soon}, auto_link: maybe,"
            " spike: {tickets: 1, window: 0m}, page: true}",
            {},
        )
    problems = failed.value.problems
    for key in (
        "incidents.sla.first_update:",
        "incidents.auto_link:",
        "incidents.spike.tickets:",
        "incidents.spike.window:",
        "incidents.page: unknown key",
    ):
        assert any(line.startswith(key) for line in problems), (key, problems)
