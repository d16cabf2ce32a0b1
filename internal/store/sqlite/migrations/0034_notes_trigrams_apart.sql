-- PostgreSQL only: its content index keeps the notes' trigrams apart (see its 0034). SQLite's
-- notes have had an index of their own since 0033.
SELECT 1;
