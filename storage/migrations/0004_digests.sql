-- The leads' digest: the digests posted, and the indexes its figures are read through.

-- One row per digest posted to the leads (not per on-demand view): the period it covered
-- and a JSON snapshot of its headline figures. The next digest starts where this one ended
-- and compares its stock figures (unclaimed, breached, at risk) against the snapshot.
CREATE TABLE digests (
    id           INTEGER PRIMARY KEY,
    period_start TEXT NOT NULL,
    period_end   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    figures      TEXT NOT NULL DEFAULT '{}'  -- JSON {name: integer}
);
CREATE INDEX digests_by_end ON digests (period_end);

-- The active tickets only (a few percent of a mature desk), covering every column the
-- backlog, unclaimed, per-agent load and oldest-open figures read: those queries never touch
-- the table and never scan closed history. Ordered by age for "oldest open".
CREATE INDEX tickets_active ON tickets (created_at, status, priority, assignee_key, assignee_name)
    WHERE status IN ('open', 'claimed', 'waiting');

-- Promises broken, by the time they broke: SLA compliance of a period.
CREATE INDEX sla_clocks_breached ON sla_clocks (kind, breached_at, stopped_at)
    WHERE breached_at IS NOT NULL;

-- Promises broken and still unmet (running or paused): "breached now". Covering, like the
-- next one, so that the check reads only the index.
CREATE INDEX sla_clocks_open_breaches ON sla_clocks (ticket_id, kind, breached_at, stopped_at)
    WHERE breached_at IS NOT NULL AND stopped_at IS NULL;

-- Running promises the sweep has not flagged: due soon ("at risk"), or overdue a moment.
-- Forgotten tickets keep breached clocks running for ever; these stay out of this index.
CREATE INDEX sla_clocks_unflagged_due ON sla_clocks (due_at, breached_at, stopped_at)
    WHERE due_at IS NOT NULL AND breached_at IS NULL AND stopped_at IS NULL;
