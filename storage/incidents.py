"""The incidents port over SQLite: incidents, their links, timelines and broadcasts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

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


class SqliteIncidents:
    """The incidents part of a SQLite transaction (mixed into `SqliteTx`)."""

    _raw: sqlite3.Connection
    _stale: set[int]
    earliest_scheduled: datetime | None

    def _due(self, due_at: datetime | None) -> None:
        if due_at is not None and (
            self.earliest_scheduled is None or due_at < self.earliest_scheduled
        ):
            self.earliest_scheduled = due_at

    def add_incident(self, draft: Incident) -> Incident:
        cursor = self._raw.execute(
            "INSERT INTO incidents (id, workspace, title, status, owner_key, owner_name,"
            " started_at, detected_at, due_at)"
            " VALUES ((SELECT coalesce(max(id), 0) + 1 FROM incidents), ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                draft.workspace,
                draft.title,
                str(draft.status),
                draft.owner.key,
                draft.owner.name,
                rows.to_db(draft.started_at),
                rows.maybe_to_db(draft.detected_at),
                rows.maybe_to_db(draft.due_at),
            ),
        )
        assert cursor.lastrowid is not None
        self._due(draft.due_at)
        stored = self.incident(cursor.lastrowid)
        assert stored is not None  # inserted just above
        return stored

    def incident(self, number: int) -> Incident | None:
        row = self._raw.execute("SELECT * FROM incidents WHERE id = ?", (number,)).fetchone()
        return None if row is None else incident_rows.incident(row)

    def incidents(self, workspace: str, since: datetime | None = None) -> list[Incident]:
        found = self._raw.execute(
            "SELECT * FROM incidents WHERE workspace = ? AND (status != 'resolved'"
            " OR resolved_at >= ?) ORDER BY id DESC",
            (workspace, rows.maybe_to_db(since)),
        ).fetchall()
        return [incident_rows.incident(row) for row in found]

    def save_incident(self, incident: Incident) -> None:
        self._raw.execute(
            "UPDATE incidents SET title = ?, status = ?, owner_key = ?, owner_name = ?,"
            " resolved_at = ?, last_update_at = ?, due_at = ?, reminded = ? WHERE id = ?",
            incident_rows.times(incident, text=True),
        )
        self._due(incident.due_at)

    def holding(self, ticket_id: int) -> Incident | None:
        row = self._raw.execute(
            "SELECT i.* FROM incident_links l JOIN incidents i ON i.id = l.incident_id"
            " WHERE l.ticket_id = ? AND l.held = 1",
            (ticket_id,),
        ).fetchone()
        return None if row is None else incident_rows.incident(row)

    def part_of(self, ticket_ids: Sequence[int]) -> dict[int, Incident]:
        found: dict[int, Incident] = {}
        for row in self._raw.execute(
            "SELECT l.ticket_id AS part, i.* FROM incident_links l"
            " JOIN incidents i ON i.id = l.incident_id"
            " WHERE l.ticket_id IN (SELECT value FROM json_each(?)) AND l.unlinked_at IS NULL"
            " ORDER BY l.held DESC, i.id DESC",
            (json.dumps(list(ticket_ids)),),
        ):
            found.setdefault(row["part"], incident_rows.incident(row))
        return found

    def link(self, number: int, ticket_id: int, by: Person, at: datetime) -> bool:
        if self.holding(ticket_id) is not None:
            return False
        self._raw.execute(
            "INSERT INTO incident_links (incident_id, ticket_id, linked_at, linked_by_key,"
            " linked_by_name) VALUES (?, ?, ?, ?, ?) ON CONFLICT (incident_id, ticket_id)"
            " DO UPDATE SET held = 1, unlinked_at = NULL, linked_at = excluded.linked_at,"
            " linked_by_key = excluded.linked_by_key, linked_by_name = excluded.linked_by_name",
            (number, ticket_id, rows.to_db(at), by.key, by.name),
        )
        return True

    def unlink(self, number: int, ticket_id: int, at: datetime) -> bool:
        cursor = self._raw.execute(
            "UPDATE incident_links SET held = 0, unlinked_at = ?"
            " WHERE incident_id = ? AND ticket_id = ? AND held = 1",
            (rows.to_db(at), number, ticket_id),
        )
        return cursor.rowcount == 1

    def release(self, number: int) -> None:
        self._raw.execute(
            "UPDATE incident_links SET held = 0 WHERE incident_id = ? AND held = 1", (number,)
        )

    def linked(self, number: int, *, ever: bool = False) -> list[Ticket]:
        found = self._raw.execute(
            "SELECT t.* FROM incident_links l JOIN tickets t ON t.id = l.ticket_id"
            " WHERE l.incident_id = ? AND (l.held = 1 OR (? AND l.unlinked_at IS NULL))"
            " ORDER BY t.id",
            (number, ever),
        ).fetchall()
        return [rows.ticket(row) for row in found]

    def linked_count(self, number: int) -> int:
        row = self._raw.execute(
            "SELECT count(*) FROM incident_links WHERE incident_id = ? AND held = 1", (number,)
        ).fetchone()
        return int(row[0])

    def response_clocks(self, number: int) -> list[SlaClock]:
        found = self._raw.execute(
            "SELECT c.* FROM incident_links l JOIN sla_clocks c ON c.ticket_id = l.ticket_id"
            " WHERE l.incident_id = ? AND l.held = 1 AND c.stopped_at IS NULL"
            " AND c.kind IN ('first_response', 'next_response')",
            (number,),
        ).fetchall()
        return [rows.clock(row) for row in found]

    def add_entry(self, entry: Entry) -> Entry:
        actor = entry.actor
        row = self._raw.execute(
            "INSERT INTO incident_moments (incident_id, seq, kind, at, actor_key, actor_name,"
            " text, count, total, status) VALUES (?1, (SELECT coalesce(max(seq), 0) + 1"
            " FROM incident_moments WHERE incident_id = ?1), ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING seq",
            (
                entry.incident,
                str(entry.kind),
                rows.to_db(entry.at),
                actor.key if actor else None,
                actor.name if actor else None,
                entry.text,
                entry.count,
                entry.total,
                None if entry.status is None else str(entry.status),
            ),
        ).fetchone()
        return replace(entry, seq=int(row[0]))

    def timeline(self, number: int) -> list[Entry]:
        found = self._raw.execute(
            "SELECT * FROM incident_moments WHERE incident_id = ? ORDER BY seq", (number,)
        ).fetchall()
        return [incident_rows.entry(row) for row in found]

    def broadcast(self, broadcast: Broadcast) -> None:
        at, author = rows.to_db(broadcast.at), broadcast.author
        ids = [notice.ticket_id for notice in broadcast.notices]
        raw = self._raw
        raw.executemany(
            "INSERT INTO messages (ticket_id, message_id, author_key, author_name, role,"
            " internal, text, attachments, created_at) VALUES (?, ?, ?, ?, 'agent', 0, ?, '[]', ?)",
            [(i, broadcast.message_id, author.key, author.name, broadcast.text, at) for i in ids],
        )
        said = rows.event_data(
            {"message_id": broadcast.message_id, "role": "agent", "incident": broadcast.incident}
        )
        events = [(i, author.key, author.name, "message", said, at) for i in ids]
        events += [
            (first.ticket_id, author.key, author.name, "first_response", _waited(first.waited), at)
            for first in broadcast.first_answers
        ]
        raw.executemany(
            "INSERT INTO events (ticket_id, actor_key, actor_name, kind, data, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            events,
        )
        raw.executemany(
            "UPDATE tickets SET updated_at = ?1, last_agent_activity_at = ?1,"
            " first_response_at = coalesce(first_response_at, ?1) WHERE id = ?2",
            [(at, i) for i in ids],
        )
        raw.executemany(
            rows.SAVE_CLOCK,
            [(*rows.clock_values(clock), clock.ticket_id) for clock in broadcast.clocks],
        )
        self._queue(broadcast)
        self._stale.update(i for i in ids if i is not None)  # queued, written in batches

    def _queue(self, broadcast: Broadcast) -> None:
        """Queue the notices and note which update each carries (ids above the last one's)."""
        raw = self._raw
        (last,) = raw.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()
        raw.executemany(
            rows.QUEUE_NOTICE,
            [rows.queued_values(notice, broadcast.at) for notice in broadcast.notices],
        )
        # The writer holds the database for the whole unit: every id above `last` is ours.
        raw.execute(
            "INSERT INTO incident_deliveries (outbox_id, incident_id, seq)"
            " SELECT id, ?, ? FROM outbox WHERE id > ?",
            (broadcast.incident, broadcast.seq, last),
        )

    def deliveries(self, number: int) -> dict[int, Delivery]:
        found = self._raw.execute(
            "SELECT d.seq, o.status, count(*) FROM incident_deliveries d"
            " JOIN outbox o ON o.id = d.outbox_id WHERE d.incident_id = ?"
            " GROUP BY d.seq, o.status",
            (number,),
        ).fetchall()
        return incident_rows.progress((int(seq), str(status), int(n)) for seq, status, n in found)

    def failures(self, number: int, limit: int) -> list[Failure]:
        found = self._raw.execute(
            "SELECT d.seq, o.ticket_id, o.last_error FROM incident_deliveries d"
            " JOIN outbox o ON o.id = d.outbox_id WHERE d.incident_id = ? AND o.status = 'failed'"
            " ORDER BY d.seq, o.ticket_id, o.id LIMIT ?",
            (number, limit),
        ).fetchall()
        return [Failure(int(seq), ticket, str(error or "")) for seq, ticket, error in found]

    def due_incidents(self, now: datetime, limit: int) -> list[Incident]:
        found = self._raw.execute(
            "SELECT * FROM incidents WHERE due_at <= ? AND status != 'resolved'"
            " ORDER BY due_at LIMIT ?",
            (rows.to_db(now), limit),
        ).fetchall()
        return [incident_rows.incident(row) for row in found]


def _waited(seconds: int) -> str:
    return rows.event_data({"after_seconds": seconds})


class SqliteSpikes:
    """The spikes part of a SQLite transaction (mixed into `SqliteTx`)."""

    _raw: sqlite3.Connection

    def recent_arrivals(self, workspace: str, since: datetime, limit: int) -> list[Arrival]:
        # `+workspace`: read the window off the index of active tickets by time, never every
        # active ticket of the workspace (the index by workspace and status would).
        found = self._raw.execute(
            "SELECT t.id, t.subject, t.created_at FROM tickets t WHERE +t.workspace = ?"
            " AND t.created_at >= ? AND t.status IN ('open', 'claimed', 'waiting')"
            " AND NOT EXISTS (SELECT 1 FROM incident_links l WHERE l.ticket_id = t.id"
            " AND l.held = 1) ORDER BY t.created_at DESC, t.id DESC LIMIT ?",
            (workspace, rows.to_db(since), limit),
        ).fetchall()
        return [Arrival(int(row[0]), row[1], rows.from_db(row[2])) for row in found]

    def spikes(self, workspace: str, since: datetime) -> list[Spike]:
        found = self._raw.execute(
            "SELECT * FROM incident_spikes WHERE workspace = ? AND last_at >= ?"
            " AND incident_id IS NULL ORDER BY id DESC",
            (workspace, rows.to_db(since)),
        ).fetchall()
        return [self._spike(row) for row in found]

    def add_spike(self, spike: Spike, tickets: Sequence[int]) -> Spike:
        cursor = self._raw.execute(
            "INSERT INTO incident_spikes (workspace, title, words, started_at, last_at, size)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                spike.workspace,
                spike.title,
                " ".join(spike.words),
                rows.to_db(spike.started_at),
                rows.to_db(spike.last_at),
                len(set(tickets)),
            ),
        )
        assert cursor.lastrowid is not None
        self._raw.executemany(
            "INSERT OR IGNORE INTO incident_spike_tickets (spike_id, ticket_id) VALUES (?, ?)",
            [(cursor.lastrowid, ticket_id) for ticket_id in tickets],
        )
        return self._read_spike(cursor.lastrowid)

    def join_spike(self, spike_id: int, ticket_id: int, at: datetime) -> int:
        cursor = self._raw.execute(
            "INSERT OR IGNORE INTO incident_spike_tickets (spike_id, ticket_id) VALUES (?, ?)",
            (spike_id, ticket_id),
        )
        row = self._raw.execute(
            "UPDATE incident_spikes SET last_at = ?, size = size + ? WHERE id = ? RETURNING size",
            (rows.to_db(at), cursor.rowcount, spike_id),
        ).fetchone()
        return int(row[0])

    def spike_of(self, ticket_id: int) -> Spike | None:
        row = self._raw.execute(
            "SELECT s.* FROM incident_spike_tickets st JOIN incident_spikes s ON s.id = st.spike_id"
            " WHERE st.ticket_id = ? ORDER BY s.id DESC LIMIT 1",
            (ticket_id,),
        ).fetchone()
        return None if row is None else self._spike(row)

    def spike_tickets(self, spike_id: int) -> list[int]:
        found = self._raw.execute(
            "SELECT ticket_id FROM incident_spike_tickets WHERE spike_id = ? ORDER BY ticket_id",
            (spike_id,),
        ).fetchall()
        return [int(row[0]) for row in found]

    def declare_spike(self, spike_id: int, incident: int) -> None:
        self._raw.execute(
            "UPDATE incident_spikes SET incident_id = ? WHERE id = ?", (incident, spike_id)
        )

    def _read_spike(self, spike_id: int) -> Spike:
        row = self._raw.execute(
            "SELECT * FROM incident_spikes WHERE id = ?", (spike_id,)
        ).fetchone()
        return self._spike(row)

    def _spike(self, row: sqlite3.Row) -> Spike:
        first = self._raw.execute(
            "SELECT ticket_id FROM incident_spike_tickets WHERE spike_id = ? ORDER BY ticket_id"
            " LIMIT ?",
            (row["id"], SPIKE_SHOWN),
        ).fetchall()
        return incident_rows.spike(row, [int(found[0]) for found in first])
