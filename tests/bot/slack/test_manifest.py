"""`deskbot slack-manifest`: a Slack app that works in one paste, matching the config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.adapters.slack.manifest import METHOD_SCOPES, bot_scopes, manifest
from bot.cli import main
from bot.config import SlackConfig
from tests.bot.slack.conftest import SlackDesk
from tests.fakes.slack import payloads

URL = "https://desk.example.org/slack/events"


def test_socket_mode_manifest_needs_no_public_url() -> None:
    """In Socket Mode the manifest turns socket mode on and names no request URL."""
    settings = manifest(SlackConfig(mode="socket"))["settings"]
    assert settings["socket_mode_enabled"] is True
    assert "request_url" not in json.dumps(settings)


def test_http_mode_manifest_points_every_request_at_the_url() -> None:
    """In HTTP mode events, interactivity and the command all post to the given URL."""
    made = manifest(SlackConfig(mode="http"), URL)
    assert made["settings"]["socket_mode_enabled"] is False
    assert made["settings"]["event_subscriptions"]["request_url"] == URL
    assert made["settings"]["interactivity"] == {"is_enabled": True, "request_url": URL}
    assert made["features"]["slash_commands"][0]["url"] == URL


@pytest.mark.parametrize("home_tab", [True, False])
def test_manifest_follows_command_name_and_home_tab(home_tab: bool) -> None:
    """The configured command is declared with escaping on; the Home tab matches the config."""
    made = manifest(SlackConfig(command="/helpdesk", home_tab=home_tab))
    (command,) = made["features"]["slash_commands"]
    assert (command["command"], command["should_escape"]) == ("/helpdesk", True)
    assert made["features"]["app_home"]["home_tab_enabled"] is home_tab
    events = made["settings"]["event_subscriptions"]["bot_events"]
    assert ("app_home_opened" in events) is home_tab


async def test_manifest_scopes_cover_every_call_the_adapter_makes(
    desk_on_slack: SlackDesk,
) -> None:
    """A day's work (messages, command, click, reactions, Home) calls only scoped methods."""
    d = desk_on_slack
    event = await d.open_ticket()
    await d.command(d.scene.bob, "claim 1")
    note = d.slack.user_posts(d.scene.elsewhere.id, d.scene.dave.id, "VPN down")
    await d.deliver(
        payloads.reaction_added(d.scene.bob.id, "ticket", d.scene.elsewhere.id, note["ts"])
    )
    await d.settle()
    await d.deliver(
        payloads.reaction_added(d.scene.bob.id, "eyes", d.scene.triage.id, d.card(2)["ts"])
    )
    await d.deliver(
        payloads.reaction_added(d.scene.dave.id, "ticket", d.scene.support.id, event["ts"])
    )
    await d.deliver(payloads.app_home_opened(d.scene.bob.id, d.slack.dm_channel(d.scene.bob.id).id))
    await d.settle()
    called = {call.method for call in d.slack.calls}
    assert called <= set(METHOD_SCOPES)
    assert {"chat.update", "chat.postEphemeral", "views.publish", "conversations.history"} <= called
    granted = set(bot_scopes(d.config.slack))
    assert all(set(METHOD_SCOPES[method][:1]) <= granted for method in called)


def test_cli_prints_a_manifest_slack_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`deskbot slack-manifest --url …` prints YAML for the configured HTTP-mode app."""
    config = tmp_path / "config.yaml"
    config.write_text("slack: {mode: http, command: /desk}\n")
    assert main(["slack-manifest", "--config", str(config), "--url", URL]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["features"]["slash_commands"][0]["command"] == "/desk"
    assert printed["oauth_config"]["scopes"]["bot"] == bot_scopes(SlackConfig())


def test_cli_warns_when_http_mode_lacks_a_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --url an HTTP-mode manifest is printed with a placeholder and a note why."""
    config = tmp_path / "config.yaml"
    config.write_text("slack: {mode: http}\n")
    assert main(["slack-manifest", "--config", str(config), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["settings"]["event_subscriptions"]["request_url"].startswith("https://")
    assert "pass --url" in err


def test_operator_guide_explains_every_scope_and_event() -> None:
    """docs/slack.md names each scope and bot event the manifest asks for."""
    guide = (Path(__file__).resolve().parents[3] / "docs" / "slack.md").read_text()
    made = manifest(SlackConfig())
    asked = [
        *made["oauth_config"]["scopes"]["bot"],
        *made["settings"]["event_subscriptions"]["bot_events"],
    ]
    assert [name for name in asked if f"`{name}`" not in guide] == []
