-- SQLite only: internal notes get a full-text index of their own there. PostgreSQL's content
-- index keys them apart since its 0032.
SELECT 1;
