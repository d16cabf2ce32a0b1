-- The list's default order is newest activity first, ties broken by id, newest first too
-- (ORDER BY activity_at DESC, id DESC, and the cursor's "id < ?"). These indexes held the
-- ids of a tie in ascending order, so a page whose first rows tie (a broadcast's 234
-- conversations, all answered in one instant) read the whole tie and sorted it: 234 table
-- rows for the first page of a search instead of the ~35 it tests, and no early stop. With
-- id descending they are read in the list's order and a page stops at its last row.
DROP INDEX conversations_activity;
CREATE INDEX conversations_activity ON conversations (tenant_id, activity_at DESC, id DESC);
DROP INDEX conversations_status;
CREATE INDEX conversations_status ON conversations (tenant_id, status, activity_at DESC, id DESC);
DROP INDEX conversations_channel;
CREATE INDEX conversations_channel ON conversations (tenant_id, channel_id, activity_at DESC, id DESC);
DROP INDEX conversations_assignee_activity;
CREATE INDEX conversations_assignee_activity ON conversations (tenant_id, assigned_user_id, activity_at DESC, id DESC)
    WHERE assigned_user_id IS NOT NULL;
DROP INDEX conversations_team;
CREATE INDEX conversations_team ON conversations (tenant_id, assigned_team_id, activity_at DESC, id DESC)
    WHERE assigned_team_id IS NOT NULL;
DROP INDEX conversations_broadcast;
CREATE INDEX conversations_broadcast ON conversations (tenant_id, broadcast_id, activity_at DESC, id DESC)
    WHERE broadcast_id IS NOT NULL;
DROP INDEX conversations_campaign;
CREATE INDEX conversations_campaign ON conversations (tenant_id, campaign_id, activity_at DESC, id DESC)
    WHERE campaign_id IS NOT NULL;
