"""Channel cursors: how far each channel was read, only ever moving forward."""

from __future__ import annotations

from storage.cursors import ChannelCursors
from storage.rows import to_db
from storage.store import SqliteStore
from tests.builders import rows
from tests.clock import FakeClock


async def test_cursor_moves_forward_only(store: SqliteStore, clock: FakeClock) -> None:
    """A message id older than the cursor (a late, out-of-order write) leaves it where it is."""
    cursors = ChannelCursors(store)
    for message_id in (100, 300, 200):
        await cursors.advance("discord:1", "7", message_id, clock.now())
    assert await cursors.positions("discord:1") == {"7": 300}


async def test_cursors_are_kept_per_workspace_and_channel(
    store: SqliteStore, clock: FakeClock
) -> None:
    """Each channel of each workspace has its own cursor."""
    cursors = ChannelCursors(store)
    await cursors.advance("discord:1", "7", 10, clock.now())
    await cursors.advance("discord:1", "8", 20, clock.now())
    await cursors.advance("discord:2", "7", 30, clock.now())
    assert await cursors.positions("discord:1") == {"7": 10, "8": 20}


async def test_advancing_records_when(store: SqliteStore, clock: FakeClock) -> None:
    """The cursor row says when it last moved (UTC, as every stored time)."""
    cursors = ChannelCursors(store)
    await cursors.advance("discord:1", "7", 10, clock.now())
    await cursors.advance("discord:1", "7", 20, clock.advance(minutes=5))
    assert await rows(store, "SELECT last_message_id, updated_at FROM channel_cursors") == [
        (20, to_db(clock.now()))
    ]
