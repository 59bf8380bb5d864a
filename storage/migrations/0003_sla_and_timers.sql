-- SLA clocks, reminder timers and the sweep lease. Due times live here, never only in memory.

-- When the ticket last changed status (unclaimed since, waiting since) and when an agent
-- last worked on it (for idle nudges).
ALTER TABLE tickets ADD COLUMN status_since TEXT;
ALTER TABLE tickets ADD COLUMN last_agent_activity_at TEXT;
UPDATE tickets SET status_since = updated_at WHERE status_since IS NULL;

-- One clock per promise and ticket. A clock counts business time on its calendar while it
-- runs; waiting on the customer pauses it; the answer (first and next response) or the
-- resolution stops it. A next_response clock starts a new cycle at each customer message
-- after an answer, so its row holds the current cycle.
CREATE TABLE sla_clocks (
    ticket_id      INTEGER NOT NULL REFERENCES tickets (id),
    kind           TEXT NOT NULL
        CHECK (kind IN ('first_response', 'next_response', 'resolution')),
    calendar       TEXT NOT NULL,            -- the calendar time is counted on
    target_seconds INTEGER,                  -- the promise; NULL when the priority makes none
    started_at     TEXT NOT NULL,
    used_seconds   REAL NOT NULL DEFAULT 0,  -- business time counted before running_since
    running_since  TEXT,                     -- NULL while paused or stopped
    due_at         TEXT,                     -- when the promise breaks; set only while running
    stopped_at     TEXT,                     -- answered / resolved: used_seconds is final
    breached_at    TEXT,                     -- the due time passed while it ran
    PRIMARY KEY (ticket_id, kind)
) WITHOUT ROWID;
CREATE INDEX sla_clocks_due ON sla_clocks (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX sla_clocks_stopped ON sla_clocks (kind, stopped_at) WHERE stopped_at IS NOT NULL;

-- Reminder and follow-up steps. (ticket, step, round) is unique, and a step is marked done
-- in the transaction that queues its notice, so no step ever fires twice.
CREATE TABLE timers (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    step      TEXT NOT NULL,   -- unclaimed, warn:<clock>, breach:<clock>, idle, nudge, auto_resolve
    round     INTEGER NOT NULL,
    due_at    TEXT NOT NULL,
    state     TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'cancelled')),
    fired_at  TEXT,
    PRIMARY KEY (ticket_id, step, round)
) WITHOUT ROWID;
CREATE INDEX timers_due ON timers (due_at) WHERE state = 'pending';

-- Who may sweep timers and deliver the outbox: one process at a time, by lease.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
