-- PostgreSQL only: its content index keys internal notes apart (see its 0032). SQLite's
-- full-text index still holds them.
SELECT 1;
