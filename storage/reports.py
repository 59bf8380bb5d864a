"""The digest's aggregate queries: each one index-driven, so a million tickets cost little.

Every query reads only an index range or a small partial index (see migration 0004): the
audit log by (kind, at), the clocks by stop, breach and due time, the active tickets through
their own covering index. None of them scans the history of closed tickets.

The status lists below are literals, not parameters, so that SQLite can prove that a query
only wants active tickets and use the partial index `tickets_active`. Audit event kinds are
parameters, bound from `EventKind`: the enum is the one place that names them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from handlers.digest.rows import (
    ActiveGroup,
    ActiveTicket,
    AgentActivity,
    ClockCount,
    DigestRecord,
    FlowCount,
    Rating,
    RiskCount,
    SnippetUse,
    StoppedClock,
    Subject,
    SurveyCount,
    Window,
)
from handlers.models import EventKind, Found, Priority, SearchQuery, Status
from storage import rows, search

# The tickets opened in a window, by the `opened` events: one index range of events(kind, at).
OPENED_SUBJECTS = """
SELECT t.id, t.subject FROM events e JOIN tickets t ON t.id = e.ticket_id
WHERE e.kind = ? AND e.at >= ? AND e.at < ? ORDER BY e.at, e.id LIMIT ?
"""

# Resolutions by an answer suggested to the customer ("this solved it").
DEFLECTIONS = """
SELECT count(*) FROM events
WHERE kind = ? AND at >= ? AND at < ? AND data ->> '$.deflected' = 1
"""

# Later than any stored time: the end of an open-ended window.
FOREVER = "9999-12-31T23:59:59.999999Z"

LAST_DIGEST = """
SELECT period_start, period_end, created_at, figures FROM digests
ORDER BY period_end DESC, id DESC LIMIT 1
"""

INSERT_DIGEST = """
INSERT INTO digests (period_start, period_end, created_at, figures) VALUES (?, ?, ?, ?)
"""

# One index range scan of events(kind, at) per window and kind.
FLOWS = """
WITH windows AS (
    SELECT key AS number, value ->> 0 AS lo, value ->> 1 AS hi FROM json_each(?)
)
SELECT w.number, e.kind, count(*) FROM windows w
JOIN events e ON e.kind IN (?, ?, ?) AND e.at >= w.lo AND e.at < w.hi
GROUP BY w.number, e.kind
"""
FLOW_KINDS = (EventKind.OPENED, EventKind.RESOLVED, EventKind.REOPENED)

ACTIVE = """
SELECT status, priority, assignee_key, max(assignee_name), count(*), min(created_at)
FROM tickets WHERE status IN ('open', 'claimed', 'waiting')
GROUP BY status, priority, assignee_key
"""

OLDEST_ACTIVE = """
SELECT id, subject, status, priority, assignee_name, created_at, permalink
FROM tickets WHERE status IN ('open', 'claimed', 'waiting')
ORDER BY created_at, id LIMIT ?
"""

STOPPED_CLOCKS = """
SELECT kind, used_seconds, target_seconds, breached_at FROM sla_clocks
WHERE kind IN ('first_response', 'resolution') AND stopped_at >= ? AND stopped_at < ?
"""

# Broken in the window by a clock that did not stop in it: flagged by the sweep then, or
# overdue and not flagged yet (the sweep may lag; a running clock past due_at is breached).
MISSED_UNSTOPPED = """
SELECT kind, count(*) FROM (
    SELECT kind FROM sla_clocks
    WHERE kind IN ('first_response', 'resolution') AND breached_at >= ? AND breached_at < ?
      AND (stopped_at IS NULL OR stopped_at >= ?)
    UNION ALL
    SELECT kind FROM sla_clocks
    WHERE due_at >= ? AND due_at < ? AND due_at <= ? AND breached_at IS NULL
      AND stopped_at IS NULL AND kind IN ('first_response', 'resolution')
)
GROUP BY kind
"""

# Unstopped clocks of active tickets, flagged as breached or due by the horizon; counted by
# kind, then by ticket: a ticket breached on two promises is one ticket, and a breached
# ticket is not also "at risk". `+ticket_id` keeps SQLite reading the two small covering
# indexes and checking each id against the active tickets' own index, instead of looking up
# every active ticket's clocks.
RISK = """
WITH active AS (SELECT id FROM tickets WHERE status IN ('open', 'claimed', 'waiting')),
flags AS MATERIALIZED (
    SELECT ticket_id, kind, 1 AS breached FROM sla_clocks
    WHERE breached_at IS NOT NULL AND stopped_at IS NULL AND +ticket_id IN active
    UNION ALL
    SELECT ticket_id, kind, due_at <= ? FROM sla_clocks
    WHERE due_at IS NOT NULL AND due_at <= ? AND breached_at IS NULL AND stopped_at IS NULL
      AND +ticket_id IN active
)
SELECT kind, sum(breached), sum(1 - breached) FROM flags GROUP BY kind
UNION ALL
SELECT NULL, coalesce(sum(breached), 0), coalesce(sum(1 - breached), 0)
FROM (SELECT max(breached) AS breached FROM flags GROUP BY ticket_id)
"""

# Claims count for the claimer, assignments for the assignee; resolutions for the ticket's
# holder (whoever pressed resolve: the agent, the customer, an automatic follow-up); first
# responses for the agent who answered, with the business time each answer took (what
# counts as one is decided once, in `handlers.changes`, which writes both). Each row
# is labelled with the event kind it counts as (an assignment counts as a claim); the kinds
# are bound in the order `activity_params` gives them.
AGENT_ACTIVITY = """
SELECT agent, max(name), kind, count(*),
       CASE WHEN kind = ? THEN json_group_array(seconds) END
FROM (
    SELECT e.actor_key AS agent, e.actor_name AS name, e.kind AS kind, NULL AS seconds
    FROM events e
    WHERE e.kind = ? AND e.at >= ? AND e.at < ? AND e.actor_key IS NOT NULL
    UNION ALL
    SELECT e.data ->> '$.to',
           CASE WHEN t.assignee_key = e.data ->> '$.to' THEN t.assignee_name END, ?, NULL
    FROM events e JOIN tickets t ON t.id = e.ticket_id
    WHERE e.kind = ? AND e.at >= ? AND e.at < ? AND e.data ->> '$.to' IS NOT NULL
    UNION ALL
    SELECT t.assignee_key, t.assignee_name, e.kind, NULL
    FROM events e JOIN tickets t ON t.id = e.ticket_id
    WHERE e.kind = ? AND e.at >= ? AND e.at < ? AND t.assignee_key IS NOT NULL
    UNION ALL
    SELECT e.actor_key, e.actor_name, e.kind, c.used_seconds
    FROM events e JOIN sla_clocks c ON c.ticket_id = e.ticket_id AND c.kind = 'first_response'
    WHERE e.kind = ? AND e.at >= ? AND e.at < ? AND e.actor_key IS NOT NULL
      AND c.stopped_at IS NOT NULL
)
GROUP BY agent, kind
"""


# A reply that used a saved reply is a `message` event naming it (`handlers.replies`).
SNIPPET_USES = """
SELECT e.data ->> '$.snippet' AS name, count(*) AS uses FROM events e
WHERE e.kind = ? AND e.at >= ? AND e.at < ? AND e.data ->> '$.snippet' IS NOT NULL
GROUP BY name ORDER BY uses DESC, name LIMIT ?
"""

# Ratings first given in the window (a changed rating keeps its place), with their ticket.
RATINGS = """
SELECT s.ticket_id, t.subject, t.permalink, s.agent_key, s.agent_name, s.score, s.comment,
       s.answered_at
FROM surveys s JOIN tickets t ON t.id = s.ticket_id
WHERE s.answered_at >= ? AND s.answered_at < ?
"""

SURVEYS_ASKED = """
SELECT count(*), count(answered_at) FROM surveys WHERE asked = 1 AND asked_at >= ? AND asked_at < ?
"""


def activity_params(lo: str, hi: str) -> tuple[str, ...]:
    """`AGENT_ACTIVITY`'s parameters: the event kinds where they appear, and the window."""
    claimed, first = EventKind.CLAIMED, EventKind.FIRST_RESPONSE
    return (
        *(first, claimed, lo, hi),
        *(claimed, EventKind.ASSIGNED, lo, hi),
        *(EventKind.RESOLVED, lo, hi),
        *(first, lo, hi),
    )


def bounds(window: Window) -> tuple[str, str]:
    """The window's ends as stored text; an open end is later than any stored time."""
    end = FOREVER if window.end is None else rows.to_db(window.end)
    return rows.to_db(window.start), end


class SqliteReports:
    """The reports port over a raw connection, inside a read transaction the caller holds."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    def _rows(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        return self._raw.execute(sql, params).fetchall()

    def search(self, query: SearchQuery) -> list[Found]:
        return search.search(self._raw, query)

    def last_digest(self) -> DigestRecord | None:
        found = self._rows(LAST_DIGEST)
        if not found:
            return None
        start, end, created, figures = found[0]
        return DigestRecord(
            rows.from_db(start), rows.from_db(end), rows.from_db(created), json.loads(figures)
        )

    def flows(self, windows: Sequence[Window]) -> list[FlowCount]:
        spans = json.dumps([bounds(window) for window in windows])
        return [
            FlowCount(number, EventKind(kind), count)
            for number, kind, count in self._rows(FLOWS, spans, *FLOW_KINDS)
        ]

    def active(self) -> list[ActiveGroup]:
        return [
            ActiveGroup(Status(status), Priority(priority), key, name, count, rows.from_db(oldest))
            for status, priority, key, name, count, oldest in self._rows(ACTIVE)
        ]

    def oldest_active(self, limit: int) -> list[ActiveTicket]:
        return [
            ActiveTicket(
                id_,
                subject,
                Status(status),
                Priority(priority),
                assignee,
                rows.from_db(created),
                permalink,
            )
            for id_, subject, status, priority, assignee, created, permalink in self._rows(
                OLDEST_ACTIVE, limit
            )
        ]

    def stopped_clocks(self, window: Window) -> list[StoppedClock]:
        return [
            StoppedClock(kind, used, target, rows.maybe_from_db(breached))
            for kind, used, target, breached in self._rows(STOPPED_CLOCKS, *bounds(window))
        ]

    def missed_unstopped(self, window: Window, now: datetime) -> list[ClockCount]:
        lo, hi = bounds(window)
        found = self._rows(MISSED_UNSTOPPED, lo, hi, hi, lo, hi, rows.to_db(now))
        return [ClockCount(kind, count) for kind, count in found]

    def risk(self, now: datetime, horizon: datetime) -> list[RiskCount]:
        found = self._rows(RISK, rows.to_db(now), rows.to_db(horizon))
        return [RiskCount(kind, breached, soon) for kind, breached, soon in found]

    def opened_subjects(self, window: Window, limit: int) -> list[Subject]:
        lo, hi = bounds(window)
        found = self._rows(OPENED_SUBJECTS, str(EventKind.OPENED), lo, hi, limit)
        return [Subject(row[0], row[1]) for row in found]

    def deflections(self, window: Window) -> int:
        lo, hi = bounds(window)
        return int(self._rows(DEFLECTIONS, str(EventKind.RESOLVED), lo, hi)[0][0])

    def agent_activity(self, window: Window) -> list[AgentActivity]:
        return [
            AgentActivity(key, name, EventKind(kind), count, tuple(json.loads(seconds or "[]")))
            for key, name, kind, count, seconds in self._rows(
                AGENT_ACTIVITY, *activity_params(*bounds(window))
            )
        ]

    def snippet_uses(self, window: Window, limit: int) -> list[SnippetUse]:
        found = self._rows(SNIPPET_USES, EventKind.MESSAGE, *bounds(window), limit)
        return [SnippetUse(name, uses) for name, uses in found]

    def ratings(self, window: Window) -> list[Rating]:
        return [
            Rating(id_, subject, link, key, name, score, comment, rows.from_db(answered))
            for id_, subject, link, key, name, score, comment, answered in self._rows(
                RATINGS, *bounds(window)
            )
        ]

    def surveys_asked(self, window: Window) -> SurveyCount:
        asked, answered = self._rows(SURVEYS_ASKED, *bounds(window))[0]
        return SurveyCount(asked, answered)


def record_digest(raw: sqlite3.Connection, record: DigestRecord) -> None:
    """Insert a posted digest (inside the caller's write transaction)."""
    raw.execute(
        INSERT_DIGEST,
        (
            rows.to_db(record.period_start),
            rows.to_db(record.period_end),
            rows.to_db(record.created_at),
            json.dumps(dict(record.figures), sort_keys=True),
        ),
    )
