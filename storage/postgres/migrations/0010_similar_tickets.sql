-- The resolved tickets most like each ticket, best first (see SQLite's migration 0015):
-- found beside the writer, read by key when a card is drawn.
CREATE TABLE similar_tickets (
    ticket_id  bigint NOT NULL REFERENCES tickets (id),
    rank       integer NOT NULL,
    similar_id bigint NOT NULL REFERENCES tickets (id),
    PRIMARY KEY (ticket_id, rank)
);
