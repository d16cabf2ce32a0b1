-- Every single-filter list answers from one index in its sort order (activity), so a page
-- reads its rows and the count reads one index range, with no sort.
DROP INDEX conversations_status;
CREATE INDEX conversations_status ON conversations (tenant_id, status, activity_at DESC, id);
CREATE INDEX conversations_assignee_activity ON conversations (tenant_id, assigned_user_id, activity_at DESC, id);
DROP INDEX conversations_team;
CREATE INDEX conversations_team ON conversations (tenant_id, assigned_team_id, activity_at DESC, id);
DROP INDEX conversations_broadcast;
CREATE INDEX conversations_broadcast ON conversations (tenant_id, broadcast_id, activity_at DESC, id);
DROP INDEX conversations_campaign;
CREATE INDEX conversations_campaign ON conversations (tenant_id, campaign_id, activity_at DESC, id);
CREATE INDEX conversations_channel ON conversations (tenant_id, channel_id, activity_at DESC, id);

-- Contact names and phones by substring, through trigram indexes.
CREATE INDEX contacts_name_trgm ON contacts USING gin ((first_name || ' ' || last_name) gin_trgm_ops);
CREATE INDEX contacts_phone_trgm ON contacts USING gin (phone gin_trgm_ops);
