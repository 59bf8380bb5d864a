"""The digest's aggregate queries: each one index-driven, so a million tickets cost little.

Every query reads only an index range or a small partial index (see migration 0004): the
audit log by (kind, at), the clocks by stop, breach and due time, the active tickets through
their own covering index. None of them scans the history of closed tickets.

A report of one workspace (`SqliteReports(raw, workspace)`) reads the same ranges and keeps
the rows whose ticket is in that workspace: each `{in_workspace <ticket id>}` below becomes
a look-up of that ticket (migration 0016 indexes tickets by id and workspace, so the look-up
reads that small index, not the ticket), each `{workspace_is <column>}` a check of a
workspace the statement reads anyway: a clock's own (migration 0016 gives each clock its
ticket's, and indexes the stopped ones by it), or a ticket's it joins (`+` there keeps SQLite
from driving the statement by workspace); a report of the whole desk reads no ticket for it.

The status lists below are literals, not parameters, so that SQLite can prove that a query
only wants active tickets and use the partial index `tickets_active`. Audit event kinds are
parameters, bound from `EventKind`: the enum is the one place that names them.
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
from collections import Counter
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
from storage import quarters, rows, search
from storage.forgetting import retained

# What the redactions recorded in a window did (see storage.forgetting). Retention and
# forgetting act on the whole desk, so a workspace's report says what they did desk-wide.
REDACTIONS = "SELECT kind, counts FROM redactions WHERE at >= :lo AND at < :hi"

# The tickets opened in a window, by the `opened` events: one index range of events(kind, at).
OPENED_SUBJECTS = """
SELECT t.id, t.subject FROM events e JOIN tickets t ON t.id = e.ticket_id
WHERE e.kind = :kind AND e.at >= :lo AND e.at < :hi {workspace_is +t.workspace}
ORDER BY e.at, e.id LIMIT :limit
"""

# Resolutions by an answer suggested to the customer ("this solved it").
DEFLECTIONS = """
SELECT count(*) FROM events e
WHERE e.kind = :kind AND e.at >= :lo AND e.at < :hi AND e.data ->> '$.deflected' = 1
  {in_workspace e.ticket_id}
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

# One index range scan of events(kind, at) per window and kind; windows are [number, lo, hi].
FLOWS = """
WITH windows AS (
    SELECT value ->> 0 AS number, value ->> 1 AS lo, value ->> 2 AS hi FROM json_each(:windows)
)
SELECT w.number, e.kind, count(*) FROM windows w
JOIN events e ON e.kind IN (:opened, :resolved, :reopened) AND e.at >= w.lo AND e.at < w.hi
WHERE 1 {in_workspace e.ticket_id}
GROUP BY w.number, e.kind
"""
# The same counts of a workspace's whole quarters, from the rollup (migration 0016).
ROLLED_FLOWS = """
WITH windows AS (
    SELECT value ->> 0 AS number, value ->> 1 AS lo, value ->> 2 AS hi FROM json_each(:windows)
)
SELECT w.number, f.kind, sum(f.count) FROM windows w
JOIN flow_counts f ON f.workspace = :workspace AND f.kind IN (:opened, :resolved, :reopened)
    AND f.quarter >= w.lo AND f.quarter < w.hi
GROUP BY w.number, f.kind
"""
FLOW_KINDS = {
    kind.value: kind for kind in (EventKind.OPENED, EventKind.RESOLVED, EventKind.REOPENED)
}

ACTIVE = """
SELECT status, priority, assignee_key, max(assignee_name), count(*), min(created_at)
FROM tickets WHERE status IN ('open', 'claimed', 'waiting') {in_workspace tickets.id}
GROUP BY status, priority, assignee_key
"""

OLDEST_ACTIVE = """
SELECT id, subject, status, priority, assignee_name, created_at, permalink
FROM tickets WHERE status IN ('open', 'claimed', 'waiting') {in_workspace tickets.id}
ORDER BY created_at, id LIMIT :limit
"""

STOPPED_CLOCKS = """
SELECT kind, used_seconds, target_seconds, breached_at FROM sla_clocks
WHERE kind IN ('first_response', 'resolution') AND stopped_at >= :lo AND stopped_at < :hi
  {workspace_is workspace}
"""

# The same clocks, counted by kind as `handlers.digest.figures.outcome` decides: kept (within
# a promise, never flagged), broken in the window (flagged in it, or over the promise and not
# flagged), and every clock's business time.
STOPPED_SUMMARY = """
SELECT kind,
    count(CASE WHEN target_seconds IS NOT NULL AND breached_at IS NULL
        AND used_seconds <= target_seconds THEN 1 END),
    count(CASE WHEN target_seconds IS NOT NULL AND (breached_at >= :lo
        OR breached_at IS NULL AND used_seconds > target_seconds) THEN 1 END),
    json_group_array(used_seconds)
FROM sla_clocks
WHERE kind IN ('first_response', 'resolution') AND stopped_at >= :lo AND stopped_at < :hi
  {workspace_is workspace}
GROUP BY kind
"""

# Broken in the window by a clock that did not stop in it: flagged by the sweep then, or
# overdue and not flagged yet (the sweep may lag; a running clock past due_at is breached).
MISSED_UNSTOPPED = """
SELECT kind, count(*) FROM (
    SELECT kind FROM sla_clocks
    WHERE kind IN ('first_response', 'resolution') AND breached_at >= :lo AND breached_at < :hi
      AND (stopped_at IS NULL OR stopped_at >= :hi) {workspace_is workspace}
    UNION ALL
    SELECT kind FROM sla_clocks
    WHERE due_at >= :lo AND due_at < :hi AND due_at <= :now AND breached_at IS NULL
      AND stopped_at IS NULL AND kind IN ('first_response', 'resolution')
      {workspace_is workspace}
)
GROUP BY kind
"""

# Unstopped clocks of active tickets, flagged as breached or due by the horizon; counted by
# kind, then by ticket: a ticket breached on two promises is one ticket, and a breached
# ticket is not also "at risk". `+ticket_id` keeps SQLite reading the two small covering
# indexes and checking each id against the active tickets' own index, instead of looking up
# every active ticket's clocks.
RISK = """
WITH active AS (
    SELECT id FROM tickets WHERE status IN ('open', 'claimed', 'waiting') {in_workspace tickets.id}
),
flags AS MATERIALIZED (
    SELECT ticket_id, kind, 1 AS breached FROM sla_clocks
    WHERE breached_at IS NOT NULL AND stopped_at IS NULL AND +ticket_id IN active
    UNION ALL
    SELECT ticket_id, kind, due_at <= :now FROM sla_clocks
    WHERE due_at IS NOT NULL AND due_at <= :horizon AND breached_at IS NULL AND stopped_at IS NULL
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
# counts as one is decided once, in `handlers.changes`, which writes both). Each part is
# counted by agent on its own (a sort of one kind's rows, not of a month's every row) and
# labelled with the event kind it counts as: an assignment counts as a claim.
AGENT_ACTIVITY = """
SELECT agent, max(name), kind, sum(done), max(seconds) FROM (
    SELECT e.actor_key AS agent, max(e.actor_name) AS name, e.kind AS kind, count(*) AS done,
           NULL AS seconds
    FROM events e
    WHERE e.kind = :claimed AND e.at >= :lo AND e.at < :hi AND e.actor_key IS NOT NULL
      {in_workspace e.ticket_id}
    GROUP BY e.actor_key
    UNION ALL
    SELECT e.data ->> '$.to',
           max(CASE WHEN t.assignee_key = e.data ->> '$.to' THEN t.assignee_name END),
           :claimed, count(*), NULL
    FROM events e JOIN tickets t ON t.id = e.ticket_id
    WHERE e.kind = :assigned AND e.at >= :lo AND e.at < :hi AND e.data ->> '$.to' IS NOT NULL
      {workspace_is +t.workspace}
    GROUP BY 1
    UNION ALL
    SELECT t.assignee_key, max(t.assignee_name), e.kind, count(*), NULL
    FROM events e JOIN tickets t ON t.id = e.ticket_id
    WHERE e.kind = :resolved AND e.at >= :lo AND e.at < :hi AND t.assignee_key IS NOT NULL
      {workspace_is +t.workspace}
    GROUP BY t.assignee_key
    UNION ALL
    SELECT e.actor_key, max(e.actor_name), e.kind, count(*), json_group_array(c.used_seconds)
    FROM events e JOIN sla_clocks c ON c.ticket_id = e.ticket_id AND c.kind = 'first_response'
    WHERE e.kind = :first AND e.at >= :lo AND e.at < :hi AND e.actor_key IS NOT NULL
      AND c.stopped_at IS NOT NULL {workspace_is c.workspace}
    GROUP BY e.actor_key
)
GROUP BY agent, kind
"""
ACTIVITY_KINDS = {
    "first": EventKind.FIRST_RESPONSE,
    "claimed": EventKind.CLAIMED,
    "assigned": EventKind.ASSIGNED,
    "resolved": EventKind.RESOLVED,
}


# A reply that used a saved reply is a `message` event naming it (`handlers.replies`).
SNIPPET_USES = """
SELECT e.data ->> '$.snippet' AS name, count(*) AS uses FROM events e
WHERE e.kind = :kind AND e.at >= :lo AND e.at < :hi AND e.data ->> '$.snippet' IS NOT NULL
  {in_workspace e.ticket_id}
GROUP BY name ORDER BY uses DESC, name LIMIT :limit
"""

# Ratings first given in the window (a changed rating keeps its place), with their ticket.
RATINGS = """
SELECT s.ticket_id, t.subject, t.permalink, s.agent_key, s.agent_name, s.score, s.comment,
       s.answered_at
FROM surveys s JOIN tickets t ON t.id = s.ticket_id
WHERE s.answered_at >= :lo AND s.answered_at < :hi {workspace_is +t.workspace}
"""

SURVEYS_ASKED = """
SELECT count(*), count(answered_at) FROM surveys
WHERE asked = 1 AND asked_at >= :lo AND asked_at < :hi {in_workspace ticket_id}
"""


# A ticket of the report's workspace: its id and workspace are read from one small index.
IN_WORKSPACE = (
    "AND EXISTS (SELECT 1 FROM tickets w INDEXED BY tickets_by_id_workspace"
    " WHERE w.id = {ticket} AND w.workspace = :workspace)"
)


@functools.cache
def scoped(sql: str, scoped: bool) -> str:
    """The statement for a report of one workspace, or of the whole desk."""

    def condition(found: re.Match[str]) -> str:
        if not scoped:
            return ""
        if found.group(1) == "workspace_is":
            return f"AND {found.group(2)} = :workspace"
        return IN_WORKSPACE.format(ticket=found.group(2))

    return re.sub(r"\{(in_workspace|workspace_is) ([\w.+]+)\}", condition, sql)


# Incidents open at some time in the window, each with the tickets it affected.
INCIDENTS = """
SELECT i.id, i.title, i.status, i.started_at, i.resolved_at,
    (SELECT count(*) FROM incident_links l WHERE l.incident_id = i.id
        AND l.unlinked_at IS NULL) AS tickets
FROM incidents i WHERE i.started_at < :hi AND (i.resolved_at IS NULL OR i.resolved_at >= :lo)
    {workspace_is i.workspace}
ORDER BY i.id
"""


def bounds(window: Window) -> tuple[str, str]:
    """The window's ends as stored text; an open end is later than any stored time."""
    end = FOREVER if window.end is None else rows.to_db(window.end)
    return rows.to_db(window.start), end


def span(window: Window) -> dict[str, str]:
    """The window's ends as the statements' `:lo` and `:hi`."""
    lo, hi = bounds(window)
    return {"lo": lo, "hi": hi}


class SqliteReports:
    """The reports port over a raw connection, inside a read transaction the caller holds;
    with `workspace`, every figure but the last digest counts that workspace's tickets only."""

    def __init__(self, raw: sqlite3.Connection, workspace: str | None = None) -> None:
        self._raw = raw
        self._workspace = workspace

    def _rows(self, sql: str, params: dict[str, Any] | None = None) -> list[sqlite3.Row]:
        named = {**(params or {}), "workspace": self._workspace}
        return self._fetch(scoped(sql, self._workspace is not None), named)

    def _fetch(self, sql: str, params: dict[str, Any]) -> list[sqlite3.Row]:
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
        if self._workspace is None:
            return self._flows(FLOWS, list(enumerate(windows)))
        # A workspace's whole quarters from the rollup, the minutes around them live.
        whole, rest = quarters.cut(windows)
        counted: Counter[tuple[int, str]] = Counter()
        for statement, parts in ((ROLLED_FLOWS, whole), (FLOWS, rest)):
            spans = [(part.number, Window(part.start, part.end)) for part in parts]
            for flow in self._flows(statement, spans):
                counted[flow.window, flow.kind] += flow.count
        return [FlowCount(number, kind, count) for (number, kind), count in counted.items()]

    def _flows(self, statement: str, windows: list[tuple[int, Window]]) -> list[FlowCount]:
        if not windows:
            return []
        spans = json.dumps([(number, *bounds(window)) for number, window in windows])
        return [
            FlowCount(number, EventKind(kind), count)
            for number, kind, count in self._rows(statement, {"windows": spans, **FLOW_KINDS})
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
                OLDEST_ACTIVE, {"limit": limit}
            )
        ]

    def stopped_clocks(self, window: Window) -> list[StoppedClock]:
        return [
            StoppedClock(kind, used, target, rows.maybe_from_db(breached))
            for kind, used, target, breached in self._rows(STOPPED_CLOCKS, span(window))
        ]

    def stopped_summary(self, window: Window) -> list[StoppedSummary]:
        return [
            StoppedSummary(kind, met, missed, tuple(json.loads(seconds)))
            for kind, met, missed, seconds in self._rows(STOPPED_SUMMARY, span(window))
        ]

    def missed_unstopped(self, window: Window, now: datetime) -> list[ClockCount]:
        found = self._rows(MISSED_UNSTOPPED, {**span(window), "now": rows.to_db(now)})
        return [ClockCount(kind, count) for kind, count in found]

    def risk(self, now: datetime, horizon: datetime) -> list[RiskCount]:
        found = self._rows(RISK, {"now": rows.to_db(now), "horizon": rows.to_db(horizon)})
        return [RiskCount(kind, breached, soon) for kind, breached, soon in found]

    def opened_subjects(self, window: Window, limit: int) -> list[Subject]:
        params = {**span(window), "kind": str(EventKind.OPENED), "limit": limit}
        return [Subject(row[0], row[1]) for row in self._rows(OPENED_SUBJECTS, params)]

    def deflections(self, window: Window) -> int:
        params = {**span(window), "kind": str(EventKind.RESOLVED)}
        return int(self._rows(DEFLECTIONS, params)[0][0])

    def agent_activity(self, window: Window) -> list[AgentActivity]:
        return [
            AgentActivity(key, name, EventKind(kind), count, tuple(json.loads(seconds or "[]")))
            for key, name, kind, count, seconds in self._rows(
                AGENT_ACTIVITY, {**span(window), **ACTIVITY_KINDS}
            )
        ]

    def snippet_uses(self, window: Window, limit: int) -> list[SnippetUse]:
        params = {**span(window), "kind": str(EventKind.MESSAGE), "limit": limit}
        return [SnippetUse(name, uses) for name, uses in self._rows(SNIPPET_USES, params)]

    def ratings(self, window: Window) -> list[Rating]:
        return [
            Rating(id_, subject, link, key, name, score, comment, rows.from_db(answered))
            for id_, subject, link, key, name, score, comment, answered in self._rows(
                RATINGS, span(window)
            )
        ]

    def retained(self, window: Window) -> Retained:
        found = self._rows(REDACTIONS, span(window))
        return retained([(kind, counts) for kind, counts in found])

    def surveys_asked(self, window: Window) -> SurveyCount:
        asked, answered = self._rows(SURVEYS_ASKED, span(window))[0]
        return SurveyCount(asked, answered)

    def incidents(self, window: Window) -> list[IncidentRow]:
        return [
            IncidentRow(n, title, status, rows.from_db(at), rows.maybe_from_db(done), tickets)
            for n, title, status, at, done, tickets in self._rows(INCIDENTS, span(window))
        ]


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
