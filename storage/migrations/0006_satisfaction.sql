-- Satisfaction surveys: one row per resolution of a ticket while surveys are on, asked or
-- let pass (sampling, the customer's cooldown), and the customer's rating of it. A changed
-- rating rewrites the row (each change is also an audit event), so it is counted once.
CREATE TABLE surveys (
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id),
    round        INTEGER NOT NULL,      -- which resolution of the ticket: 1, 2, …
    customer_key TEXT NOT NULL,
    asked        INTEGER NOT NULL CHECK (asked IN (0, 1)),
    scale        TEXT NOT NULL CHECK (scale IN ('5', 'thumbs')),
    asked_at     TEXT NOT NULL,         -- the resolution
    expires_at   TEXT NOT NULL,         -- ratings are taken until then
    agent_key    TEXT,                  -- who held the ticket when it was resolved
    agent_name   TEXT,
    score        INTEGER CHECK (score BETWEEN 1 AND 5),  -- thumbs: 1 down, 5 up
    comment      TEXT NOT NULL DEFAULT '',
    answered_at  TEXT,                  -- the first rating
    rated_at     TEXT,                  -- the latest change of it
    PRIMARY KEY (ticket_id, round)
) WITHOUT ROWID;

-- The customer's cooldown: when were they last asked.
CREATE INDEX surveys_asked_by_customer ON surveys (customer_key, asked_at) WHERE asked = 1;
-- The digest: surveys asked in a period, and ratings first given in one.
CREATE INDEX surveys_asked ON surveys (asked_at, answered_at) WHERE asked = 1;
CREATE INDEX surveys_answered ON surveys (answered_at) WHERE answered_at IS NOT NULL;
