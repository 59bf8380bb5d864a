"""`deskbot discord-invite`: the OAuth2 URL with exactly the scopes and permissions needed."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.adapters.discord import invite, startup
from bot.cli import main
from tests.bot.discord.conftest import World

NEEDED = {
    "VIEW_CHANNEL": 1 << 10,
    "SEND_MESSAGES": 1 << 11,
    "ATTACH_FILES": 1 << 15,
    "READ_MESSAGE_HISTORY": 1 << 16,
    "CREATE_PUBLIC_THREADS": 1 << 35,
    "SEND_MESSAGES_IN_THREADS": 1 << 38,
}


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_invite_asks_for_exactly_the_scopes_and_permissions_deskbot_uses() -> None:
    """Scopes bot and applications.commands; six permissions and not one more."""
    found = query(invite.invite_url(42))
    assert found["client_id"] == ["42"]
    assert found["scope"] == ["bot applications.commands"]
    assert found["permissions"] == [str(sum(NEEDED.values()))]


def test_invite_preselects_the_configured_guild() -> None:
    """With one configured guild, the URL opens on that server."""
    assert query(invite.invite_url(42, guild_id=7))["guild_id"] == ["7"]


async def test_application_id_is_asked_of_discord_with_the_token(world: World) -> None:
    """Without --application-id, the id comes from Discord, asked with discord.token."""
    assert await invite.application_id(world.config().discord) == int(world.fake.application["id"])


def test_cli_prints_the_url_and_what_each_permission_is_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`deskbot discord-invite --application-id 42` prints the URL, then why each permission."""
    config = tmp_path / "config.yaml"
    config.write_text("discord: {guilds: [7]}\n")
    assert main(["discord-invite", "--config", str(config), "--application-id", "42"]) == 0
    url, _, *explained = capsys.readouterr().out.splitlines()
    assert query(url)["client_id"] == ["42"]
    assert "  Create Public Threads: to open a thread on each customer's message" in explained


def test_cli_without_token_or_id_says_what_to_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With neither a token nor --application-id, the command says what to set."""
    config = tmp_path / "config.yaml"
    config.write_text("{}\n")
    assert main(["discord-invite", "--config", str(config)]) == 1
    assert "discord.token is not set" in capsys.readouterr().err


def test_invite_grants_every_permission_the_startup_check_wants() -> None:
    """What startup reports missing is always something the invite asks for."""
    checked = {*startup.SUPPORT_TEXT, *startup.SUPPORT_FORUM, *startup.STAFF, *startup.LEADS}
    assert checked <= set(invite.PERMISSIONS)
