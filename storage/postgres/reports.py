"""The digest's aggregate queries on PostgreSQL: the same figures as `storage.reports`.

Each reads an index range or a partial index from the schema (the same ones SQLite has).
An open-ended window ends at 'infinity'. Audit event kinds are parameters, bound from
`EventKind`, the one place that names them. A report of one workspace keeps the rows whose
ticket is in it, as `storage.reports` does: `{in_workspace <ticket id>}` marks where, or
`{workspace_is <column>}` where the row names its workspace (a clock).
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg

from handlers.digest.rows import (
    ActiveGroup,
    ActiveTicket,
    AgentActivity,
    ClockCount,
    DigestRecord,
    FlowCount,
    IncidentRow,
    Rating,
    Retained,
    RiskCount,
    SnippetUse,
    StoppedClock,
    StoppedSummary,
    Subject,
    SurveyCount,
    Window,
)
from handlers.models import EventKind, Found, Priority, SearchQuery, Status
from storage import quarters
from storage.forgetting import retained
from storage.postgres import search

# What the redactions recorded in a window did (see storage.forgetting). Retention and
# forgetting act on the whole desk, so a workspace's report says what they did desk-wide.
REDACTIONS = b"SELECT kind, counts FROM redactions WHERE at >= %(lo)s AND at < %(hi)s"

LAST_DIGEST = b"""
SELECT period_start, period_end, created_at, figures FROM digests
ORDER BY period_end DESC, id DESC LIMIT 1
"""

INSERT_DIGEST = b"""
INSERT INTO digests (period_start, period_end, created_at, figures) VALUES (%s, %s, %s, %s)
"""

# One index range scan of events(kind, at) per window and kind.
FLOWS = b"""
WITH windows AS (
    SELECT number, lo, coalesce(hi, 'infinity') AS hi
    FROM unnest(%(numbers)s::int[], %(starts)s::timestamptz[], %(ends)s::timestamptz[])
        AS w (number, lo, hi)
)
SELECT w.number, e.kind, count(*) FROM windows w
JOIN events e ON e.kind = ANY(%(kinds)s) AND e.at >= w.lo AND e.at < w.hi
WHERE TRUE {in_workspace e.ticket_id}
GROUP BY w.number, e.kind
"""
# The same counts of a workspace's whole quarters, from the rollup (migration 0011).
ROLLED_FLOWS = b"""
WITH windows AS (
    SELECT number, lo, coalesce(hi, 'infinity') AS hi
    FROM unnest(%(numbers)s::int[], %(starts)s::timestamptz[], %(ends)s::timestamptz[])
        AS w (number, lo, hi)
)
SELECT w.number, f.kind, sum(f.count)::bigint FROM windows w
JOIN flow_counts f ON f.workspace = %(workspace)s AND f.kind = ANY(%(kinds)s)
    AND f.quarter >= w.lo AND f.quarter < w.hi
GROUP BY w.number, f.kind
"""
FLOW_KINDS = [str(kind) for kind in (EventKind.OPENED, EventKind.RESOLVED, EventKind.REOPENED)]

ACTIVE = b"""
SELECT status, priority, assignee_key, max(assignee_name), count(*), min(created_at)
FROM tickets WHERE status IN ('open', 'claimed', 'waiting') {in_workspace tickets.id}
GROUP BY status, priority, assignee_key
"""

OLDEST_ACTIVE = b"""
SELECT id, subject, status, priority, assignee_name, created_at, permalink
FROM tickets WHERE status IN ('open', 'claimed', 'waiting') {in_workspace tickets.id}
ORDER BY created_at, id LIMIT %(limit)s
"""

STOPPED_CLOCKS = b"""
SELECT kind, used_seconds, target_seconds, breached_at FROM sla_clocks
WHERE kind IN ('first_response', 'resolution') AND stopped_at >= %(lo)s AND stopped_at < %(hi)s
  {workspace_is workspace}
"""

# The same clocks, counted by kind as `handlers.digest.figures.outcome` decides (see
# `storage.reports`).
STOPPED_SUMMARY = b"""
SELECT kind,
    count(*) FILTER (WHERE target_seconds IS NOT NULL AND breached_at IS NULL
        AND used_seconds <= target_seconds),
    count(*) FILTER (WHERE target_seconds IS NOT NULL AND (breached_at >= %(lo)s
        OR breached_at IS NULL AND used_seconds > target_seconds)),
    array_agg(used_seconds)
FROM sla_clocks
WHERE kind IN ('first_response', 'resolution') AND stopped_at >= %(lo)s AND stopped_at < %(hi)s
  {workspace_is workspace}
GROUP BY kind
"""

# Broken in the window by a clock that did not stop in it (see `storage.reports`).
MISSED_UNSTOPPED = b"""
SELECT kind, count(*) FROM (
    SELECT kind FROM sla_clocks
    WHERE kind IN ('first_response', 'resolution')
      AND breached_at >= %(lo)s AND breached_at < %(hi)s
      AND (stopped_at IS NULL OR stopped_at >= %(hi)s) {workspace_is workspace}
    UNION ALL
    SELECT kind FROM sla_clocks
    WHERE due_at >= %(lo)s AND due_at < %(hi)s AND due_at <= %(now)s AND breached_at IS NULL
      AND stopped_at IS NULL AND kind IN ('first_response', 'resolution')
      {workspace_is workspace}
) broken
GROUP BY kind
"""

# Unstopped clocks of active tickets, flagged as breached or due by the horizon; counted by
# kind, then by ticket (see `storage.reports`).
RISK = b"""
WITH active AS (
    SELECT id FROM tickets WHERE status IN ('open', 'claimed', 'waiting') {in_workspace tickets.id}
),
flags AS MATERIALIZED (
    SELECT ticket_id, kind, 1 AS breached FROM sla_clocks
    WHERE breached_at IS NOT NULL AND stopped_at IS NULL AND ticket_id IN (SELECT id FROM active)
    UNION ALL
    SELECT ticket_id, kind, (due_at <= %(now)s)::int FROM sla_clocks
    WHERE due_at IS NOT NULL AND due_at <= %(horizon)s AND breached_at IS NULL
      AND stopped_at IS NULL AND ticket_id IN (SELECT id FROM active)
)
SELECT kind, sum(breached)::int, sum(1 - breached)::int FROM flags GROUP BY kind
UNION ALL
SELECT NULL, coalesce(sum(breached), 0)::int, coalesce(sum(1 - breached), 0)::int
FROM (SELECT max(breached) AS breached FROM flags GROUP BY ticket_id) per_ticket
"""

# Tickets opened in the window, by subject: the raw material of recurring problems.
OPENED_SUBJECTS = b"""
SELECT t.id, t.subject FROM events e JOIN tickets t ON t.id = e.ticket_id
WHERE e.kind = %(kind)s AND e.at >= %(lo)s AND e.at < %(hi)s {in_workspace e.ticket_id}
ORDER BY e.at, e.id LIMIT %(limit)s
"""

# Resolutions by an answer suggested to the customer ("this solved it").
DEFLECTIONS = b"""
SELECT count(*) FROM events e
WHERE e.kind = %(kind)s AND e.at >= %(lo)s AND e.at < %(hi)s AND (e.data ->> 'deflected') = 'true'
  {in_workspace e.ticket_id}
"""

# Claims for the claimer, assignments for the assignee, resolutions for the holder, first
# responses for the agent who answered with its business time (see `storage.reports`).
AGENT_ACTIVITY = b"""
SELECT agent, max(name), kind, count(*),
       CASE WHEN kind = %(first)s THEN json_agg(seconds) END
FROM (
    SELECT e.actor_key AS agent, e.actor_name AS name, e.kind AS kind,
           NULL::double precision AS seconds
    FROM events e
    WHERE e.kind = %(claimed)s AND e.at >= %(lo)s AND e.at < %(hi)s AND e.actor_key IS NOT NULL
      {in_workspace e.ticket_id}
    UNION ALL
    SELECT e.data ->> 'to',
           CASE WHEN t.assignee_key = e.data ->> 'to' THEN t.assignee_name END, %(claimed)s, NULL
    FROM events e JOIN tickets t ON t.id = e.ticket_id
    WHERE e.kind = %(assigned)s AND e.at >= %(lo)s AND e.at < %(hi)s
      AND e.data ->> 'to' IS NOT NULL {in_workspace e.ticket_id}
    UNION ALL
    SELECT t.assignee_key, t.assignee_name, e.kind, NULL
    FROM events e JOIN tickets t ON t.id = e.ticket_id
    WHERE e.kind = %(resolved)s AND e.at >= %(lo)s AND e.at < %(hi)s
      AND t.assignee_key IS NOT NULL {in_workspace e.ticket_id}
    UNION ALL
    SELECT e.actor_key, e.actor_name, e.kind, c.used_seconds
    FROM events e JOIN sla_clocks c ON c.ticket_id = e.ticket_id AND c.kind = 'first_response'
    WHERE e.kind = %(first)s AND e.at >= %(lo)s AND e.at < %(hi)s AND e.actor_key IS NOT NULL
      AND c.stopped_at IS NOT NULL {workspace_is c.workspace}
) activity
GROUP BY agent, kind
"""

# A reply that used a saved reply is a `message` event naming it (`handlers.replies`); ties
# go by name in byte order, as in SQLite.
SNIPPET_USES = b"""
SELECT name, uses FROM (
    SELECT e.data ->> 'snippet' AS name, count(*) AS uses FROM events e
    WHERE e.kind = %(kind)s AND e.at >= %(lo)s AND e.at < %(hi)s
      AND e.data ->> 'snippet' IS NOT NULL {in_workspace e.ticket_id}
    GROUP BY 1
) used
ORDER BY uses DESC, name COLLATE "C" LIMIT %(limit)s
"""

# Ratings first given in the window (a changed rating keeps its place), with their ticket.
RATINGS = b"""
SELECT s.ticket_id, t.subject, t.permalink, s.agent_key, s.agent_name, s.score, s.comment,
       s.answered_at
FROM surveys s JOIN tickets t ON t.id = s.ticket_id
WHERE s.answered_at >= %(lo)s AND s.answered_at < %(hi)s {in_workspace s.ticket_id}
"""

SURVEYS_ASKED = b"""
SELECT count(*), count(answered_at) FROM surveys
WHERE asked AND asked_at >= %(lo)s AND asked_at < %(hi)s {in_workspace ticket_id}
"""


# Incidents open at some time in the window, each with the tickets it affected.
INCIDENTS = b"""
SELECT i.id, i.title, i.status, i.started_at, i.resolved_at,
    (SELECT count(*) FROM incident_links l WHERE l.incident_id = i.id
        AND l.unlinked_at IS NULL) AS tickets
FROM incidents i WHERE i.started_at < %(hi)s AND (i.resolved_at IS NULL OR i.resolved_at >= %(lo)s)
    {workspace_is i.workspace}
ORDER BY i.id
"""
# A ticket of the report's workspace.
IN_WORKSPACE = (
    "AND EXISTS (SELECT 1 FROM tickets w WHERE w.id = {ticket} AND w.workspace = %(workspace)s)"
)


@functools.cache
def scoped(query: bytes, scoped: bool) -> bytes:
    """The statement for a report of one workspace, or of the whole desk."""

    def condition(found: re.Match[str]) -> str:
        if not scoped:
            return ""
        if found.group(1) == "workspace_is":  # a clock's own workspace
            return f"AND {found.group(2)} = %(workspace)s"
        return IN_WORKSPACE.format(ticket=found.group(2))

    return re.sub(r"\{(in_workspace|workspace_is) ([\w.]+)\}", condition, query.decode()).encode()


def bounds(window: Window) -> dict[str, Any]:
    """The window's ends; an open end is 'infinity', later than any stored time."""
    return {"lo": window.start, "hi": "infinity" if window.end is None else window.end}


class PostgresReports:
    """The reports port over a connection, inside a read-only transaction the caller holds;
    with `workspace`, every figure but the last digest counts that workspace's tickets only."""

    def __init__(self, connection: psycopg.Connection[Any], workspace: str | None = None) -> None:
        self._connection = connection
        self._workspace = workspace

    def _rows(self, query: bytes, params: dict[str, Any] | None = None) -> list[Any]:
        named = dict(params or {})
        if b"{in_workspace" in query or b"{workspace_is" in query:
            query = scoped(query, self._workspace is not None)
            named["workspace"] = self._workspace
        return self._fetch(query, named or None)

    def _fetch(self, query: bytes, params: dict[str, Any] | None) -> list[Any]:
        return self._connection.execute(query, params).fetchall()

    def search(self, query: SearchQuery) -> list[Found]:
        return search.search(self._connection, query)

    def last_digest(self) -> DigestRecord | None:
        found = self._rows(LAST_DIGEST)
        if not found:
            return None
        start, end, created, figures = found[0]
        return DigestRecord(start, end, created, json.loads(figures))

    def flows(self, windows: Sequence[Window]) -> list[FlowCount]:
        if self._workspace is None:
            return self._flows(
                FLOWS, [quarters.Part(n, w.start, w.end) for n, w in enumerate(windows)]
            )
        # A workspace's whole quarters from the rollup, the minutes around them live.
        whole, rest = quarters.cut(windows)
        counted: Counter[tuple[int, str]] = Counter()
        for statement, parts in ((ROLLED_FLOWS, whole), (FLOWS, rest)):
            for flow in self._flows(statement, parts):
                counted[flow.window, flow.kind] += flow.count
        return [FlowCount(number, kind, count) for (number, kind), count in counted.items()]

    def _flows(self, statement: bytes, parts: list[quarters.Part]) -> list[FlowCount]:
        if not parts:
            return []
        params = {
            "numbers": [part.number for part in parts],
            "starts": [part.start for part in parts],
            "ends": [part.end for part in parts],
            "kinds": FLOW_KINDS,
            "workspace": self._workspace,
        }
        return [
            FlowCount(number, EventKind(kind), count)
            for number, kind, count in self._rows(statement, params)
        ]

    def active(self) -> list[ActiveGroup]:
        return [
            ActiveGroup(Status(status), Priority(priority), key, name, count, oldest)
            for status, priority, key, name, count, oldest in self._rows(ACTIVE)
        ]

    def oldest_active(self, limit: int) -> list[ActiveTicket]:
        return [
            ActiveTicket(id_, subject, Status(status), Priority(priority), assignee, created, link)
            for id_, subject, status, priority, assignee, created, link in self._rows(
                OLDEST_ACTIVE, {"limit": limit}
            )
        ]

    def stopped_clocks(self, window: Window) -> list[StoppedClock]:
        return [
            StoppedClock(kind, used, target, breached)
            for kind, used, target, breached in self._rows(STOPPED_CLOCKS, bounds(window))
        ]

    def stopped_summary(self, window: Window) -> list[StoppedSummary]:
        return [
            StoppedSummary(kind, met, missed, tuple(seconds))
            for kind, met, missed, seconds in self._rows(STOPPED_SUMMARY, bounds(window))
        ]

    def missed_unstopped(self, window: Window, now: datetime) -> list[ClockCount]:
        found = self._rows(MISSED_UNSTOPPED, {**bounds(window), "now": now})
        return [ClockCount(kind, count) for kind, count in found]

    def risk(self, now: datetime, horizon: datetime) -> list[RiskCount]:
        found = self._rows(RISK, {"now": now, "horizon": horizon})
        return [RiskCount(kind, breached, soon) for kind, breached, soon in found]

    def opened_subjects(self, window: Window, limit: int) -> list[Subject]:
        params = {**bounds(window), "kind": str(EventKind.OPENED), "limit": limit}
        return [Subject(id_, subject) for id_, subject in self._rows(OPENED_SUBJECTS, params)]

    def deflections(self, window: Window) -> int:
        params = {**bounds(window), "kind": str(EventKind.RESOLVED)}
        return int(self._rows(DEFLECTIONS, params)[0][0])

    def agent_activity(self, window: Window) -> list[AgentActivity]:
        kinds = {
            "first": str(EventKind.FIRST_RESPONSE),
            "claimed": str(EventKind.CLAIMED),
            "assigned": str(EventKind.ASSIGNED),
            "resolved": str(EventKind.RESOLVED),
        }
        return [
            AgentActivity(key, name, EventKind(kind), count, tuple(json.loads(seconds or "[]")))
            for key, name, kind, count, seconds in self._rows(
                AGENT_ACTIVITY, {**kinds, **bounds(window)}
            )
        ]

    def snippet_uses(self, window: Window, limit: int) -> list[SnippetUse]:
        params = {**bounds(window), "kind": str(EventKind.MESSAGE), "limit": limit}
        return [SnippetUse(name, uses) for name, uses in self._rows(SNIPPET_USES, params)]

    def ratings(self, window: Window) -> list[Rating]:
        return [
            Rating(id_, subject, link, key, name, score, comment, answered)
            for id_, subject, link, key, name, score, comment, answered in self._rows(
                RATINGS, bounds(window)
            )
        ]

    def retained(self, window: Window) -> Retained:
        return retained(self._rows(REDACTIONS, bounds(window)))

    def surveys_asked(self, window: Window) -> SurveyCount:
        asked, answered = self._rows(SURVEYS_ASKED, bounds(window))[0]
        return SurveyCount(asked, answered)

    def incidents(self, window: Window) -> list[IncidentRow]:
        return [
            IncidentRow(int(n), title, status, at, done, int(tickets))
            for n, title, status, at, done, tickets in self._rows(INCIDENTS, bounds(window))
        ]


def record_digest(connection: psycopg.Connection[Any], record: DigestRecord) -> None:
    """Insert a posted digest (inside the caller's write transaction)."""
    figures = json.dumps(dict(record.figures), sort_keys=True)
    connection.execute(
        INSERT_DIGEST, (record.period_start, record.period_end, record.created_at, figures)
    )
