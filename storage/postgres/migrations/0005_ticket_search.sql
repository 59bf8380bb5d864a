-- Full-text search over tickets (see storage/postgres/search.py): one row per ticket, its
-- terms as `handlers.knowledge` cuts them (words, and pairs of ideographs) in one weighted
-- tsvector: subject A, customer text, public replies and resolution note B, internal notes C.
-- The terms are written by deskbot, not by a SQL function, so the tickets already stored are
-- indexed by the migration step that follows this script (`search.rebuild`).
CREATE TABLE ticket_search (
    ticket_id    bigint PRIMARY KEY REFERENCES tickets (id),
    solved       boolean NOT NULL,  -- resolved or closed: the similar-tickets query's window
    customer_key text NOT NULL,     -- a customer's search reads only their own documents
    terms        tsvector NOT NULL
);
CREATE INDEX ticket_search_terms ON ticket_search USING gin (terms);
CREATE INDEX ticket_search_by_customer ON ticket_search (customer_key, ticket_id);
