-- Retention prunes the dedupe keys older than `retention.inbound_keys`, oldest first, a
-- bounded batch at a time: this index finds them without reading the whole table (the
-- table is keyed by `key`, so the index holds the key too and the batch is read from it).
CREATE INDEX inbound_keys_by_age ON inbound_keys (seen_at);
