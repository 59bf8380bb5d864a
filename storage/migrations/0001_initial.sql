-- The desk's first schema. Times are UTC, written 'YYYY-MM-DDTHH:MM:SS.ffffffZ' so that
-- text order is time order. Person and group keys are '<platform>:<id>'.

-- Inbound events already recorded: a platform may deliver an event twice, the desk once.
CREATE TABLE inbound_keys (
    key     TEXT PRIMARY KEY,
    seen_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY,  -- the ticket number people see
    workspace         TEXT NOT NULL,        -- 'slack:T123', 'discord:<guild>', 'console:local'
    channel           TEXT NOT NULL,
    thread            TEXT NOT NULL,        -- root message of the ticket's thread
    customer_key      TEXT NOT NULL,
    customer_name     TEXT NOT NULL,
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    status            TEXT NOT NULL
        CHECK (status IN ('open', 'claimed', 'waiting', 'resolved', 'closed')),
    priority          TEXT NOT NULL CHECK (priority IN ('urgent', 'high', 'normal', 'low')),
    assignee_key      TEXT,
    assignee_name     TEXT,
    permalink         TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    first_response_at TEXT,
    resolved_at       TEXT,
    closed_at         TEXT,
    UNIQUE (workspace, channel, thread),
    CHECK ((assignee_key IS NULL) = (assignee_name IS NULL))
);
CREATE INDEX tickets_by_status ON tickets (workspace, status, id);
CREATE INDEX tickets_by_assignee ON tickets (assignee_key, status) WHERE assignee_key IS NOT NULL;
CREATE INDEX tickets_by_customer ON tickets (customer_key, status);

-- The conversation: every message in a ticket's thread, and internal notes.
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    message_id  TEXT NOT NULL,              -- the platform's id (Slack ts, Discord snowflake)
    author_key  TEXT NOT NULL,
    author_name TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'bot')),
    internal    INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0, 1)),
    text        TEXT NOT NULL,
    attachments TEXT NOT NULL DEFAULT '[]', -- JSON [{name, url}]
    created_at  TEXT NOT NULL,
    edited_at   TEXT,
    deleted_at  TEXT
);
CREATE INDEX messages_by_ticket ON messages (ticket_id, id);
CREATE INDEX messages_by_platform_id ON messages (message_id);

-- The audit log: append-only, enforced below.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER REFERENCES tickets (id),
    actor_key  TEXT,
    actor_name TEXT,
    kind       TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',  -- JSON
    at         TEXT NOT NULL
);
CREATE INDEX events_by_ticket ON events (ticket_id, id);
CREATE INDEX events_by_kind ON events (kind, at);

CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;

-- Notices to deliver, written in the same transaction as the change they announce.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    workspace       TEXT NOT NULL,
    channel         TEXT NOT NULL,
    thread          TEXT,
    ticket_id       INTEGER REFERENCES tickets (id),
    edit_key        TEXT,                   -- notices sharing it edit one platform message
    payload         TEXT NOT NULL,          -- JSON: text, card, mentions, thread title
    status          TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'failed', 'superseded')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    message_id      TEXT
);
CREATE INDEX outbox_pending ON outbox (workspace, channel, id) WHERE status = 'pending';
CREATE INDEX outbox_pending_cards ON outbox (edit_key) WHERE status = 'pending';

-- The platform message each card lives in, so that updates edit it in place.
CREATE TABLE posted (
    edit_key   TEXT PRIMARY KEY,
    message_id TEXT NOT NULL
) WITHOUT ROWID;
