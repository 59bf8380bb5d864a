"""Two deskbot processes on one database, as an operator might run them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from bot.leadership import Leadership
from handlers.ports import Clock
from tests.conftest import OpenStore

Instances = tuple[Any, Leadership, Any, Leadership]


@contextlib.asynccontextmanager
async def two_instances(
    open_store: OpenStore,
    clock: Clock,
    names: tuple[str, str] = ("first", "second"),
    **lease: float,
) -> AsyncIterator[Instances]:
    """Open the storage twice, each store with its own would-be lease holder, named `names`."""
    async with (
        await open_store() as one_store,
        await open_store() as other_store,
    ):
        one = Leadership(one_store, clock, holder=names[0], **lease)
        other = Leadership(other_store, clock, holder=names[1], **lease)
        yield one_store, one, other_store, other
