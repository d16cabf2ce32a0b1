-- PostgreSQL only: its events are numbered after commit by the sequencer. SQLite's one writer
-- numbers them as they are stored, which costs it no waiting.
SELECT 1;
