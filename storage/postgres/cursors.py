"""Where each watched channel was last read, on PostgreSQL (see `storage.cursors`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from storage.postgres.database import READ, WRITE
from storage.postgres.store import PostgresStore


class PostgresCursors:
    """The newest message id recorded per channel; it only ever moves forward."""

    def __init__(self, store: PostgresStore) -> None:
        self._database = store.database

    async def advance(self, workspace: str, channel: str, message_id: int, at: datetime) -> None:
        """Move the channel's cursor to `message_id`, unless it is already further on."""

        def write(connection: psycopg.Connection[Any]) -> None:
            connection.execute(
                "INSERT INTO channel_cursors (workspace, channel, last_message_id, updated_at)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (workspace, channel) DO UPDATE"
                " SET last_message_id = excluded.last_message_id,"
                " updated_at = excluded.updated_at"
                " WHERE excluded.last_message_id > channel_cursors.last_message_id",
                (workspace, channel, message_id, at),
            )

        await self._database.run(WRITE, write)

    async def positions(self, workspace: str) -> dict[str, int]:
        """Return every cursor of a workspace, by channel id."""

        def read(connection: psycopg.Connection[Any]) -> dict[str, int]:
            found = connection.execute(
                "SELECT channel, last_message_id FROM channel_cursors WHERE workspace = %s",
                (workspace,),
            ).fetchall()
            return {channel: int(last) for channel, last in found}

        return await self._database.run(READ, read)
