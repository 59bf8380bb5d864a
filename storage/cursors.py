"""Where each watched channel was last read, so startup can catch up on what came after."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from storage import rows
from storage.database import in_transaction
from storage.store import SqliteStore


class ChannelCursors:
    """The newest message id recorded per channel.

    Discord's ids are snowflakes (a thread is a channel of its own); Slack's are message
    timestamps in microseconds (`1712345678.123456` → 1712345678123456), one per channel,
    threads included. Both grow with time.
    """

    def __init__(self, store: SqliteStore) -> None:
        self._database = store.database

    async def advance(self, workspace: str, channel: str, message_id: int, at: datetime) -> None:
        """Move the channel's cursor to `message_id`, unless it is already further on."""

        def write(raw: sqlite3.Connection) -> None:
            raw.execute(
                "INSERT INTO channel_cursors (workspace, channel, last_message_id, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (workspace, channel) DO UPDATE"
                " SET last_message_id = excluded.last_message_id, updated_at = excluded.updated_at"
                " WHERE excluded.last_message_id > channel_cursors.last_message_id",
                (workspace, channel, message_id, rows.to_db(at)),
            )

        await self._database.run(
            lambda raw: in_transaction(raw, "BEGIN IMMEDIATE", lambda: write(raw))
        )

    async def positions(self, workspace: str) -> dict[str, int]:
        """Return every cursor of a workspace, by channel id."""

        def read(raw: sqlite3.Connection) -> dict[str, int]:
            found = raw.execute(
                "SELECT channel, last_message_id FROM channel_cursors WHERE workspace = ?",
                (workspace,),
            ).fetchall()
            return {row["channel"]: int(row["last_message_id"]) for row in found}

        return await self._database.run(read)
