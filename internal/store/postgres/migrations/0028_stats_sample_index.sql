-- The statistics' distributions and agents (include=distributions,agents) read every
-- conversation created in the range: this index holds all the columns they read, for an
-- index-only scan. It has conversations_created's key and replaces it; an update of a
-- conversation already writes to every index (activity_at is indexed), so it costs no more.
CREATE INDEX conversations_created_sample ON conversations (tenant_id, created_at)
    INCLUDE (status, assigned_team_id, assigned_user_id, first_response_at, resolved_at);
DROP INDEX conversations_created;
