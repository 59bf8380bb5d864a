-- Incidents (see SQLite's migration 0012): one problem, many tickets linked to it. `id` is
-- the number people see (INC-3), given per desk under a lock on the table.
CREATE TABLE incidents (
    id             bigint PRIMARY KEY,
    workspace      text NOT NULL,
    title          text NOT NULL,
    status         text NOT NULL
        CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    owner_key      text NOT NULL,
    owner_name     text NOT NULL,
    started_at     timestamptz NOT NULL,
    detected_at    timestamptz,
    resolved_at    timestamptz,
    last_update_at timestamptz,
    due_at         timestamptz,
    reminded       integer NOT NULL DEFAULT 0 CHECK (reminded >= 0)
);
CREATE INDEX incidents_by_workspace ON incidents (workspace, started_at);
CREATE INDEX incidents_due ON incidents (due_at) WHERE due_at IS NOT NULL;

-- Tickets linked to an incident; a held link holds the ticket's own reminders.
CREATE TABLE incident_links (
    incident_id    bigint NOT NULL REFERENCES incidents (id),
    ticket_id      bigint NOT NULL REFERENCES tickets (id),
    linked_at      timestamptz NOT NULL,
    linked_by_key  text,
    linked_by_name text,
    unlinked_at    timestamptz,
    held           boolean NOT NULL DEFAULT true,
    PRIMARY KEY (incident_id, ticket_id)
);
CREATE UNIQUE INDEX incident_links_held ON incident_links (ticket_id) WHERE held;

-- An incident's timeline.
CREATE TABLE incident_moments (
    incident_id bigint NOT NULL REFERENCES incidents (id),
    seq         integer NOT NULL,
    kind        text NOT NULL,
    at          timestamptz NOT NULL,
    actor_key   text,
    actor_name  text,
    text        text NOT NULL DEFAULT '',
    count       integer NOT NULL DEFAULT 0,
    total       integer NOT NULL DEFAULT 0,
    status      text,
    PRIMARY KEY (incident_id, seq)
);

-- Which outbox notices carried which update.
CREATE TABLE incident_deliveries (
    outbox_id   bigint PRIMARY KEY,
    incident_id bigint NOT NULL,
    seq         integer NOT NULL
);
CREATE INDEX incident_deliveries_by_update ON incident_deliveries (incident_id, seq);

-- Another instance re-arms its sweep when an incident's SLA due time is written.
CREATE TRIGGER incidents_notify AFTER INSERT OR UPDATE OF due_at ON incidents
    FOR EACH STATEMENT EXECUTE FUNCTION deskbot_notify_due();
