-- The web view's metrics and `/ticket digest` count one workspace's tickets (see SQLite's
-- 0016): "is ticket N in workspace W" is answered from this index alone.
CREATE INDEX tickets_by_id_workspace ON tickets (id) INCLUDE (workspace);

-- The clocks stopped in a period are read from this index alone (see SQLite's 0016).
DROP INDEX sla_clocks_stopped;
CREATE INDEX sla_clocks_stopped ON sla_clocks (kind, stopped_at)
    INCLUDE (ticket_id, used_seconds, target_seconds, breached_at) WHERE stopped_at IS NOT NULL;

-- The audit events that move a backlog, counted by workspace, kind and quarter of an hour,
-- kept by a trigger in the transaction that records the event (see SQLite's 0016).
CREATE TABLE flow_counts (
    workspace text NOT NULL,
    kind      text NOT NULL,
    quarter   timestamptz NOT NULL,
    count     bigint NOT NULL,
    PRIMARY KEY (workspace, kind, quarter)
);

CREATE FUNCTION flow_counts_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO flow_counts (workspace, kind, quarter, count)
    SELECT t.workspace, NEW.kind, date_bin('15 minutes', NEW.at, TIMESTAMPTZ '2000-01-01Z'), 1
    FROM tickets t WHERE t.id = NEW.ticket_id
    ON CONFLICT (workspace, kind, quarter) DO UPDATE SET count = flow_counts.count + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER flow_counts_count AFTER INSERT ON events FOR EACH ROW
    WHEN (NEW.kind IN ('opened', 'resolved', 'reopened') AND NEW.ticket_id IS NOT NULL)
    EXECUTE FUNCTION flow_counts_count();

INSERT INTO flow_counts (workspace, kind, quarter, count)
SELECT t.workspace, e.kind, date_bin('15 minutes', e.at, TIMESTAMPTZ '2000-01-01Z') AS quarter,
    count(*)
FROM events e JOIN tickets t ON t.id = e.ticket_id
WHERE e.kind IN ('opened', 'resolved', 'reopened')
GROUP BY t.workspace, e.kind, quarter;

-- Each clock names its ticket's workspace (see SQLite's 0016).
ALTER TABLE sla_clocks ADD COLUMN workspace text;
UPDATE sla_clocks c SET workspace = t.workspace FROM tickets t WHERE t.id = c.ticket_id;
CREATE INDEX sla_clocks_stopped_by_workspace ON sla_clocks (workspace, kind, stopped_at)
    INCLUDE (used_seconds, target_seconds, breached_at) WHERE stopped_at IS NOT NULL;
