-- Statistics read every conversation of a tenant (in a date range): this index holds all
-- the columns they need, so they scan it instead of the wide rows (1.5 s → tens of ms on
-- 100,000 conversations).
CREATE INDEX conversations_stats ON conversations (tenant_id, created_at, status, channel_id, assigned_team_id,
    assigned_user_id, resolved_at, first_response_at, unread_count, last_inbound_at);
