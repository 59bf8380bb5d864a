"""The incidents port over PostgreSQL: incidents, their links, timelines and broadcasts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import psycopg

from handlers.incidents.values import (
    SPIKE_SHOWN,
    Arrival,
    Broadcast,
    Delivery,
    Entry,
    Failure,
    Incident,
    Spike,
)
from handlers.models import Person, SlaClock, Ticket
from storage import incident_rows, rows
from storage.postgres.clocks import SAVE_CLOCK


class PostgresIncidents:
    """The incidents part of a PostgreSQL transaction (mixed into `PostgresTx`)."""

    _connection: psycopg.Connection[Any]
    _all: Callable[..., list[dict[str, Any]]]  # the transaction's: its rows as dicts
    _lock: bytes
    _stale: set[int]
    earliest_scheduled: datetime | None

    def _due(self, due_at: datetime | None) -> None:
        if due_at is not None and (
            self.earliest_scheduled is None or due_at < self.earliest_scheduled
        ):
            self.earliest_scheduled = due_at

    def add_incident(self, draft: Incident) -> Incident:
        # Numbers run 1, 2, 3 per desk: instances declaring at once take turns.
        self._connection.execute(b"LOCK TABLE incidents IN SHARE ROW EXCLUSIVE MODE")
        [row] = self._all(
            b"INSERT INTO incidents (id, workspace, title, status, owner_key, owner_name,"
            b" started_at, detected_at, due_at) VALUES ((SELECT coalesce(max(id), 0) + 1"
            b" FROM incidents), %s, %s, %s, %s, %s, %s, %s, %s) RETURNING *",
            draft.workspace,
            draft.title,
            str(draft.status),
            draft.owner.key,
            draft.owner.name,
            draft.started_at,
            draft.detected_at,
            draft.due_at,
        )
        self._due(draft.due_at)
        return incident_rows.incident(row)

    def incident(self, number: int) -> Incident | None:
        found = self._all(b"SELECT * FROM incidents WHERE id = %s" + self._lock, number)
        return incident_rows.incident(found[0]) if found else None

    def incidents(self, workspace: str, since: datetime | None = None) -> list[Incident]:
        found = self._all(
            b"SELECT * FROM incidents WHERE workspace = %s AND (status <> 'resolved'"
            b" OR resolved_at >= %s) ORDER BY id DESC",
            workspace,
            since,
        )
        return [incident_rows.incident(row) for row in found]

    def save_incident(self, incident: Incident) -> None:
        self._connection.execute(
            b"UPDATE incidents SET title = %s, status = %s, owner_key = %s, owner_name = %s,"
            b" resolved_at = %s, last_update_at = %s, due_at = %s, reminded = %s WHERE id = %s",
            incident_rows.times(incident, text=False),
        )
        self._due(incident.due_at)

    def holding(self, ticket_id: int) -> Incident | None:
        found = self._all(
            b"SELECT i.* FROM incident_links l JOIN incidents i ON i.id = l.incident_id"
            b" WHERE l.ticket_id = %s AND l.held",
            ticket_id,
        )
        return incident_rows.incident(found[0]) if found else None

    def part_of(self, ticket_ids: Sequence[int]) -> dict[int, Incident]:
        found: dict[int, Incident] = {}
        for row in self._all(
            b"SELECT l.ticket_id AS part, i.* FROM incident_links l"
            b" JOIN incidents i ON i.id = l.incident_id"
            b" WHERE l.ticket_id = ANY(%s) AND l.unlinked_at IS NULL"
            b" ORDER BY l.held DESC, i.id DESC",
            list(ticket_ids),
        ):
            found.setdefault(row["part"], incident_rows.incident(row))
        return found

    def link(self, number: int, ticket_id: int, by: Person, at: datetime) -> bool:
        if self.holding(ticket_id) is not None:
            return False
        self._connection.execute(
            b"INSERT INTO incident_links (incident_id, ticket_id, linked_at, linked_by_key,"
            b" linked_by_name) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (incident_id, ticket_id)"
            b" DO UPDATE SET held = true, unlinked_at = NULL, linked_at = excluded.linked_at,"
            b" linked_by_key = excluded.linked_by_key, linked_by_name = excluded.linked_by_name",
            (number, ticket_id, at, by.key, by.name),
        )
        return True

    def unlink(self, number: int, ticket_id: int, at: datetime) -> bool:
        cursor = self._connection.execute(
            b"UPDATE incident_links SET held = false, unlinked_at = %s"
            b" WHERE incident_id = %s AND ticket_id = %s AND held",
            (at, number, ticket_id),
        )
        return cursor.rowcount == 1

    def release(self, number: int) -> None:
        self._connection.execute(
            b"UPDATE incident_links SET held = false WHERE incident_id = %s AND held", (number,)
        )

    def linked(self, number: int, *, ever: bool = False) -> list[Ticket]:
        found = self._all(
            b"SELECT t.* FROM incident_links l JOIN tickets t ON t.id = l.ticket_id"
            b" WHERE l.incident_id = %s AND (l.held OR (%s AND l.unlinked_at IS NULL))"
            b" ORDER BY t.id",
            number,
            ever,
        )
        return [rows.ticket(row) for row in found]

    def linked_count(self, number: int) -> int:
        [row] = self._all(
            b"SELECT count(*) AS n FROM incident_links WHERE incident_id = %s AND held", number
        )
        return int(row["n"])

    def response_clocks(self, number: int) -> list[SlaClock]:
        found = self._all(
            b"SELECT c.* FROM incident_links l JOIN sla_clocks c ON c.ticket_id = l.ticket_id"
            b" WHERE l.incident_id = %s AND l.held AND c.stopped_at IS NULL"
            b" AND c.kind IN ('first_response', 'next_response')",
            number,
        )
        return [rows.clock(row) for row in found]

    def add_entry(self, entry: Entry) -> Entry:
        actor = entry.actor
        [row] = self._all(
            b"INSERT INTO incident_moments (incident_id, seq, kind, at, actor_key, actor_name,"
            b" text, count, total, status) VALUES (%s, (SELECT coalesce(max(seq), 0) + 1"
            b" FROM incident_moments WHERE incident_id = %s), %s, %s, %s, %s, %s, %s, %s, %s)"
            b" RETURNING seq",
            entry.incident,
            entry.incident,
            str(entry.kind),
            entry.at,
            actor.key if actor else None,
            actor.name if actor else None,
            entry.text,
            entry.count,
            entry.total,
            None if entry.status is None else str(entry.status),
        )
        return replace(entry, seq=int(row["seq"]))

    def timeline(self, number: int) -> list[Entry]:
        found = self._all(
            b"SELECT * FROM incident_moments WHERE incident_id = %s ORDER BY seq", number
        )
        return [incident_rows.entry(row) for row in found]

    def broadcast(self, broadcast: Broadcast) -> None:
        at, author = broadcast.at, broadcast.author
        ids = [notice.ticket_id for notice in broadcast.notices]
        cursor = self._connection.cursor()
        cursor.executemany(
            b"INSERT INTO messages (ticket_id, message_id, author_key, author_name, role,"
            b" internal, text, created_at) VALUES (%s, %s, %s, %s, 'agent', false, %s, %s)",
            [(i, broadcast.message_id, author.key, author.name, broadcast.text, at) for i in ids],
        )
        said = rows.event_data(
            {"message_id": broadcast.message_id, "role": "agent", "incident": broadcast.incident}
        )
        events = [(i, author.key, author.name, "message", said, at) for i in ids]
        events += [
            (
                first.ticket_id,
                author.key,
                author.name,
                "first_response",
                rows.event_data({"after_seconds": first.waited}),
                at,
            )
            for first in broadcast.first_answers
        ]
        cursor.executemany(
            b"INSERT INTO events (ticket_id, actor_key, actor_name, kind, data, at)"
            b" VALUES (%s, %s, %s, %s, %s, %s)",
            events,
        )
        cursor.executemany(
            b"UPDATE tickets SET updated_at = %(at)s, last_agent_activity_at = %(at)s,"
            b" first_response_at = coalesce(first_response_at, %(at)s) WHERE id = %(id)s",
            [{"at": at, "id": i} for i in ids],
        )
        cursor.executemany(
            SAVE_CLOCK,
            [(*rows.clock_values(clock), clock.ticket_id) for clock in broadcast.clocks],
        )
        self._queue(cursor, broadcast)
        self._stale.update(i for i in ids if i is not None)

    def _queue(self, cursor: psycopg.Cursor[Any], broadcast: Broadcast) -> None:
        """Queue the notices with ids taken up front, and note which update each carries."""
        taken = cursor.execute(
            b"SELECT nextval(pg_get_serial_sequence('outbox', 'id')) FROM generate_series(1, %s)",
            (len(broadcast.notices),),
        ).fetchall()
        numbered = list(zip((int(row[0]) for row in taken), broadcast.notices, strict=True))
        cursor.executemany(
            b"INSERT INTO outbox (id, kind, workspace, channel, thread, ticket_id, edit_key,"
            b" payload, next_attempt_at, created_at)"
            b" VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    outbox_id,
                    str(notice.kind),
                    notice.place.workspace,
                    notice.place.channel,
                    notice.place.thread,
                    notice.ticket_id,
                    notice.edit_key,
                    rows.notice_payload(notice),
                    broadcast.at,
                    broadcast.at,
                )
                for outbox_id, notice in numbered
            ],
        )
        cursor.executemany(
            b"INSERT INTO incident_deliveries (outbox_id, incident_id, seq) VALUES (%s, %s, %s)",
            [(outbox_id, broadcast.incident, broadcast.seq) for outbox_id, _ in numbered],
        )

    def deliveries(self, number: int) -> dict[int, Delivery]:
        found = self._all(
            b"SELECT d.seq, o.status, count(*) AS n FROM incident_deliveries d"
            b" JOIN outbox o ON o.id = d.outbox_id WHERE d.incident_id = %s"
            b" GROUP BY d.seq, o.status",
            number,
        )
        return incident_rows.progress(
            (int(row["seq"]), str(row["status"]), int(row["n"])) for row in found
        )

    def failures(self, number: int, limit: int) -> list[Failure]:
        found = self._all(
            b"SELECT d.seq, o.ticket_id, o.last_error FROM incident_deliveries d"
            b" JOIN outbox o ON o.id = d.outbox_id"
            b" WHERE d.incident_id = %s AND o.status = 'failed'"
            b" ORDER BY d.seq, o.ticket_id, o.id LIMIT %s",
            number,
            limit,
        )
        return [
            Failure(int(row["seq"]), row["ticket_id"], str(row["last_error"] or ""))
            for row in found
        ]

    def due_incidents(self, now: datetime, limit: int) -> list[Incident]:
        found = self._all(
            b"SELECT * FROM incidents WHERE due_at <= %s AND status <> 'resolved'"
            b" ORDER BY due_at LIMIT %s",
            now,
            limit,
        )
        return [incident_rows.incident(row) for row in found]


class PostgresSpikes:
    """The spikes part of a PostgreSQL transaction (mixed into `PostgresTx`)."""

    _connection: psycopg.Connection[Any]
    _all: Callable[..., list[dict[str, Any]]]  # the transaction's: its rows as dicts

    def recent_arrivals(self, workspace: str, since: datetime, limit: int) -> list[Arrival]:
        found = self._all(
            b"SELECT t.id, t.subject, t.created_at FROM tickets t WHERE t.workspace = %s"
            b" AND t.created_at >= %s AND t.status IN ('open', 'claimed', 'waiting')"
            b" AND NOT EXISTS (SELECT 1 FROM incident_links l WHERE l.ticket_id = t.id"
            b" AND l.held) ORDER BY t.created_at DESC, t.id DESC LIMIT %s",
            workspace,
            since,
            limit,
        )
        return [Arrival(int(row["id"]), row["subject"], row["created_at"]) for row in found]

    def spikes(self, workspace: str, since: datetime) -> list[Spike]:
        found = self._all(
            b"SELECT * FROM incident_spikes WHERE workspace = %s AND last_at >= %s"
            b" AND incident_id IS NULL ORDER BY id DESC",
            workspace,
            since,
        )
        return [self._spike(row) for row in found]

    def add_spike(self, spike: Spike, tickets: Sequence[int]) -> Spike:
        [row] = self._all(
            b"INSERT INTO incident_spikes (workspace, title, words, started_at, last_at, size)"
            b" VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            spike.workspace,
            spike.title,
            " ".join(spike.words),
            spike.started_at,
            spike.last_at,
            len(set(tickets)),
        )
        number = int(row["id"])
        self._connection.cursor().executemany(
            b"INSERT INTO incident_spike_tickets (spike_id, ticket_id) VALUES (%s, %s)"
            b" ON CONFLICT DO NOTHING",
            [(number, ticket_id) for ticket_id in tickets],
        )
        return self._read_spike(number)

    def join_spike(self, spike_id: int, ticket_id: int, at: datetime) -> int:
        cursor = self._connection.execute(
            b"INSERT INTO incident_spike_tickets (spike_id, ticket_id) VALUES (%s, %s)"
            b" ON CONFLICT DO NOTHING",
            (spike_id, ticket_id),
        )
        row = self._connection.execute(
            b"UPDATE incident_spikes SET last_at = %s, size = size + %s WHERE id = %s"
            b" RETURNING size",
            (at, cursor.rowcount, spike_id),
        ).fetchone()
        assert row is not None  # the spike was read just before, in this transaction
        return int(row[0])

    def spike_of(self, ticket_id: int) -> Spike | None:
        found = self._all(
            b"SELECT s.* FROM incident_spike_tickets st JOIN incident_spikes s"
            b" ON s.id = st.spike_id WHERE st.ticket_id = %s ORDER BY s.id DESC LIMIT 1",
            ticket_id,
        )
        return self._spike(found[0]) if found else None

    def spike_tickets(self, spike_id: int) -> list[int]:
        found = self._connection.execute(
            b"SELECT ticket_id FROM incident_spike_tickets WHERE spike_id = %s ORDER BY ticket_id",
            (spike_id,),
        ).fetchall()
        return [int(row[0]) for row in found]

    def declare_spike(self, spike_id: int, incident: int) -> None:
        self._connection.execute(
            b"UPDATE incident_spikes SET incident_id = %s WHERE id = %s", (incident, spike_id)
        )

    def _read_spike(self, spike_id: int) -> Spike:
        [row] = self._all(b"SELECT * FROM incident_spikes WHERE id = %s", spike_id)
        return self._spike(row)

    def _spike(self, row: dict[str, Any]) -> Spike:
        first = self._connection.execute(
            b"SELECT ticket_id FROM incident_spike_tickets WHERE spike_id = %s"
            b" ORDER BY ticket_id LIMIT %s",
            (row["id"], SPIKE_SHOWN),
        ).fetchall()
        return incident_rows.spike(row, [int(found[0]) for found in first])
