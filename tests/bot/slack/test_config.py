"""The slack section of config.yaml: reaction emoji, allow-listed bots, the shipped file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config
from bot.desk_settings import desk_settings

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        (":eyes:", "eyes"),
        ("Raising_Hand", "raising_hand"),
        ("+1", "+1"),
        (" raised_hands ", "raised_hands"),
    ],
)
def test_reaction_emoji_are_read_as_slack_names_them(written: str, read: str) -> None:
    """Emoji may be written as typed in Slack (`:eyes:`); events name them bare (`eyes`)."""
    config = parse_config(f'slack: {{reactions: {{claim: "{written}"}}}}', {})
    assert config.slack.reactions.claim == read


@pytest.mark.parametrize(
    ("yaml", "problem"),
    [
        ('slack: {reactions: {ticket: "two words"}}', "slack.reactions.ticket: 'two words' is not"),
        ("slack: {reactions: {resolve: eyes}}", "slack.reactions: ticket, claim and resolve must"),
        ("slack: {home_tab: maybe}", "slack.home_tab:"),
    ],
)
def test_bad_slack_values_name_their_key(yaml: str, problem: str) -> None:
    """A bad emoji, two actions on one emoji or a bad toggle fail naming the key."""
    with pytest.raises(ConfigError) as failure:
        parse_config(yaml, {})
    assert failure.value.problems[0].startswith(problem)


def test_allow_listed_bots_reach_the_desk() -> None:
    """slack.allowed_bots become the desk's allowed bot keys."""
    config = parse_config("slack: {allowed_bots: [U0PAGER, B0LEGACY]}", {})
    assert desk_settings(config).allowed_bots == frozenset({"slack:U0PAGER", "slack:B0LEGACY"})


def test_shipped_config_documents_every_slack_key() -> None:
    """config.yaml at the root names every key of the slack section."""
    shipped = load_config(ROOT / "config.yaml", {})
    written = (ROOT / "config.yaml").read_text()
    for key in type(shipped.slack).model_fields:
        assert f"  {key}:" in written, key
