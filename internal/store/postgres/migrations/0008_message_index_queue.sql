-- SQLite only: its content index (FTS5) is fed from a queue at commit. PostgreSQL's trigram
-- index (0001) is kept by PostgreSQL itself.
SELECT 1;
