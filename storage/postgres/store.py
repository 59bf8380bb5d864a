"""The core's storage ports over PostgreSQL: every unit of work is one transaction.

Several deskbot instances may write at once. What must never double rests on the database,
not on a single writer: inbound dedupe keys and a thread's one ticket are unique
constraints, and ticket numbers come from one counter row, locked until the ticket's
transaction commits. A write transaction reads a ticket `FOR UPDATE`: every decision about
a ticket reads it first, so two claims of one ticket at the same instant make one winner.
The second waits for the first to commit, reads the claimed ticket and is refused, as if it
had come second. Everything else a unit changes is a single conditional statement (finish
a pending timer, supersede a pending card, take a free lease), which PostgreSQL re-checks
against the newest row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

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
from storage import forgetting, rows
from storage import search as sqlite_search
from storage.indexer import Indexer
from storage.postgres import privacy, reports, search, views
from storage.postgres.clocks import SAVE_CLOCK
from storage.postgres.database import READ, REPORT, WRITE, Database
from storage.postgres.incidents import PostgresIncidents, PostgresSpikes

T = TypeVar("T")
log = logging.getLogger(__name__)

Query = sql.SQL | sql.Composed | bytes
# The channel the migrations' triggers notify on when a due time or a notice is written.
LISTEN = b"LISTEN deskbot_due"
RELISTEN_AFTER = 1.0
# A batch of the oldest keys, found through the index on seen_at (migration 0006).
PRUNE_INBOUND_KEYS = (
    b"DELETE FROM inbound_keys WHERE key IN"
    b" (SELECT key FROM inbound_keys WHERE seen_at < %s ORDER BY seen_at LIMIT %s)"
)


class PostgresTx(PostgresIncidents, PostgresSpikes):
    """One transaction on a pooled connection; runs on a worker thread."""

    def __init__(self, connection: psycopg.Connection[Any], *, writing: bool = True) -> None:
        self._connection = connection
        # In a write transaction a ticket is read to decide about it: hold it until commit.
        self._lock = b" FOR UPDATE" if writing else b""
        self.earliest_scheduled: datetime | None = None
        # Tickets whose search document changed: queued for the indexer when the unit ends,
        # or written before it ends when a resolution note changed or words were forgotten
        # (`_at_once`): the similar-tickets query reads the one, nobody may find the other.
        self._stale: set[int] = set()
        self._at_once: set[int] = set()
        self.unmatched: dict[int, Unmatched] = {}

    def _run(self, query: Query, *params: Any) -> psycopg.Cursor[Any]:
        return self._connection.execute(query, params)

    def _one(self, query: Query, *params: Any) -> dict[str, Any] | None:
        cursor = self._connection.cursor(row_factory=dict_row)
        found: dict[str, Any] | None = cursor.execute(query, params).fetchone()
        return found

    def _all(self, query: Query, *params: Any) -> list[dict[str, Any]]:
        cursor = self._connection.cursor(row_factory=dict_row)
        return cursor.execute(query, params).fetchall()

    # -- inbound ---------------------------------------------------------------------------

    def remember(self, dedupe_key: str, at: datetime) -> bool:
        cursor = self._run(
            b"INSERT INTO inbound_keys (key, seen_at) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            dedupe_key,
            at,
        )
        return cursor.rowcount == 1

    def prune_inbound_keys(self, seen_before: datetime, limit: int) -> int:
        cursor = self._run(PRUNE_INBOUND_KEYS, seen_before, limit)
        return cursor.rowcount

    def inbound_keys_before(self, seen_before: datetime) -> int:
        row = self._one(b"SELECT count(*) AS n FROM inbound_keys WHERE seen_at < %s", seen_before)
        return int(row["n"]) if row else 0

    # -- tickets ---------------------------------------------------------------------------

    def ticket(self, ticket_id: int) -> Ticket | None:
        row = self._one(b"SELECT * FROM tickets WHERE id = %s" + self._lock, ticket_id)
        return None if row is None else rows.ticket(row)

    def ticket_at(self, place: Place) -> Ticket | None:
        if place.thread is None:
            return None
        row = self._one(
            b"SELECT * FROM tickets WHERE workspace = %s AND channel = %s AND thread = %s"
            + self._lock,
            place.workspace,
            place.channel,
            place.thread,
        )
        return None if row is None else rows.ticket(row)

    def direct_ticket(self, place: Place) -> Ticket | None:
        row = self._one(
            b"SELECT * FROM tickets WHERE workspace = %s AND channel = %s AND private"
            b" AND status IN ('open', 'claimed', 'waiting') ORDER BY id DESC LIMIT 1" + self._lock,
            place.workspace,
            place.channel,
        )
        return None if row is None else rows.ticket(row)

    def tickets(self, query: TicketQuery) -> tuple[list[Ticket], int]:
        where, params = _ticket_filter(query)
        total = self._one(
            sql.SQL("SELECT count(*) AS n FROM tickets WHERE {}").format(where), *params
        )
        order = sql.SQL("updated_at DESC, id DESC" if query.recent_first else "id")
        found = self._all(
            sql.SQL("SELECT * FROM tickets WHERE {} ORDER BY {} LIMIT %s").format(where, order),
            *params,
            query.limit,
        )
        return [rows.ticket(row) for row in found], int(total["n"]) if total else 0

    def insert_ticket(self, new: NewTicket) -> Ticket | None:
        if self.ticket_at(new.place) is not None:
            return None
        number = self._one(b"UPDATE ticket_numbers SET last = last + 1 RETURNING last")
        assert number is not None  # the migration wrote the one row
        at = new.created_at
        row = self._one(
            b"INSERT INTO tickets (id, workspace, channel, thread, customer_key, customer_name,"
            b" subject, body, status, priority, permalink, created_at, updated_at, status_since,"
            b" private) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'open', %s, %s, %s, %s, %s, %s)"
            b" ON CONFLICT (workspace, channel, thread) DO NOTHING RETURNING id",
            number["last"],
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
        )
        if row is None:  # the thread's ticket came in meanwhile: give the number back
            self._run(b"UPDATE ticket_numbers SET last = last - 1")
            return None
        self._stale.add(int(row["id"]))
        ticket = Ticket(
            id=int(row["id"]),
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
        assignee = ticket.assignee
        # `stored` is the row as it was before this statement: what the search index was told.
        before = self._one(
            b"UPDATE tickets t SET subject = %s, body = %s, status = %s, priority = %s,"
            b" assignee_key = %s, assignee_name = %s, updated_at = %s, first_response_at = %s,"
            b" resolved_at = %s, closed_at = %s, status_since = %s, last_agent_activity_at = %s"
            b" FROM tickets stored WHERE t.id = %s AND stored.id = t.id"
            b" RETURNING stored.subject, stored.body, stored.status",
            ticket.subject,
            ticket.body,
            str(ticket.status),
            str(ticket.priority),
            assignee.key if assignee else None,
            assignee.name if assignee else None,
            ticket.updated_at,
            ticket.first_response_at,
            ticket.resolved_at,
            ticket.closed_at,
            ticket.status_since,
            ticket.last_agent_activity_at,
            ticket.id,
        )
        if before is not None and search.solved_changed(before["status"], ticket.status):
            self._at_once.add(ticket.id)
        elif before is not None and before["subject"] != ticket.subject:
            self._stale.add(ticket.id)
        reworded = before is not None and (before["subject"], before["body"]) != (
            ticket.subject,
            ticket.body,
        )
        earlier = self.unmatched.get(ticket.id)
        if earlier is not None or reworded:  # its likes are to be found: keep it as written
            opened = earlier is not None and earlier.opened
            self.unmatched[ticket.id] = Unmatched(ticket, opened=opened)

    def customer_history(self, ticket: Ticket, since: datetime, cap: int) -> CustomerHistory:
        # Each count stops at `cap`: a customer with thousands of tickets (a monitoring bot)
        # costs no more per card than one with a hundred.
        cursor = self._connection.cursor(row_factory=dict_row)
        row = cursor.execute(
            b"SELECT (SELECT count(*) FROM (SELECT 1 FROM tickets WHERE customer_key = %(key)s"
            b"   AND workspace = %(workspace)s AND created_at >= %(since)s LIMIT %(cap)s) r)"
            b"   AS recent,"
            b" (SELECT count(*) FROM (SELECT 1 FROM tickets WHERE customer_key = %(key)s"
            b"   AND workspace = %(workspace)s AND status IN ('open', 'claimed', 'waiting')"
            b"   AND id <> %(id)s LIMIT %(cap)s) o) AS other_open,"
            # The latest rating: the most recently asked survey the customer answered.
            b" (SELECT score || ' ' || scale FROM surveys WHERE customer_key = %(key)s AND asked"
            b"   AND score IS NOT NULL ORDER BY asked_at DESC LIMIT 1) AS last_rating",
            {
                "key": ticket.customer.key,
                "workspace": ticket.place.workspace,
                "since": since,
                "id": ticket.id,
                "cap": cap,
            },
        ).fetchone()
        assert row is not None  # a SELECT of subqueries always has its row
        score, _, scale = (row["last_rating"] or "").partition(" ")
        return CustomerHistory(
            int(row["recent"]),
            int(row["other_open"]),
            cap,
            int(score) if score else None,
            scale == str(Scale.THUMBS),
        )

    # -- conversation ----------------------------------------------------------------------

    def message(self, place: Place, message_id: str) -> Message | None:
        row = self._one(
            b"SELECT m.* FROM messages m JOIN tickets t ON t.id = m.ticket_id"
            b" WHERE m.message_id = %s AND t.workspace = %s AND t.channel = %s"
            b" ORDER BY m.id LIMIT 1",
            message_id,
            place.workspace,
            place.channel,
        )
        return None if row is None else rows.message(row)

    def messages(self, ticket_id: int, *, include_internal: bool) -> list[Message]:
        found = self._all(
            b"SELECT * FROM messages WHERE ticket_id = %s AND (NOT internal OR %s) ORDER BY id",
            ticket_id,
            include_internal,
        )
        return [rows.message(row) for row in found]

    def add_message(self, message: Message) -> None:
        self._run(
            b"INSERT INTO messages (ticket_id, message_id, author_key, author_name, role,"
            b" internal, text, attachments, created_at)"
            b" VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            message.ticket_id,
            message.message_id,
            message.author.key,
            message.author.name,
            str(message.role),
            message.internal,
            message.text,
            rows.attachments_json(message.attachments),
            message.created_at,
        )
        self._stale.add(message.ticket_id)

    def edit_message(self, message: Message, text: str, at: datetime) -> None:
        self._run(
            b"UPDATE messages SET text = %s, edited_at = %s"
            b" WHERE ticket_id = %s AND message_id = %s",
            text,
            at,
            message.ticket_id,
            message.message_id,
        )
        self._stale.add(message.ticket_id)

    def delete_message(self, message: Message, at: datetime) -> None:
        self._run(
            b"UPDATE messages SET deleted_at = %s WHERE ticket_id = %s AND message_id = %s",
            at,
            message.ticket_id,
            message.message_id,
        )
        self._stale.add(message.ticket_id)

    # -- audit -----------------------------------------------------------------------------

    def record(self, event: Event) -> None:
        actor = event.actor
        self._run(
            b"INSERT INTO events (ticket_id, actor_key, actor_name, kind, data, at)"
            b" VALUES (%s, %s, %s, %s, %s, %s)",
            event.ticket_id,
            actor.key if actor else None,
            actor.name if actor else None,
            str(event.kind),
            rows.event_data(event.data),
            event.at,
        )
        if event.kind is EventKind.RESOLVED and event.ticket_id is not None:
            self._at_once.add(event.ticket_id)  # its summary is the resolution note

    def search(self, query: SearchQuery) -> list[Found]:
        # Searched here, the index holds every ticket: the queued ones are written first.
        self._at_once.update(self._stale, search.take_queued(self._connection, None))
        self.index_changes()
        return search.search(self._connection, query)

    def remember_similar(self, ticket_id: int, similar_ids: Sequence[int]) -> None:
        self._run(b"DELETE FROM similar_tickets WHERE ticket_id = %s", ticket_id)
        with self._connection.cursor() as cursor:
            cursor.executemany(
                b"INSERT INTO similar_tickets (ticket_id, rank, similar_id) VALUES (%s, %s, %s)",
                [(ticket_id, rank, similar) for rank, similar in enumerate(similar_ids)],
            )

    def remembered_similar(self, ticket_id: int) -> list[Found]:
        found = self._all(
            b"SELECT t.*, (SELECT e.data ->> 'summary' FROM events e WHERE e.ticket_id = t.id"
            b" AND e.kind = 'resolved' ORDER BY e.id DESC LIMIT 1) AS resolution"
            b" FROM similar_tickets s JOIN tickets t ON t.id = s.similar_id"
            b" WHERE s.ticket_id = %s ORDER BY s.rank",
            ticket_id,
        )
        return [Found(rows.ticket(row), row["resolution"] or "") for row in found]

    def index_changes(self) -> bool:
        """Write the documents that must be current at once; queue the rest for the indexer.

        Returns whether anything was queued. A ticket's document is written once per unit
        however often it changed.
        """
        search.reindex(self._connection, self._at_once)
        queued = sorted(self._stale - self._at_once)
        search.queue(self._connection, queued)
        self._stale.clear()
        self._at_once.clear()
        return bool(queued)

    def index_queued(self, limit: int) -> int:
        """Write the documents of up to `limit` queued rows; return how many rows were taken
        (a ticket queued by several units is written once)."""
        taken = search.take_queued(self._connection, limit)
        search.reindex(self._connection, taken)
        return len(taken)

    # -- personal data ---------------------------------------------------------------------

    def forget(self, request: Forgetting) -> Forgotten:
        done, touched = forgetting.forget(privacy.PostgresSql(self._connection), request)
        if not request.dry_run:
            self._at_once.update(touched)  # a forgotten word leaves the index with the unit
        return done

    def export_person(self, person_key: str, sink: Sink) -> int:
        return forgetting.streamed(privacy.export(self._connection, person_key), sink)

    def redact_closed(
        self,
        messages_before: datetime | None,
        audit_before: datetime | None,
        at: datetime,
        pruned: int = 0,
    ) -> Redacted:
        done, touched = forgetting.redact_closed_before(
            privacy.PostgresSql(self._connection), messages_before, audit_before, at, pruned
        )
        self._at_once.update(touched)
        return done

    def closed_to_redact(
        self, messages_before: datetime | None, audit_before: datetime | None
    ) -> Redacted:
        return forgetting.closed_to_redact(
            privacy.PostgresSql(self._connection), messages_before, audit_before
        )

    # -- outbox ----------------------------------------------------------------------------

    def enqueue(self, notice: Notice, at: datetime) -> None:
        edit_key = notice.edit_key
        if edit_key is not None:
            # Only the newest state of a card matters; older undelivered versions step aside.
            self._run(
                b"UPDATE outbox SET status = 'superseded'"
                b" WHERE edit_key = %s AND status = 'pending'",
                edit_key,
            )
        place = notice.place
        self._run(
            b"INSERT INTO outbox (kind, workspace, channel, thread, ticket_id, edit_key, payload,"
            b" next_attempt_at, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            str(notice.kind),
            place.workspace,
            place.channel,
            place.thread,
            notice.ticket_id,
            edit_key,
            rows.notice_payload(notice),
            at,
            at,
        )

    def due_notices(
        self, now: datetime, limit: int, platforms: frozenset[str] | None = None
    ) -> list[Queued]:
        only, names = _platform_filter(platforms, "o")
        found = self._all(
            sql.SQL(
                "SELECT o.*, p.message_id AS edit_of FROM outbox o"
                " JOIN (SELECT min(id) AS id FROM outbox WHERE status = 'pending'"
                "       GROUP BY workspace, channel) head ON head.id = o.id"
                " LEFT JOIN posted p ON p.edit_key = o.edit_key"
                " WHERE o.next_attempt_at <= %s{} ORDER BY o.id LIMIT %s"
            ).format(only),
            now,
            *names,
            limit,
        )
        return [
            Queued(int(row["id"]), rows.notice(row), row["attempts"], row["edit_of"])
            for row in found
        ]

    def pending_count(self, platforms: frozenset[str] | None = None) -> int:
        """Notices still to send (only those of `platforms`, when given)."""
        only, names = _platform_filter(platforms, "outbox")
        row = self._one(
            sql.SQL("SELECT count(*) AS n FROM outbox WHERE status = 'pending'{}").format(only),
            *names,
        )
        return int(row["n"]) if row else 0

    def mark_sent(self, queued: Queued, message_id: str, at: datetime) -> None:
        self._run(
            b"UPDATE outbox SET status = 'sent', sent_at = %s, message_id = %s,"
            b" attempts = attempts + 1 WHERE id = %s",
            at,
            message_id,
            queued.id,
        )
        edit_key = queued.notice.edit_key
        if edit_key is not None:
            self._run(
                b"INSERT INTO posted (edit_key, message_id) VALUES (%s, %s)"
                b" ON CONFLICT (edit_key) DO UPDATE SET message_id = excluded.message_id",
                edit_key,
                message_id,
            )

    def mark_retry(self, queued: Queued, at: datetime, error: str) -> None:
        self._run(
            b"UPDATE outbox SET attempts = attempts + 1, next_attempt_at = %s, last_error = %s"
            b" WHERE id = %s AND status = 'pending'",
            at,
            error,
            queued.id,
        )

    def mark_obsolete(self, queued: Queued, reason: str) -> None:
        self._run(
            b"UPDATE outbox SET status = 'superseded', last_error = %s WHERE id = %s",
            reason,
            queued.id,
        )

    def mark_failed(self, queued: Queued, error: str, at: datetime) -> None:
        self._run(
            b"UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = %s,"
            b" next_attempt_at = %s WHERE id = %s AND status = 'pending'",
            error,
            at,
            queued.id,
        )

    def outbox_counts(self) -> dict[str, int]:
        """How many notices are in each state."""
        found = self._all(b"SELECT status, count(*) AS n FROM outbox GROUP BY status")
        return {str(row["status"]): int(row["n"]) for row in found}

    def outbox_problems(self, limit: int) -> list[tuple[int, str, str, str, int, str]]:
        """Failed and retrying notices: (id, status, where, kind, attempts, last error)."""
        found = self._run(
            b"SELECT id, status, workspace || ' ' || channel, kind, attempts, last_error"
            b" FROM outbox WHERE status = 'failed' OR (status = 'pending' AND attempts > 0)"
            b" ORDER BY id LIMIT %s",
            limit,
        ).fetchall()
        return [tuple(row) for row in found]

    def retry_failed(self, now: datetime) -> int:
        """Queue every failed notice again (after fixing the config that failed them)."""
        cursor = self._run(
            b"UPDATE outbox SET status = 'pending', next_attempt_at = %s, attempts = 0"
            b" WHERE status = 'failed'",
            now,
        )
        return cursor.rowcount

    def forget_edit_target(self, edit_key: str) -> None:
        self._run(b"DELETE FROM posted WHERE edit_key = %s", edit_key)

    # -- SLA clocks ------------------------------------------------------------------------

    def clocks(self, ticket_id: int) -> dict[ClockKind, SlaClock]:
        found = self._all(b"SELECT * FROM sla_clocks WHERE ticket_id = %s", ticket_id)
        return {clock.kind: clock for clock in map(rows.clock, found)}

    def save_clock(self, clock: SlaClock) -> None:
        self._run(SAVE_CLOCK, *rows.clock_values(clock), clock.ticket_id)

    # -- timers ----------------------------------------------------------------------------

    def timers(self, ticket_id: int) -> list[Timer]:
        found = self._all(
            b"SELECT * FROM timers WHERE ticket_id = %s ORDER BY round, step", ticket_id
        )
        return [rows.timer(row) for row in found]

    def schedule(self, ticket_id: int, step: Step, round_: int, due_at: datetime) -> None:
        self._run(
            b"INSERT INTO timers (ticket_id, step, round, due_at) VALUES (%s, %s, %s, %s)"
            b" ON CONFLICT (ticket_id, step, round) DO UPDATE SET due_at = excluded.due_at,"
            b" state = 'pending' WHERE timers.state <> 'done'",
            ticket_id,
            rows.step_text(step),
            round_,
            due_at,
        )
        self._due(due_at)

    def cancel_timer(self, timer: Timer) -> None:
        self._run(
            b"UPDATE timers SET state = 'cancelled' WHERE ticket_id = %s AND step = %s"
            b" AND round = %s AND state = 'pending'",
            timer.ticket_id,
            rows.step_text(timer.step),
            timer.round,
        )

    def finish_timer(self, timer: Timer, at: datetime) -> bool:
        cursor = self._run(
            b"UPDATE timers SET state = 'done', fired_at = %s WHERE ticket_id = %s AND step = %s"
            b" AND round = %s AND state = 'pending'",
            at,
            timer.ticket_id,
            rows.step_text(timer.step),
            timer.round,
        )
        return cursor.rowcount == 1

    def due_timers(self, now: datetime, limit: int) -> list[Timer]:
        found = self._all(
            b"SELECT * FROM timers WHERE state = 'pending' AND due_at <= %s"
            b" ORDER BY due_at, ticket_id, step, round LIMIT %s",
            now,
            limit,
        )
        return [rows.timer(row) for row in found]

    def next_timer_due(self) -> datetime | None:
        # An incident's own SLA is due in the same sweep as the tickets' steps.
        row = self._one(
            b"SELECT least((SELECT min(due_at) FROM timers WHERE state = 'pending'),"
            b" (SELECT min(due_at) FROM incidents WHERE due_at IS NOT NULL"
            b" AND status <> 'resolved')) AS due"
        )
        return None if row is None or row["due"] is None else rows.from_db(row["due"])

    # -- leases ----------------------------------------------------------------------------

    def take_lease(self, name: str, holder: str, now: datetime, until: datetime) -> Lease:
        """Hold the lease until `until` if it is free, expired or already ours; return it."""
        self._run(
            b"INSERT INTO leases (name, holder, expires_at) VALUES (%s, %s, %s)"
            b" ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
            b" expires_at = excluded.expires_at WHERE leases.holder = excluded.holder"
            b" OR leases.expires_at <= %s",
            name,
            holder,
            until,
            now,
        )
        row = self._one(b"SELECT holder, expires_at FROM leases WHERE name = %s", name)
        assert row is not None  # inserted, updated or kept just above
        return Lease(row["holder"], rows.from_db(row["expires_at"]))

    def release_lease(self, name: str, holder: str) -> None:
        self._run(b"DELETE FROM leases WHERE name = %s AND holder = %s", name, holder)

    # -- digests ---------------------------------------------------------------------------

    def record_digest(self, record: DigestRecord) -> None:
        reports.record_digest(self._connection, record)

    # -- surveys ---------------------------------------------------------------------------
    # A survey is decided about under its ticket's row lock: the caller read the ticket.

    def add_survey(self, survey: Survey) -> None:
        self._run(
            b"INSERT INTO surveys (ticket_id, round, customer_key, asked, scale, asked_at,"
            b" expires_at, agent_key, agent_name, score, comment, answered_at, rated_at)"
            b" VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            *rows.survey_values(survey),
        )

    def latest_survey(self, ticket_id: int) -> Survey | None:
        row = self._one(
            b"SELECT * FROM surveys WHERE ticket_id = %s ORDER BY round DESC LIMIT 1", ticket_id
        )
        return None if row is None else rows.survey(row)

    def last_asked(self, customer_key: str) -> datetime | None:
        row = self._one(
            b"SELECT max(asked_at) AS at FROM surveys WHERE customer_key = %s AND asked",
            customer_key,
        )
        return None if row is None else rows.maybe_from_db(row["at"])

    def save_rating(self, survey: Survey) -> None:
        self._run(
            b"UPDATE surveys SET score = %s, comment = %s, answered_at = %s, rated_at = %s"
            b" WHERE ticket_id = %s AND round = %s",
            survey.score,
            survey.comment,
            survey.answered_at,
            survey.rated_at,
            survey.ticket_id,
            survey.round,
        )

    # -- saved replies ---------------------------------------------------------------------

    def add_snippet(self, snippet: Snippet) -> bool:
        cursor = self._run(
            b"INSERT INTO snippets (workspace, name, text, author_key, author_name, created_at,"
            b" uses) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            snippet.workspace,
            snippet.name,
            snippet.text,
            snippet.author.key,
            snippet.author.name,
            snippet.created_at,
            snippet.uses,
        )
        return cursor.rowcount == 1

    def snippet(self, workspace: str, name: str) -> Snippet | None:
        row = self._one(
            b"SELECT * FROM snippets WHERE workspace = %s AND name = %s", workspace, name
        )
        return None if row is None else rows.snippet(row)

    def snippets(self, workspace: str) -> list[Snippet]:
        # `name` is collated "C" (migration 0003): byte order, as SQLite lists them.
        found = self._all(b"SELECT * FROM snippets WHERE workspace = %s ORDER BY name", workspace)
        return [rows.snippet(row) for row in found]

    def remove_snippet(self, workspace: str, name: str) -> bool:
        cursor = self._run(
            b"DELETE FROM snippets WHERE workspace = %s AND name = %s", workspace, name
        )
        return cursor.rowcount == 1

    def count_snippet_use(self, workspace: str, name: str) -> None:
        # One statement: PostgreSQL adds each instance's use to the newest row.
        self._run(
            b"UPDATE snippets SET uses = uses + 1 WHERE workspace = %s AND name = %s",
            workspace,
            name,
        )


def _platform_filter(platforms: frozenset[str] | None, table: str) -> tuple[sql.SQL, list[Any]]:
    """An `AND …` clause keeping outbox rows of `platforms` (fixed text; names as parameter)."""
    if platforms is None:
        return sql.SQL(""), []
    clause = f" AND split_part({table}.workspace, ':', 1) = ANY(%s)"
    return sql.SQL(clause), [sorted(platforms)]


def _ticket_filter(query: TicketQuery) -> tuple[sql.Composed, list[Any]]:
    """Build the WHERE clause for a ticket query: fixed SQL, values only as parameters."""
    clauses = ["workspace = %s", "status = ANY(%s)"]
    params: list[Any] = [query.workspace, sorted(str(status) for status in query.statuses)]
    if query.customer_key is not None:
        clauses.append("customer_key = %s")
        params.append(query.customer_key)
    if query.assignee_key is not None:
        clauses.append("assignee_key = %s")
        params.append(query.assignee_key)
    if query.unassigned:
        clauses.append("assignee_key IS NULL")
    if query.priority is not None:
        clauses.append("priority = %s")
        params.append(str(query.priority))
    return sql.SQL(" AND ").join(sql.SQL(clause) for clause in clauses), params


def _indexed(work: Callable[[PostgresTx], T], tx: PostgresTx) -> tuple[T, bool]:
    """Run a unit of work, then index (or queue for the indexer) what it changed."""
    result = work(tx)
    return result, tx.index_changes()


class PostgresStore:
    """The desk's storage on PostgreSQL: `async with await PostgresStore.open(url) as store`."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._changes = 0
        self._listeners: list[Callable[[], None]] = []
        self._listening: asyncio.Task[None] | None = None
        # Writes the search documents units queue (`storage.indexer`).
        self.indexer = Indexer(
            lambda: self.transact(lambda tx: tx.index_queued(sqlite_search.INDEX_BATCH)),
            sqlite_search.INDEX_BATCH,
            sqlite_search.INDEX_DELAY,
        )

    @classmethod
    async def open(cls, url: str) -> Self:
        store = cls(await Database.open(url))
        if await store.database.run(READ, search.queued):
            store.indexer.soon()  # queued before a crash, or by an instance since stopped
        return store

    async def transact(self, work: Callable[[PostgresTx], T]) -> T:
        """Run `work` in one transaction; run it again if PostgreSQL breaks a deadlock."""
        result: T
        result, queued = await self.database.run(
            WRITE, lambda connection: _indexed(work, PostgresTx(connection))
        )
        if queued:
            self.indexer.soon()
        return result

    async def read(self, work: Callable[[PostgresTx], T]) -> T:
        """Run `work` on one consistent snapshot."""
        return await self.database.run(
            READ, lambda connection: work(PostgresTx(connection, writing=False))
        )

    async def report(
        self, work: Callable[[reports.PostgresReports], T], workspace: str | None = None
    ) -> T:
        """Run `work` in one read-only snapshot on its own connection: it blocks no writer
        (with `workspace`, on that workspace's figures)."""
        return await self.database.run(
            REPORT, lambda connection: work(reports.PostgresReports(connection, workspace))
        )

    async def view(self, work: Callable[[views.PostgresViews], T]) -> T:
        """Run the web view's `work` in one read-only snapshot, like reports."""
        return await self.database.run(
            REPORT, lambda connection: work(views.PostgresViews(connection))
        )

    async def erase_freed(self) -> str | None:
        """Say how to rewrite the tables without old row versions (see storage.postgres.privacy)."""
        return privacy.REWRITE_ADVICE

    async def outside_changes(self) -> int:
        """A number that changes whenever any instance writes a due time or queues a notice.

        The migrations' triggers NOTIFY on every such commit and this store LISTENs on its
        own connection (opened on first use), so the lease holder hears of a reminder
        recorded on another instance at once. Its own writes count too: a spare look.
        """
        if self._listening is None or self._listening.done():  # never started, or failed
            ready = asyncio.get_running_loop().create_future()
            self._listening = asyncio.create_task(self._listen(ready), name="postgres listen")
            await ready
        return self._changes

    def on_outside_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` (on the event loop) whenever a due time or notice is written."""
        self._listeners.append(listener)

    async def _listen(self, ready: asyncio.Future[None]) -> None:
        """Count the notifications; after a lost connection, listen again and count one."""
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.database.url, autocommit=True
                ) as connection:
                    await connection.execute(LISTEN)
                    if not ready.done():
                        ready.set_result(None)
                    else:
                        self._heard_one()  # notifications may have been missed meanwhile
                    async for _ in connection.notifies():
                        self._heard_one()
            except psycopg.Error as error:
                if not ready.done():
                    ready.set_exception(error)
                    return
                log.warning("Lost the database's notifications (%s); listening again", error)
            await asyncio.sleep(RELISTEN_AFTER)

    def _heard_one(self) -> None:
        self._changes += 1
        for listener in self._listeners:
            listener()

    async def close(self) -> None:
        listening, self._listening = self._listening, None
        if listening is not None:
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError, psycopg.Error):
                await listening
        await self.indexer.stop()
        try:
            await self.indexer.write_all()  # leave the index whole; else the queue waits
        except psycopg.Error as error:
            log.warning("Closing with search documents still queued: %s", error)
        finally:
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
