"""Point the unmodified discord.py at the fake: the production wiring, re-exported for tests.

The functions live in `bot.adapters.discord.endpoints` (the bot calls `point_discord_py_at`
at startup with `discord.api_url` / `discord.gateway_url`); tests use the restoring
`discord_py_pointed_at` context manager around each test.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    # discord.py imports the deprecated `audioop` (voice) at import time; pytest here turns
    # warnings into errors, and importing discord.py through this module keeps that quiet.
    warnings.simplefilter("ignore", DeprecationWarning)
    from bot.adapters.discord.endpoints import (
        DiscordPyEndpoints,
        current_endpoints,
        discord_py_pointed_at,
        point_discord_py_at,
    )

__all__ = [
    "DiscordPyEndpoints",
    "current_endpoints",
    "discord_py_pointed_at",
    "point_discord_py_at",
]
