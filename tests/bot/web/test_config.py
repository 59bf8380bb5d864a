"""`web:` in config: on when a port is given, signed with a secret, every bad key named."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.cli import summary
from bot.config import ConfigError, parse_config
from bot.desk_settings import desk_settings

SECRET = {"DESKBOT_WEB_SECRET": "s" * 32}


def test_the_web_view_is_off_until_a_port_is_given() -> None:
    """Without a port (or enabled: true) there is no web view, and no secret is needed."""
    config = parse_config("web: {secret: null}", {})
    assert not config.web.on
    assert desk_settings(config).web is None


def test_a_port_turns_the_web_view_on() -> None:
    """A port alone turns it on; links point at the address it listens on."""
    config = parse_config("web: {port: 8181, secret: '${DESKBOT_WEB_SECRET}'}", SECRET)
    assert config.web.on
    links = desk_settings(config).web
    assert links is not None and links.base_url == "http://127.0.0.1:8181"
    assert links.session == timedelta(hours=12)


def test_enabled_without_a_port_listens_on_8080_and_links_use_the_public_url() -> None:
    """enabled: true listens on 8080; public_url (without its trailing slash) is what links use."""
    text = (
        "web: {enabled: true, public_url: 'https://desk.example/', secret: '${DESKBOT_WEB_SECRET}'}"
    )
    config = parse_config(text, SECRET)
    assert config.web.listen_port == 8080
    links = desk_settings(config).web
    assert links is not None and links.base_url == "https://desk.example"


def test_a_port_can_be_turned_off_explicitly() -> None:
    """enabled: false wins over a port."""
    assert not parse_config("web: {enabled: false, port: 8181}", {}).web.on


def test_the_web_view_needs_its_secret_naming_the_variable() -> None:
    """On without the secret set: the key is named, with the variable to set."""
    with pytest.raises(ConfigError) as refused:
        parse_config("web: {port: 8181, secret: '${DESKBOT_WEB_SECRET}'}", {})
    assert refused.value.problems == [
        "web.secret: required when the web view is on (a port is given)"
        " (set DESKBOT_WEB_SECRET in the environment)"
    ]


def test_every_bad_web_key_is_named_at_once() -> None:
    """A short secret, a bad port, URL, duration and an unknown key: all reported together."""
    text = """
web:
  port: 70000
  public_url: ftp://desk.example
  secret: short
  session: soon
  metrics_port: 0
  colour: blue
"""
    with pytest.raises(ConfigError) as refused:
        parse_config(text, {})
    problems = refused.value.problems
    assert [problem.split(":", 1)[0] for problem in problems] == [
        "web.port",
        "web.public_url",
        "web.session",
        "web.metrics_port",
        "web.colour",
    ]
    assert "is not an http:// or https:// address" in problems[1]


def test_a_short_secret_is_refused() -> None:
    """A guessable secret would let anyone forge sign-in links."""
    with pytest.raises(ConfigError) as refused:
        parse_config("web: {port: 8181, secret: short}", {})
    assert refused.value.problems == ["web.secret: too short: use at least 16 random characters"]


def test_check_config_says_where_the_web_view_is() -> None:
    """The summary names the web view's address and where /metrics is, or that it is off."""
    off = parse_config("web: {secret: null}", {})
    assert summary(off)[-1] == "web view: off (give web.port to serve it)"
    text = (
        "web: {port: 8181, metrics: true, metrics_port: 9090,"
        " public_url: 'https://desk.example', secret: '${DESKBOT_WEB_SECRET}'}"
    )
    on = parse_config(text, SECRET)
    assert summary(on)[-1] == (
        "web view: https://desk.example (listening on 127.0.0.1:8181); /metrics on port 9090"
    )
