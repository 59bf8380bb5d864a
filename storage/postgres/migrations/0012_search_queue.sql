-- Tickets whose search document changed and is yet to be written (see SQLite's migration
-- 0015 and storage/indexer.py): the indexer writes them a batch per transaction, or the next
-- search in a unit of work does first. One row per unit that changed the ticket, never
-- updated: a unit only inserts, so it never waits on an indexer, and a row an indexer takes
-- was committed before the indexer reads the ticket, so the document it writes holds that
-- unit's change.
CREATE TABLE search_queue (
    id        bigserial PRIMARY KEY,
    ticket_id bigint NOT NULL
);
