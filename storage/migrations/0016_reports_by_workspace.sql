-- The web view's metrics and `/ticket digest` count one workspace's tickets: each audit
-- event, clock and survey a report reads is kept when its ticket is in the workspace. This
-- index answers "is ticket N in workspace W" from a few small pages, not from the ticket's
-- own row (subject, body, …), so a month of a busy workspace is read from the cache.
CREATE INDEX tickets_by_id_workspace ON tickets (id, workspace);
