-- The resolved tickets most like each ticket, best first, as found beside the writer after
-- the ticket was opened or re-worded (see handlers/knowledge.py). A card reads them here,
-- by key, so no change to a ticket runs the similar-tickets query while holding the writer.
-- Ids only: what a card shows of them (subject, link, resolution) is read when it is drawn.
CREATE TABLE similar_tickets (
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    rank       INTEGER NOT NULL,
    similar_id INTEGER NOT NULL REFERENCES tickets (id),
    PRIMARY KEY (ticket_id, rank)
) WITHOUT ROWID;
