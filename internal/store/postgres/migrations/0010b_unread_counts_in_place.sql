-- SQLite only: its conversation_loads counters moved from a view's trigger to an UPDATE in
-- place. PostgreSQL's counters (0005) are kept by its own triggers, in place already.
SELECT 1;
