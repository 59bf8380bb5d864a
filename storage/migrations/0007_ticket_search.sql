-- Full-text search over tickets (see storage/search.py): one document per ticket, its rowid
-- the ticket's id. `search_terms` is a function the store gives its connection: it cuts text
-- into words and pairs of ideographs (Chinese, Japanese), which unicode61 then reads as
-- space-separated terms; porter folds English endings (arrives, arrive).
CREATE VIRTUAL TABLE ticket_search USING fts5 (
    subject,
    public,     -- customer text, public replies, the latest resolution note
    internal,   -- internal notes: staff searches only
    state,      -- 'solved' (resolved or closed) or 'active'
    customer,   -- one term naming the customer: 'k' and the hex of their key
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- The tickets already stored, each as its document.
INSERT INTO ticket_search (rowid, subject, public, internal, state, customer)
SELECT t.id,
    search_terms(t.subject),
    search_terms(coalesce((SELECT group_concat(m.text, char(10)) FROM messages m
        WHERE m.ticket_id = t.id AND m.internal = 0 AND m.role != 'bot'
        AND m.deleted_at IS NULL), '')
        || char(10) || coalesce((SELECT json_extract(e.data, '$.summary') FROM events e
        WHERE e.ticket_id = t.id AND e.kind = 'resolved' ORDER BY e.id DESC LIMIT 1), '')),
    search_terms(coalesce((SELECT group_concat(m.text, char(10)) FROM messages m
        WHERE m.ticket_id = t.id AND m.internal = 1 AND m.deleted_at IS NULL), '')),
    CASE WHEN t.status IN ('resolved', 'closed') THEN 'solved' ELSE 'active' END,
    'k' || hex(t.customer_key)
FROM tickets t;
