-- The triage card counts a customer's tickets of the last 30 days: a range of this index,
-- cut short at the cap the card shows (`handlers.notices.HISTORY_CAP`).
CREATE INDEX tickets_by_customer_time ON tickets (customer_key, created_at);
