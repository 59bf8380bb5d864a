"""Channel cursors in SQLite (their contract is in `tests/storage/contract`)."""

from __future__ import annotations

from storage.cursors import ChannelCursors
from storage.rows import to_db
from storage.store import SqliteStore
from tests.builders import rows
from tests.clock import FakeClock


async def test_advancing_records_when(store: SqliteStore, clock: FakeClock) -> None:
    """The cursor row says when it last moved (UTC, as every stored time)."""
    cursors = ChannelCursors(store)
    await cursors.advance("discord:1", "7", 10, clock.now())
    await cursors.advance("discord:1", "7", 20, clock.advance(minutes=5))
    assert await rows(store, "SELECT last_message_id, updated_at FROM channel_cursors") == [
        (20, to_db(clock.now()))
    ]
