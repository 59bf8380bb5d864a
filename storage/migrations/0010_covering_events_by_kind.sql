-- The per-agent figures (the digest's agent table, the web view's metrics for a month) read
-- claims, resolutions and first responses of a period by kind and time; with the ticket and
-- the actor in the index too, they are read from the index alone, not row by row. Measured
-- on 100,000 tickets: a 30-day agent table 48 ms before, 13 ms after.
DROP INDEX events_by_kind;
CREATE INDEX events_by_kind ON events (kind, at, ticket_id, actor_key, actor_name);
