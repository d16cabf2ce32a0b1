-- PostgreSQL only: its trigrams across words (see its 0036). SQLite's trigram tokenizer
-- keeps the spaces, and so the words' order, already.
SELECT 1;
