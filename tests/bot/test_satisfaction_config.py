"""`satisfaction` in the config: its defaults, each key read, and bad values named."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config
from bot.desk_settings import desk_settings
from handlers.models import Scale
from handlers.settings import SatisfactionSettings

ROOT = Path(__file__).resolve().parents[2]


def test_surveys_are_on_by_default_on_a_five_point_scale() -> None:
    """Left out, satisfaction asks every resolution on 1–5, for a week, alerting at 2."""
    settings = desk_settings(parse_config("", {})).satisfaction
    assert settings == SatisfactionSettings(enabled=True)
    assert settings.scale is Scale.FIVE and settings.expires == timedelta(days=7)


def test_shipped_config_writes_the_defaults() -> None:
    """config.yaml documents the section with the default values."""
    shipped = load_config(ROOT / "config.yaml", {})
    assert shipped.satisfaction == parse_config("", {}).satisfaction
    starter = (ROOT / "bot" / "starter-config.yaml").read_text()
    assert starter == (ROOT / "config.yaml").read_text()


def test_every_key_is_read() -> None:
    """Thumbs, a day to answer, a fifth of resolutions, a week's cooldown, alerts off."""
    config = parse_config(
        "satisfaction: {enabled: false, scale: thumbs, expires: 1d, sample: 20%,"
        " cooldown: 7d, alert_below: null}",
        {},
    )
    assert desk_settings(config).satisfaction == SatisfactionSettings(
        False, Scale.THUMBS, timedelta(days=1), 0.2, timedelta(days=7), None
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("satisfaction: {scale: 10}", "satisfaction.scale: '10' is not a scale"),
        ("satisfaction: {sample: 0%}", "satisfaction.sample: '0%' is not a percentage above 0%"),
        ("satisfaction: {sample: 120%}", "satisfaction.sample: '120%' is not a percentage"),
        ("satisfaction: {expires: soon}", "satisfaction.expires:"),
        ("satisfaction: {alert_below: 6}", "satisfaction.alert_below:"),
        ("satisfaction: {ask: always}", "satisfaction.ask: unknown key"),
    ],
)
def test_bad_values_name_their_key(text: str, problem: str) -> None:
    """Each bad value of the section fails naming its key."""
    with pytest.raises(ConfigError) as failed:
        parse_config(text, {})
    assert any(problem in line for line in failed.value.problems), failed.value.problems
