-- A clock keeps its promise as written: `3d` is three working days, ending at the same time
-- of day on the third open day, so the business time it gives (target_seconds) depends on
-- when the clock started, and `/ticket why` shows the promise in the units it was set in.
-- target_seconds becomes the business time from the clock's start to the promised moment;
-- it may hold fractions of a second (a promise that ends at an opening).
--
-- Clocks from before this step keep their target as business time (both columns NULL):
-- what they promised when they were set.
ALTER TABLE sla_clocks ADD COLUMN promise_days INTEGER;     -- the `d` part; NULL: no promise
ALTER TABLE sla_clocks ADD COLUMN promise_seconds INTEGER;  -- the `h`, `m` and `s` part
