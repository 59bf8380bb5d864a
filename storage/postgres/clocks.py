"""How an SLA clock is written on PostgreSQL: whole, with its ticket's workspace kept."""

from __future__ import annotations

# Parameters: `storage.rows.clock_values(clock)`, then the clock's ticket id again.
SAVE_CLOCK = (
    b"INSERT INTO sla_clocks (ticket_id, kind, calendar, target_seconds, started_at,"
    b" used_seconds, running_since, due_at, stopped_at, breached_at, promise_days,"
    b" promise_seconds, workspace) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
    b" %s, (SELECT workspace FROM tickets WHERE id = %s))"
    b" ON CONFLICT (ticket_id, kind) DO UPDATE SET calendar = excluded.calendar,"
    b" target_seconds = excluded.target_seconds, started_at = excluded.started_at,"
    b" used_seconds = excluded.used_seconds, running_since = excluded.running_since,"
    b" due_at = excluded.due_at, stopped_at = excluded.stopped_at,"
    b" breached_at = excluded.breached_at, promise_days = excluded.promise_days,"
    b" promise_seconds = excluded.promise_seconds"
)
