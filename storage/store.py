"""The core's storage port over SQLite: every unit of work is one transaction."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import aiosqlite

from handlers.digest.rows import DigestRecord
from handlers.models import (
    ClockKind,
    CustomerHistory,
    Event,
    EventKind,
    Found,
    Message,
    NewTicket,
    Notice,
    Place,
    Queued,
    Scale,
    SearchQuery,
    SlaClock,
    Snippet,
    Status,
    Step,
    Survey,
    Ticket,
    TicketQuery,
    Timer,
    Unmatched,
)
from handlers.personal import Forgetting, Forgotten, Redacted
from handlers.ports import Lease, Sink
from storage import forgetting, privacy, reports, rows, search, views
from storage.commits import GroupCommitter
from storage.database import BUSY_TIMEOUT_MS, Database, in_transaction
from storage.incidents import SqliteIncidents, SqliteSpikes
from storage.indexer import Indexer

T = TypeVar("T")
log = logging.getLogger(__name__)

# A batch of the oldest keys, read from the index on seen_at (migration 0011) alone.
PRUNE_INBOUND_KEYS = (
    "DELETE FROM inbound_keys WHERE key IN"
    " (SELECT key FROM inbound_keys WHERE seen_at < ? ORDER BY seen_at LIMIT ?)"
)


class SqliteTx(SqliteIncidents, SqliteSpikes):
    """One transaction on the raw connection; runs on the database's own thread."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw
        self.earliest_scheduled: datetime | None = None
        # Tickets whose search document changed: queued for the indexer when the unit ends
        # (`search.INDEX_DELAY`), or written before it ends when their solved-ness or
        # resolution note changed (`_at_once`), which the similar-tickets query reads.
        self._stale: set[int] = set()
        self._at_once: set[int] = set()
        self.unmatched: dict[int, Unmatched] = {}

    def _one(self, sql: str, *params: Any) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._raw.execute(sql, params).fetchone()
        return row

    def _all(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        return self._raw.execute(sql, params).fetchall()

    # -- inbound ---------------------------------------------------------------------------

    def remember(self, dedupe_key: str, at: datetime) -> bool:
        cursor = self._raw.execute(
            "INSERT OR IGNORE INTO inbound_keys (key, seen_at) VALUES (?, ?)",
            (dedupe_key, rows.to_db(at)),
        )
        return cursor.rowcount == 1

    def prune_inbound_keys(self, seen_before: datetime, limit: int) -> int:
        cursor = self._raw.execute(PRUNE_INBOUND_KEYS, (rows.to_db(seen_before), limit))
        return cursor.rowcount

    def inbound_keys_before(self, seen_before: datetime) -> int:
        row = self._one(
            "SELECT count(*) FROM inbound_keys WHERE seen_at < ?", rows.to_db(seen_before)
        )
        return int(row[0]) if row else 0

    # -- tickets ---------------------------------------------------------------------------

    def ticket(self, ticket_id: int) -> Ticket | None:
        row = self._one("SELECT * FROM tickets WHERE id = ?", ticket_id)
        return None if row is None else rows.ticket(row)

    def ticket_at(self, place: Place) -> Ticket | None:
        if place.thread is None:
            return None
        row = self._one(
            "SELECT * FROM tickets WHERE workspace = ? AND channel = ? AND thread = ?",
            place.workspace,
            place.channel,
            place.thread,
        )
        return None if row is None else rows.ticket(row)

    def direct_ticket(self, place: Place) -> Ticket | None:
        row = self._one(
            "SELECT * FROM tickets WHERE workspace = ? AND channel = ? AND private = 1"
            " AND status IN ('open', 'claimed', 'waiting') ORDER BY id DESC LIMIT 1",
            place.workspace,
            place.channel,
        )
        return None if row is None else rows.ticket(row)

    def tickets(self, query: TicketQuery) -> tuple[list[Ticket], int]:
        where, params = _ticket_filter(query)
        # `where` is built from fixed clauses only; every value is a parameter.
        total = self._one(f"SELECT count(*) FROM tickets WHERE {where}", *params)  # noqa: S608
        order = "updated_at DESC, id DESC" if query.recent_first else "id"
        found = self._all(
            f"SELECT * FROM tickets WHERE {where} ORDER BY {order} LIMIT ?",  # noqa: S608
            *params,
            query.limit,
        )
        return [rows.ticket(row) for row in found], int(total[0]) if total else 0

    def insert_ticket(self, new: NewTicket) -> Ticket | None:
        at = rows.to_db(new.created_at)
        cursor = self._raw.execute(
            "INSERT INTO tickets (workspace, channel, thread, customer_key, customer_name,"
            " subject, body, status, priority, permalink, created_at, updated_at, status_since,"
            " private) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (workspace, channel, thread) DO NOTHING",
            (
                new.place.workspace,
                new.place.channel,
                new.place.thread,
                new.customer.key,
                new.customer.name,
                new.subject,
                new.body,
                str(new.priority),
                new.permalink,
                at,
                at,
                at,
                new.private,
            ),
        )
        if cursor.rowcount == 0:
            return None
        assert cursor.lastrowid is not None
        self._stale.add(cursor.lastrowid)
        ticket = Ticket(
            id=cursor.lastrowid,
            place=new.place,
            customer=new.customer,
            subject=new.subject,
            body=new.body,
            status=Status.OPEN,
            priority=new.priority,
            created_at=new.created_at,
            updated_at=new.created_at,
            permalink=new.permalink,
            status_since=new.created_at,
            private=new.private,
        )
        self.unmatched[ticket.id] = Unmatched(ticket, opened=True)
        return ticket

    def update_ticket(self, ticket: Ticket) -> None:
        stored = self._one("SELECT subject, body, status FROM tickets WHERE id = ?", ticket.id)
        assignee = ticket.assignee
        self._raw.execute(
            "UPDATE tickets SET subject = ?, body = ?, status = ?, priority = ?,"
            " assignee_key = ?, assignee_name = ?, updated_at = ?, first_response_at = ?,"
            " resolved_at = ?, closed_at = ?, status_since = ?, last_agent_activity_at = ?"
            " WHERE id = ?",
            (
                ticket.subject,
                ticket.body,
                str(ticket.status),
                str(ticket.priority),
                assignee.key if assignee else None,
                assignee.name if assignee else None,
                rows.to_db(ticket.updated_at),
                rows.maybe_to_db(ticket.first_response_at),
                rows.maybe_to_db(ticket.resolved_at),
                rows.maybe_to_db(ticket.closed_at),
                rows.maybe_to_db(ticket.status_since),
                rows.maybe_to_db(ticket.last_agent_activity_at),
                ticket.id,
            ),
        )
        if stored is not None and _solved_changed(stored, ticket):
            self._at_once.add(ticket.id)
        elif stored is not None and stored["subject"] != ticket.subject:
            self._stale.add(ticket.id)
        reworded = stored is not None and (stored["subject"], stored["body"]) != (
            ticket.subject,
            ticket.body,
        )
        self._unmatched(ticket, reworded)

    def _unmatched(self, ticket: Ticket, reworded: bool) -> None:
        """Keep the ticket as written when its likes are to be found (opened, or re-worded)."""
        earlier = self.unmatched.get(ticket.id)
        if earlier is not None or reworded:
            opened = earlier is not None and earlier.opened
            self.unmatched[ticket.id] = Unmatched(ticket, opened=opened)

    def customer_history(self, ticket: Ticket, since: datetime, cap: int) -> CustomerHistory:
        # Each count stops at `cap`: a customer with thousands of tickets (a monitoring bot)
        # costs no more per card than one with a hundred.
        row = self._one(
            "SELECT (SELECT count(*) FROM (SELECT 1 FROM tickets WHERE customer_key = ?1"
            "   AND workspace = ?2 AND created_at >= ?3 LIMIT ?5)),"
            " (SELECT count(*) FROM (SELECT 1 FROM tickets WHERE customer_key = ?1"
            "   AND workspace = ?2 AND status IN ('open', 'claimed', 'waiting') AND id != ?4"
            "   LIMIT ?5)),"
            # The latest rating: the most recently asked survey the customer answered.
            " (SELECT score || ' ' || scale FROM surveys WHERE customer_key = ?1 AND asked = 1"
            "   AND score IS NOT NULL ORDER BY asked_at DESC LIMIT 1)",
            ticket.customer.key,
            ticket.place.workspace,
            rows.to_db(since),
            ticket.id,
            cap,
        )
        assert row is not None  # a SELECT of subqueries always has its row
        score, _, scale = (row[2] or "").partition(" ")
        return CustomerHistory(
            row[0], row[1], cap, int(score) if score else None, scale == str(Scale.THUMBS)
        )

    # -- conversation ----------------------------------------------------------------------

    def message(self, place: Place, message_id: str) -> Message | None:
        row = self._one(
            "SELECT m.* FROM messages m JOIN tickets t ON t.id = m.ticket_id"
            " WHERE m.message_id = ? AND t.workspace = ? AND t.channel = ?"
            " ORDER BY m.id LIMIT 1",
            message_id,
            place.workspace,
            place.channel,
        )
        return None if row is None else rows.message(row)

    def messages(self, ticket_id: int, *, include_internal: bool) -> list[Message]:
        found = self._all(
            "SELECT * FROM messages WHERE ticket_id = ? AND (internal = 0 OR ?) ORDER BY id",
            ticket_id,
            include_internal,
        )
        return [rows.message(row) for row in found]

    def add_message(self, message: Message) -> None:
        self._raw.execute(
            "INSERT INTO messages (ticket_id, message_id, author_key, author_name, role,"
            " internal, text, attachments, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                message.ticket_id,
                message.message_id,
                message.author.key,
                message.author.name,
                str(message.role),
                message.internal,
                message.text,
                rows.attachments_json(message.attachments),
                rows.to_db(message.created_at),
            ),
        )
        self._stale.add(message.ticket_id)

    def edit_message(self, message: Message, text: str, at: datetime) -> None:
        self._raw.execute(
            "UPDATE messages SET text = ?, edited_at = ? WHERE ticket_id = ? AND message_id = ?",
            (text, rows.to_db(at), message.ticket_id, message.message_id),
        )
        self._stale.add(message.ticket_id)

    def delete_message(self, message: Message, at: datetime) -> None:
        self._raw.execute(
            "UPDATE messages SET deleted_at = ? WHERE ticket_id = ? AND message_id = ?",
            (rows.to_db(at), message.ticket_id, message.message_id),
        )
        self._stale.add(message.ticket_id)

    # -- audit -----------------------------------------------------------------------------

    def record(self, event: Event) -> None:
        actor = event.actor
        self._raw.execute(
            "INSERT INTO events (ticket_id, actor_key, actor_name, kind, data, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                event.ticket_id,
                actor.key if actor else None,
                actor.name if actor else None,
                str(event.kind),
                rows.event_data(event.data),
                rows.to_db(event.at),
            ),
        )
        if event.kind is EventKind.RESOLVED and event.ticket_id is not None:
            self._at_once.add(event.ticket_id)  # its summary is the resolution note

    def search(self, query: SearchQuery) -> list[Found]:
        # Searched here, the index holds every ticket: the queued ones are written first.
        queued = search.take_queued(self._raw, None) if search.queued(self._raw) else []
        self._at_once.update(self._stale, queued)
        self.index_changes()
        return search.search(self._raw, query)

    def index_changes(self) -> bool:
        """Write the documents that must be current at once; queue the rest for the indexer.

        Returns whether anything was queued. A ticket's document is written once per unit
        however often it changed; a queued one is written by the indexer's next batch, or by
        the next search on this connection, whichever comes first.
        """
        if self._at_once:
            search.reindex(self._raw, sorted(self._at_once))
        queued = sorted(self._stale - self._at_once)
        search.queue(self._raw, queued)
        self._stale.clear()
        self._at_once.clear()
        return bool(queued)

    def index_queued(self, limit: int) -> int:
        """Write up to `limit` queued search documents; return how many were written."""
        taken = search.take_queued(self._raw, limit)
        if taken:
            search.reindex(self._raw, taken)
        return len(taken)

    def remember_similar(self, ticket_id: int, similar_ids: Sequence[int]) -> None:
        self._raw.execute("DELETE FROM similar_tickets WHERE ticket_id = ?", (ticket_id,))
        self._raw.executemany(
            "INSERT INTO similar_tickets (ticket_id, rank, similar_id) VALUES (?, ?, ?)",
            [(ticket_id, rank, similar) for rank, similar in enumerate(similar_ids)],
        )

    def remembered_similar(self, ticket_id: int) -> list[Found]:
        found = self._all(
            "SELECT t.* FROM similar_tickets s JOIN tickets t ON t.id = s.similar_id"
            " WHERE s.ticket_id = ? ORDER BY s.rank",
            ticket_id,
        )
        return [Found(rows.ticket(row), search.resolution(self._raw, row["id"])) for row in found]

    # -- personal data ---------------------------------------------------------------------

    def forget(self, request: Forgetting) -> Forgotten:
        return privacy.forget(self._raw, request)

    def export_person(self, person_key: str, sink: Sink) -> int:
        return forgetting.streamed(privacy.export(self._raw, person_key), sink)

    def redact_closed(
        self,
        messages_before: datetime | None,
        audit_before: datetime | None,
        at: datetime,
        pruned: int = 0,
    ) -> Redacted:
        return privacy.redact_closed(self._raw, messages_before, audit_before, at, pruned)

    def closed_to_redact(
        self, messages_before: datetime | None, audit_before: datetime | None
    ) -> Redacted:
        return forgetting.closed_to_redact(
            privacy.SqliteSql(self._raw), messages_before, audit_before
        )

    # -- outbox ----------------------------------------------------------------------------

    def enqueue(self, notice: Notice, at: datetime) -> None:
        edit_key = notice.edit_key
        if edit_key is not None:
            # Only the newest state of a card matters; older undelivered versions step aside.
            self._raw.execute(
                "UPDATE outbox SET status = 'superseded' WHERE edit_key = ? AND status = 'pending'",
                (edit_key,),
            )
        self._raw.execute(rows.QUEUE_NOTICE, rows.queued_values(notice, at))

    def due_notices(
        self, now: datetime, limit: int, platforms: frozenset[str] | None = None
    ) -> list[Queued]:
        only, names = _platform_filter(platforms)
        found = self._all(
            "SELECT o.*, p.message_id AS edit_of FROM outbox o"  # noqa: S608
            " JOIN (SELECT min(id) AS id FROM outbox WHERE status = 'pending'"
            "       GROUP BY workspace, channel) head ON head.id = o.id"
            " LEFT JOIN posted p ON p.edit_key = o.edit_key"
            f" WHERE o.next_attempt_at <= ?{only} ORDER BY o.id LIMIT ?",
            rows.to_db(now),
            *names,
            limit,
        )
        return [
            Queued(row["id"], rows.notice(row), row["attempts"], row["edit_of"]) for row in found
        ]

    def pending_count(self, platforms: frozenset[str] | None = None) -> int:
        """Notices still to send (only those of `platforms`, when given)."""
        only, names = _platform_filter(platforms, table="outbox")
        row = self._one(
            f"SELECT count(*) FROM outbox WHERE status = 'pending'{only}",  # noqa: S608
            *names,
        )
        return int(row[0]) if row else 0

    def mark_sent(self, queued: Queued, message_id: str, at: datetime) -> None:
        self._raw.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?,"
            " attempts = attempts + 1 WHERE id = ?",
            (rows.to_db(at), message_id, queued.id),
        )
        edit_key = queued.notice.edit_key
        if edit_key is not None:
            self._raw.execute(
                "INSERT INTO posted (edit_key, message_id) VALUES (?, ?)"
                " ON CONFLICT (edit_key) DO UPDATE SET message_id = excluded.message_id",
                (edit_key, message_id),
            )

    def mark_retry(self, queued: Queued, at: datetime, error: str) -> None:
        self._raw.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?"
            " WHERE id = ? AND status = 'pending'",
            (rows.to_db(at), error, queued.id),
        )

    def mark_obsolete(self, queued: Queued, reason: str) -> None:
        self._raw.execute(
            "UPDATE outbox SET status = 'superseded', last_error = ? WHERE id = ?",
            (reason, queued.id),
        )

    def mark_failed(self, queued: Queued, error: str, at: datetime) -> None:
        self._raw.execute(
            "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?,"
            " next_attempt_at = ? WHERE id = ? AND status = 'pending'",
            (error, rows.to_db(at), queued.id),
        )

    def outbox_counts(self) -> dict[str, int]:
        """How many notices are in each state."""
        found = self._all("SELECT status, count(*) FROM outbox GROUP BY status")
        return {str(status): int(count) for status, count in found}

    def outbox_problems(self, limit: int) -> list[tuple[int, str, str, str, int, str]]:
        """Failed and retrying notices: (id, status, where, kind, attempts, last error)."""
        found = self._all(
            "SELECT id, status, workspace || ' ' || channel, kind, attempts, last_error"
            " FROM outbox WHERE status = 'failed' OR (status = 'pending' AND attempts > 0)"
            " ORDER BY id LIMIT ?",
            limit,
        )
        return [tuple(row) for row in found]

    def retry_failed(self, now: datetime) -> int:
        """Queue every failed notice again (after fixing the config that failed them)."""
        cursor = self._raw.execute(
            "UPDATE outbox SET status = 'pending', next_attempt_at = ?, attempts = 0"
            " WHERE status = 'failed'",
            (rows.to_db(now),),
        )
        return cursor.rowcount

    def forget_edit_target(self, edit_key: str) -> None:
        self._raw.execute("DELETE FROM posted WHERE edit_key = ?", (edit_key,))

    # -- SLA clocks ------------------------------------------------------------------------

    def clocks(self, ticket_id: int) -> dict[ClockKind, SlaClock]:
        found = self._all("SELECT * FROM sla_clocks WHERE ticket_id = ?", ticket_id)
        return {clock.kind: clock for clock in map(rows.clock, found)}

    def save_clock(self, clock: SlaClock) -> None:
        self._raw.execute(rows.SAVE_CLOCK, (*rows.clock_values(clock), clock.ticket_id))

    # -- timers ----------------------------------------------------------------------------

    def timers(self, ticket_id: int) -> list[Timer]:
        found = self._all("SELECT * FROM timers WHERE ticket_id = ? ORDER BY round", ticket_id)
        return [rows.timer(row) for row in found]

    def schedule(self, ticket_id: int, step: Step, round_: int, due_at: datetime) -> None:
        self._raw.execute(
            "INSERT INTO timers (ticket_id, step, round, due_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (ticket_id, step, round) DO UPDATE SET due_at = excluded.due_at,"
            " state = 'pending' WHERE state != 'done'",
            (ticket_id, rows.step_text(step), round_, rows.to_db(due_at)),
        )
        self._due(due_at)

    def cancel_timer(self, timer: Timer) -> None:
        self._raw.execute(
            "UPDATE timers SET state = 'cancelled' WHERE ticket_id = ? AND step = ?"
            " AND round = ? AND state = 'pending'",
            (timer.ticket_id, rows.step_text(timer.step), timer.round),
        )

    def finish_timer(self, timer: Timer, at: datetime) -> bool:
        cursor = self._raw.execute(
            "UPDATE timers SET state = 'done', fired_at = ? WHERE ticket_id = ? AND step = ?"
            " AND round = ? AND state = 'pending'",
            (rows.to_db(at), timer.ticket_id, rows.step_text(timer.step), timer.round),
        )
        return cursor.rowcount == 1

    def due_timers(self, now: datetime, limit: int) -> list[Timer]:
        found = self._all(
            "SELECT * FROM timers WHERE state = 'pending' AND due_at <= ? ORDER BY due_at LIMIT ?",
            rows.to_db(now),
            limit,
        )
        return [rows.timer(row) for row in found]

    def next_timer_due(self) -> datetime | None:
        # An incident's own SLA is due in the same sweep as the tickets' steps.
        row = self._one(
            "SELECT min(due_at) FROM (SELECT min(due_at) AS due_at FROM timers"
            " WHERE state = 'pending' UNION ALL SELECT min(due_at) FROM incidents"
            " WHERE due_at IS NOT NULL AND status != 'resolved')"
        )
        return None if row is None or row[0] is None else rows.from_db(row[0])

    # -- leases ----------------------------------------------------------------------------

    def take_lease(self, name: str, holder: str, now: datetime, until: datetime) -> Lease:
        """Hold the lease until `until` if it is free, expired or already ours; return it."""
        self._raw.execute(
            "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
            " expires_at = excluded.expires_at WHERE leases.holder = excluded.holder"
            " OR leases.expires_at <= ?",
            (name, holder, rows.to_db(until), rows.to_db(now)),
        )
        row = self._one("SELECT holder, expires_at FROM leases WHERE name = ?", name)
        assert row is not None  # inserted, updated or kept just above
        return Lease(row["holder"], rows.from_db(row["expires_at"]))

    def release_lease(self, name: str, holder: str) -> None:
        self._raw.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))

    # -- surveys ---------------------------------------------------------------------------

    def add_survey(self, survey: Survey) -> None:
        self._raw.execute(
            "INSERT INTO surveys (ticket_id, round, customer_key, asked, scale, asked_at,"
            " expires_at, agent_key, agent_name, score, comment, answered_at, rated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows.survey_values(survey),
        )

    def latest_survey(self, ticket_id: int) -> Survey | None:
        row = self._one(
            "SELECT * FROM surveys WHERE ticket_id = ? ORDER BY round DESC LIMIT 1", ticket_id
        )
        return None if row is None else rows.survey(row)

    def last_asked(self, customer_key: str) -> datetime | None:
        row = self._one(
            "SELECT max(asked_at) FROM surveys WHERE customer_key = ? AND asked = 1", customer_key
        )
        return None if row is None or row[0] is None else rows.from_db(row[0])

    def save_rating(self, survey: Survey) -> None:
        self._raw.execute(
            "UPDATE surveys SET score = ?, comment = ?, answered_at = ?, rated_at = ?"
            " WHERE ticket_id = ? AND round = ?",
            (
                survey.score,
                survey.comment,
                rows.maybe_to_db(survey.answered_at),
                rows.maybe_to_db(survey.rated_at),
                survey.ticket_id,
                survey.round,
            ),
        )

    # -- digests ---------------------------------------------------------------------------

    def record_digest(self, record: DigestRecord) -> None:
        reports.record_digest(self._raw, record)

    # -- saved replies ---------------------------------------------------------------------

    def add_snippet(self, snippet: Snippet) -> bool:
        cursor = self._raw.execute(
            "INSERT OR IGNORE INTO snippets (workspace, name, text, author_key, author_name,"
            " created_at, uses) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                snippet.workspace,
                snippet.name,
                snippet.text,
                snippet.author.key,
                snippet.author.name,
                rows.to_db(snippet.created_at),
                snippet.uses,
            ),
        )
        return cursor.rowcount == 1

    def snippet(self, workspace: str, name: str) -> Snippet | None:
        row = self._one("SELECT * FROM snippets WHERE workspace = ? AND name = ?", workspace, name)
        return None if row is None else rows.snippet(row)

    def snippets(self, workspace: str) -> list[Snippet]:
        found = self._all("SELECT * FROM snippets WHERE workspace = ? ORDER BY name", workspace)
        return [rows.snippet(row) for row in found]

    def remove_snippet(self, workspace: str, name: str) -> bool:
        cursor = self._raw.execute(
            "DELETE FROM snippets WHERE workspace = ? AND name = ?", (workspace, name)
        )
        return cursor.rowcount == 1

    def count_snippet_use(self, workspace: str, name: str) -> None:
        self._raw.execute(
            "UPDATE snippets SET uses = uses + 1 WHERE workspace = ? AND name = ?",
            (workspace, name),
        )


_SOLVED = (str(Status.RESOLVED), str(Status.CLOSED))


def _solved_changed(stored: sqlite3.Row, ticket: Ticket) -> bool:
    """Whether the ticket became solved, or stopped being (its document's `state`)."""
    return (stored["status"] in _SOLVED) != (str(ticket.status) in _SOLVED)


def _platform_filter(platforms: frozenset[str] | None, table: str = "o") -> tuple[str, list[str]]:
    """An `AND …` clause keeping outbox rows of `platforms` (fixed text; names as parameters)."""
    if platforms is None:
        return "", []
    names = sorted(platforms)
    platform = f"substr({table}.workspace, 1, instr({table}.workspace, ':') - 1)"
    return f" AND {platform} IN ({', '.join('?' * len(names))})", names


def _ticket_filter(query: TicketQuery) -> tuple[str, list[Any]]:
    """Build the WHERE clause for a ticket query: fixed SQL, values only as parameters."""
    statuses = sorted(str(status) for status in query.statuses)
    clauses = ["workspace = ?", f"status IN ({', '.join('?' * len(statuses))})"]
    params: list[Any] = [query.workspace, *statuses]
    if query.customer_key is not None:
        clauses.append("customer_key = ?")
        params.append(query.customer_key)
    if query.assignee_key is not None:
        clauses.append("assignee_key = ?")
        params.append(query.assignee_key)
    if query.unassigned:
        clauses.append("assignee_key IS NULL")
    if query.priority is not None:
        clauses.append("priority = ?")
        params.append(str(query.priority))
    return " AND ".join(clauses), params


def _indexed(work: Callable[[SqliteTx], T], tx: SqliteTx) -> tuple[T, bool]:
    """Run a unit of work, then index (or queue for the indexer) what it changed."""
    result = work(tx)
    return result, tx.index_changes()


class StoreClosed(RuntimeError):
    """A read was asked of a store already closed."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"The desk at {path} is closed; nothing more can be read from it.")


class SqliteStore:
    """The desk's storage: `async with SqliteStore.open(path) as store`."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._commits = GroupCommitter(database)
        # Writes the search documents units queue (`storage.indexer`).
        self.indexer = Indexer(
            lambda: self.transact(lambda tx: tx.index_queued(search.INDEX_BATCH)),
            search.INDEX_BATCH,
            search.INDEX_DELAY,
        )

    @classmethod
    async def open(cls, path: Path | str) -> Self:
        store = cls(await Database.open(path))
        if await store.database.run(search.queued):
            store.indexer.soon()  # queued before a crash: written as usual
        return store

    async def transact(self, work: Callable[[SqliteTx], T]) -> T:
        """Run `work` atomically and durably; return only once it is committed.

        Units arriving together share one COMMIT (see `storage.commits`); each still
        commits or rolls back as a whole, and writers in other processes queue behind
        BEGIN IMMEDIATE rather than clash.
        """
        result: T
        result, queued = await self._commits.run(lambda raw: _indexed(work, SqliteTx(raw)))
        if queued:
            self.indexer.soon()
        return result

    async def read(self, work: Callable[[SqliteTx], T]) -> T:
        """Run `work` in a read transaction: one consistent snapshot."""
        return await self.database.run(
            lambda raw: in_transaction(raw, "BEGIN", lambda: work(SqliteTx(raw)))
        )

    async def outside_changes(self) -> int:
        """A number that changes whenever another connection commits to the file.

        SQLite's `data_version`: it reads no table, only whether the file changed, so
        another process's writes can be noticed every second for next to nothing.
        """
        return await self.database.run(
            lambda raw: int(raw.execute("PRAGMA data_version").fetchone()[0])
        )

    async def erase_freed(self) -> str | None:
        """Checkpoint the WAL into the file and empty it, so no removed page image remains."""
        return await self.database.run(privacy.erase_freed)

    async def close(self) -> None:
        self._closed = True
        await self.indexer.stop()
        try:
            await self.indexer.write_all()  # leave the index whole; else the queue waits on disk
        except sqlite3.Error as error:
            # A database refusing writes now (read-only, full) keeps the queue for next time.
            log.warning("Closing with search documents still queued: %s", error)
        finally:
            await self._close_reader()
            await self.database.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # -- reports ---------------------------------------------------------------------------

    # Set by the first report (class defaults, so the writer's set-up stays untouched).
    _reader: Database | None = None
    _reader_opening: asyncio.Lock | None = None
    _closed = False

    async def report(
        self, work: Callable[[reports.SqliteReports], T], workspace: str | None = None
    ) -> T:
        """Run `work` in one read transaction on a second connection, beside the writer
        (with `workspace`, on that workspace's figures).

        WAL lets this reader see one consistent snapshot while intake keeps committing on the
        main connection, so a long digest never delays a customer's message. The connection
        is opened on first use and refuses writes (`query_only`).
        """
        reader = await self._open_reader()
        return await reader.run(
            lambda raw: in_transaction(
                raw, "BEGIN", lambda: work(reports.SqliteReports(raw, workspace))
            )
        )

    async def view(self, work: Callable[[views.SqliteViews], T]) -> T:
        """Run the web view's `work` in one read transaction beside the writer, like reports."""
        reader = await self._open_reader()
        return await reader.run(
            lambda raw: in_transaction(raw, "BEGIN", lambda: work(views.SqliteViews(raw)))
        )

    async def _open_reader(self) -> Database:
        if self._closed:  # a late report (a desk's follow-up) must not open a connection again
            raise StoreClosed(self.database.path)
        if str(self.database.path) == ":memory:":
            # A second connection to ":memory:" would be another, empty database.
            return self.database
        if self._reader_opening is None:
            self._reader_opening = asyncio.Lock()
        async with self._reader_opening:
            if self._reader is None:
                connection = await aiosqlite.connect(self.database.path, isolation_level=None)
                await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                await connection.execute("PRAGMA query_only = ON")
                self._reader = Database(connection, self.database.path)
            return self._reader

    async def _close_reader(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            await reader.close()
