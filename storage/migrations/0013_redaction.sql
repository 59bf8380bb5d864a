-- Redaction: the one path by which an audit event may change (see storage/forgetting.py).
--
-- Forgetting a person and the retention of old text rewrite personal fields, the audit log's
-- included, and record that they did: one `redactions` row each, saying who asked, when,
-- under which pseudonym and how many values of each column changed; never what was removed.
CREATE TABLE redactions (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('forget', 'retention')),
    asked_by   TEXT NOT NULL,              -- a person's key, 'cli:<user>' or 'retention'
    at         TEXT NOT NULL,
    pseudonym  TEXT,                       -- forget: what the person is called now
    counts     TEXT NOT NULL DEFAULT '{}', -- JSON {"table.column": values changed}
    audit_rows INTEGER NOT NULL DEFAULT 0  -- audit events rewritten, counted by the trigger
);

-- The redaction under way: a row exists only inside the redaction's own transaction (it is
-- deleted before it commits), and only while it exists may an audit event change.
CREATE TABLE redacting (
    redaction     INTEGER PRIMARY KEY REFERENCES redactions (id),
    pseudonym     TEXT,   -- NULL for retention: free text may only become '[redacted]'
    pseudonym_key TEXT
);

-- The append-only rule stays; it now lets a redaction through, and nothing else.
DROP TRIGGER events_are_append_only_update;
CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
WHEN NOT EXISTS (SELECT 1 FROM redacting)
    OR NEW.id IS NOT OLD.id OR NEW.ticket_id IS NOT OLD.ticket_id
    OR NEW.kind IS NOT OLD.kind OR NEW.at IS NOT OLD.at
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;

-- A redaction replaces personal fields with the pseudonym (or free text with '[redacted]'):
-- the actor only by the pseudonym, the data's keys and every number, flag and nested value
-- kept, each string either kept, '[redacted]', or holding the pseudonym.
CREATE TRIGGER events_redact_only_personal BEFORE UPDATE ON events
WHEN EXISTS (SELECT 1 FROM redacting) AND (
    (NEW.actor_key IS NOT OLD.actor_key
        AND NEW.actor_key IS NOT (SELECT pseudonym_key FROM redacting LIMIT 1))
    OR (NEW.actor_name IS NOT OLD.actor_name
        AND NEW.actor_name IS NOT (SELECT pseudonym FROM redacting LIMIT 1))
    OR NOT json_valid(NEW.data) OR json_type(NEW.data) IS NOT 'object'
    OR (SELECT count(*) FROM json_each(NEW.data)) != (SELECT count(*) FROM json_each(OLD.data))
    OR EXISTS (
        SELECT 1 FROM json_each(OLD.data) o LEFT JOIN json_each(NEW.data) n ON n.key = o.key
        WHERE n.key IS NULL OR n.type IS NOT o.type
            OR (o.type != 'text' AND n.value IS NOT o.value)
            OR (o.type = 'text' AND n.atom IS NOT o.atom AND n.atom != '[redacted]'
                AND coalesce(instr(n.atom, (SELECT pseudonym FROM redacting LIMIT 1)), 0) = 0)))
BEGIN
    SELECT RAISE(ABORT, 'a redaction may only replace personal fields with the pseudonym');
END;

-- And it records that it did, on its own row.
CREATE TRIGGER events_redaction_counted AFTER UPDATE ON events
BEGIN
    UPDATE redactions SET audit_rows = audit_rows + 1
    WHERE id IN (SELECT redaction FROM redacting);
END;
