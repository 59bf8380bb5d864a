"""docs/discord.md, the Discord setup guide, keeps up with the code it describes."""

from __future__ import annotations

import re
from pathlib import Path

from bot.adapters.discord import invite
from handlers.commands import VERBS

GUIDE = (Path(__file__).resolve().parents[3] / "docs" / "discord.md").read_text()


def test_guide_names_every_ticket_subcommand() -> None:
    """Each verb of /ticket appears in the guide's list of subcommands."""
    listed = GUIDE.split("`/ticket` has a subcommand for each action", 1)[1].split("\n\n", 1)[0]
    assert set(re.findall(r"`(\w+)`", listed)) >= set(VERBS)


def test_guide_explains_every_permission_the_invite_asks_for() -> None:
    """The invite's permission table has a row for each permission in the URL."""
    rows = re.findall(r"^\| ([^|]+) \| ([^|]+) \|$", GUIDE, re.MULTILINE)
    assert set(invite.PERMISSIONS.values()) <= {why for _, why in rows}
