"""`slack.direct_messages` and `discord.direct_messages`: on by default, checked, passed on."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, parse_config
from bot.desk_settings import desk_settings


@pytest.mark.parametrize("platform", ["slack", "discord"])
def test_direct_messages_are_on_by_default(platform: str) -> None:
    """Left out of the config, a platform's direct messages open private tickets."""
    config = parse_config(f"{platform}: {{support_channels: []}}", {})
    assert getattr(config, platform).direct_messages is True


@pytest.mark.parametrize("platform", ["slack", "discord"])
def test_a_bad_direct_messages_value_names_its_key(platform: str) -> None:
    """`direct_messages: maybe` fails naming the key."""
    with pytest.raises(ConfigError) as failure:
        parse_config(f"{platform}: {{direct_messages: maybe}}", {})
    assert any(p.startswith(f"{platform}.direct_messages:") for p in failure.value.problems)


@pytest.mark.parametrize(
    ("text", "environ"),
    [
        ("slack: {enabled: true, bot_token: xoxb-1, app_token: xapp-1}", {}),
        ("discord: {enabled: true, token: t}", {}),
    ],
)
@pytest.mark.parametrize("on", [True, False])
def test_the_desk_is_told_whether_direct_messages_open_tickets(
    text: str, environ: dict[str, str], on: bool
) -> None:
    """The platform's places carry the switch to the desk."""
    platform = text.partition(":")[0]
    written = text.replace("enabled: true,", f"enabled: true, direct_messages: {str(on).lower()},")
    settings = desk_settings(parse_config(written, environ))
    assert settings.places_of(platform).direct_messages is on
