-- PostgreSQL only: its trigram index keyed by tenant and day. SQLite's content index
-- (FTS5, 0008) walks matches newest first by itself.
SELECT 1;
