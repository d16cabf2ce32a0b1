-- Business settings: the time zone its statistics count days in (an IANA name), the language
-- of its WhatsApp templates by default, and when an operator disabled it (NULL while enabled:
-- a disabled business's users can neither log in nor use their tokens, and its channels'
-- webhooks answer 404).
ALTER TABLE tenants ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE tenants ADD COLUMN default_template_language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE tenants ADD COLUMN disabled_at BIGINT;

-- The UTC offsets of a business's time zone, each from the instant it starts (its zone's
-- transitions, written by the application when the zone is set, the same way as in SQLite,
-- which has no time zone database). No rows: UTC. The day counters (migration 0005) key a
-- conversation by the local day of its creation.
CREATE TABLE tenant_utc_offsets (
    tenant_id  UUID NOT NULL REFERENCES tenants(id),
    since      BIGINT NOT NULL, -- unix microseconds
    utc_offset BIGINT NOT NULL, -- microseconds east of UTC
    PRIMARY KEY (tenant_id, since)
);

-- tenant_local_day is the number of the business's local day (days since 1970-01-01 in its
-- time zone) that the instant at (unix microseconds) falls on.
CREATE FUNCTION tenant_local_day(tenant uuid, at bigint) RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (at + COALESCE((SELECT o.utc_offset FROM tenant_utc_offsets o WHERE o.tenant_id = tenant
        AND o.since <= at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000000
$$;

-- conversation_counts of migration 0005, with the day of creation local to the business.
CREATE OR REPLACE FUNCTION conversation_counts() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR (OLD.tenant_id, OLD.created_at, OLD.assigned_team_id, OLD.status, OLD.channel_id,
        OLD.resolved_at, OLD.first_response_at) IS DISTINCT FROM (NEW.tenant_id, NEW.created_at,
        NEW.assigned_team_id, NEW.status, NEW.channel_id, NEW.resolved_at, NEW.first_response_at) THEN
        INSERT INTO conversation_day_changes
        SELECT tenant_id, tenant_local_day(tenant_id, created_at),
            COALESCE(assigned_team_id, '00000000-0000-0000-0000-000000000000'),
            status, channel_id, SUM(sign), SUM(sign * COALESCE(resolved_at - created_at, 0)),
            SUM(sign * (resolved_at IS NOT NULL)::int), SUM(sign * COALESCE(first_response_at - created_at, 0)),
            SUM(sign * (first_response_at IS NOT NULL)::int)
        FROM (SELECT (OLD).*, -1 AS sign WHERE TG_OP <> 'INSERT' UNION ALL SELECT (NEW).*, 1 WHERE TG_OP <> 'DELETE') c
        GROUP BY 1, 2, 3, 4, 5;
    END IF;
    IF TG_OP <> 'UPDATE' OR (OLD.tenant_id, OLD.created_at, OLD.assigned_user_id, OLD.assigned_team_id, OLD.status,
        OLD.channel_id, OLD.unread_count, OLD.first_response_at) IS DISTINCT FROM (NEW.tenant_id, NEW.created_at,
        NEW.assigned_user_id, NEW.assigned_team_id, NEW.status, NEW.channel_id, NEW.unread_count,
        NEW.first_response_at) THEN
        INSERT INTO conversation_load_changes
        SELECT tenant_id, COALESCE(assigned_user_id, '00000000-0000-0000-0000-000000000000'),
            COALESCE(assigned_team_id, '00000000-0000-0000-0000-000000000000'), status, channel_id, SUM(sign),
            SUM(sign * unread_count), SUM(sign * (unread_count > 0)::int),
            SUM(sign * COALESCE(first_response_at - created_at, 0)), SUM(sign * (first_response_at IS NOT NULL)::int)
        FROM (SELECT (OLD).*, -1 AS sign WHERE TG_OP <> 'INSERT' UNION ALL SELECT (NEW).*, 1 WHERE TG_OP <> 'DELETE') c
        GROUP BY 1, 2, 3, 4, 5;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
