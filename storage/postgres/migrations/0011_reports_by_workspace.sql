-- The web view's metrics and `/ticket digest` count one workspace's tickets (see SQLite's
-- 0016): "is ticket N in workspace W" is answered from this index alone.
CREATE INDEX tickets_by_id_workspace ON tickets (id) INCLUDE (workspace);
