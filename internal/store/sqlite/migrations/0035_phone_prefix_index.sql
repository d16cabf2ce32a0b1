-- PostgreSQL only: a btree for phone prefixes (see its 0035).
SELECT 1;
