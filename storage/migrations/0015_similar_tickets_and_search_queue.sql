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

-- Tickets whose search document changed and is yet to be written: the indexer writes them a
-- batch per transaction (storage/search.py), or the next search on the writer does first.
-- FTS5 writes a new segment for every transaction that touches it; a batch shares one.
CREATE TABLE search_queue (
    ticket_id INTEGER PRIMARY KEY
) WITHOUT ROWID;
