-- Satisfaction surveys (see SQLite's migration 0006): one row per resolution of a ticket
-- while surveys are on, asked or let pass, and the customer's rating of it.
CREATE TABLE surveys (
    ticket_id    bigint NOT NULL REFERENCES tickets (id),
    round        integer NOT NULL,      -- which resolution of the ticket: 1, 2, …
    customer_key text NOT NULL,
    asked        boolean NOT NULL,
    scale        text NOT NULL CHECK (scale IN ('5', 'thumbs')),
    asked_at     timestamptz NOT NULL,  -- the resolution
    expires_at   timestamptz NOT NULL,  -- ratings are taken until then
    agent_key    text,                  -- who held the ticket when it was resolved
    agent_name   text,
    score        integer CHECK (score BETWEEN 1 AND 5),  -- thumbs: 1 down, 5 up
    comment      text NOT NULL DEFAULT '',
    answered_at  timestamptz,           -- the first rating
    rated_at     timestamptz,           -- the latest change of it
    PRIMARY KEY (ticket_id, round)
);

-- The customer's cooldown: when were they last asked.
CREATE INDEX surveys_asked_by_customer ON surveys (customer_key, asked_at) WHERE asked;
-- The digest: surveys asked in a period, and ratings first given in one.
CREATE INDEX surveys_asked ON surveys (asked_at, answered_at) WHERE asked;
CREATE INDEX surveys_answered ON surveys (answered_at) WHERE answered_at IS NOT NULL;
