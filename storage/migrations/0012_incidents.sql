-- Incidents: one problem, many tickets linked to it. `id` is the number people see (INC-3),
-- given per desk. `due_at` is when the incident's own SLA next reminds (no update yet, or
-- none for a while); `reminded` counts the reminders since the last update.
CREATE TABLE incidents (
    id             INTEGER PRIMARY KEY,
    workspace      TEXT NOT NULL,
    title          TEXT NOT NULL,
    status         TEXT NOT NULL
        CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    owner_key      TEXT NOT NULL,
    owner_name     TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    detected_at    TEXT,
    resolved_at    TEXT,
    last_update_at TEXT,
    due_at         TEXT,
    reminded       INTEGER NOT NULL DEFAULT 0 CHECK (reminded >= 0)
);
CREATE INDEX incidents_by_workspace ON incidents (workspace, started_at);
CREATE INDEX incidents_due ON incidents (due_at) WHERE due_at IS NOT NULL;

-- Tickets linked to an incident. A link `held` while linked and the incident is open holds
-- the ticket's own reminders; a ticket is held by one incident at most. Links stay after
-- the incident is resolved (held = 0): they are the tickets it affected.
CREATE TABLE incident_links (
    incident_id    INTEGER NOT NULL REFERENCES incidents (id),
    ticket_id      INTEGER NOT NULL REFERENCES tickets (id),
    linked_at      TEXT NOT NULL,
    linked_by_key  TEXT,
    linked_by_name TEXT,
    unlinked_at    TEXT,
    held           INTEGER NOT NULL DEFAULT 1 CHECK (held IN (0, 1)),
    PRIMARY KEY (incident_id, ticket_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX incident_links_held ON incident_links (ticket_id) WHERE held = 1;

-- An incident's timeline: declared, linked, each status and update, resolved.
CREATE TABLE incident_moments (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    at          TEXT NOT NULL,
    actor_key   TEXT,
    actor_name  TEXT,
    text        TEXT NOT NULL DEFAULT '',
    count       INTEGER NOT NULL DEFAULT 0,
    total       INTEGER NOT NULL DEFAULT 0,
    status      TEXT,
    PRIMARY KEY (incident_id, seq)
) WITHOUT ROWID;

-- Which outbox notices carried which update (timeline entry), so `show` can say how far
-- each got: queued, delivered, failed.
CREATE TABLE incident_deliveries (
    outbox_id   INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL,
    seq         INTEGER NOT NULL
);
CREATE INDEX incident_deliveries_by_update ON incident_deliveries (incident_id, seq);

-- Spikes: similar new tickets arriving together, alerted to the leads once (`words` are
-- their common words; the alert is edited as more arrive). Declared, it names its incident.
CREATE TABLE incident_spikes (
    id          INTEGER PRIMARY KEY,
    workspace   TEXT NOT NULL,
    title       TEXT NOT NULL,          -- the title suggested for the incident
    words       TEXT NOT NULL,          -- the common words, space-separated
    started_at  TEXT NOT NULL,
    last_at     TEXT NOT NULL,
    size        INTEGER NOT NULL DEFAULT 0,  -- how many tickets it holds
    incident_id INTEGER REFERENCES incidents (id)
);
CREATE INDEX incident_spikes_recent ON incident_spikes (workspace, last_at);

CREATE TABLE incident_spike_tickets (
    spike_id  INTEGER NOT NULL REFERENCES incident_spikes (id),
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    PRIMARY KEY (spike_id, ticket_id)
) WITHOUT ROWID;
CREATE INDEX incident_spike_tickets_by_ticket ON incident_spike_tickets (ticket_id);
