"""Channel cursors: how far each channel was read, only ever moving forward."""

from __future__ import annotations

from handlers.ports import Cursors
from tests.clock import START


async def test_cursor_moves_forward_only(cursors: Cursors) -> None:
    """A message id older than the cursor (a late, out-of-order write) leaves it where it is."""
    for message_id in (100, 300, 200):
        await cursors.advance("discord:1", "7", message_id, START)
    assert await cursors.positions("discord:1") == {"7": 300}


async def test_cursors_are_kept_per_workspace_and_channel(cursors: Cursors) -> None:
    """Each channel of each workspace has its own cursor."""
    await cursors.advance("discord:1", "7", 10, START)
    await cursors.advance("discord:1", "8", 20, START)
    await cursors.advance("discord:2", "7", 30, START)
    assert await cursors.positions("discord:1") == {"7": 10, "8": 20}


async def test_a_workspace_never_read_has_no_cursors(cursors: Cursors) -> None:
    """Before anything was read, every channel starts from the beginning."""
    assert await cursors.positions("discord:1") == {}
