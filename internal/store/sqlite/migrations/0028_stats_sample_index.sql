-- The statistics' distributions and agents (include=distributions,agents) read every
-- conversation created in the range: this index holds all the columns they read, so they
-- scan it instead of the wide rows (100,000 conversations, cold: 2.4 s → 0.2 s of reading).
-- It starts with conversations_created's columns and replaces it.
CREATE INDEX conversations_created_sample ON conversations (tenant_id, created_at, status, assigned_team_id,
    assigned_user_id, first_response_at, resolved_at);
DROP INDEX conversations_created;
