-- Business settings: the time zone its statistics count days in (an IANA name), the language
-- of its WhatsApp templates by default, and when an operator disabled it (NULL while enabled:
-- a disabled business's users can neither log in nor use their tokens, and its channels'
-- webhooks answer 404).
ALTER TABLE tenants ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE tenants ADD COLUMN default_template_language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE tenants ADD COLUMN disabled_at INTEGER;

-- The UTC offsets of a business's time zone, each from the instant it starts (its zone's
-- transitions, written by the application when the zone is set: SQLite has no time zone
-- database). No rows: UTC. The day counters (migration 0005) key a conversation by the local
-- day of its creation: (created_at + the offset then) / one day.
CREATE TABLE tenant_utc_offsets (
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    since      INTEGER NOT NULL, -- unix microseconds
    utc_offset INTEGER NOT NULL, -- microseconds east of UTC
    PRIMARY KEY (tenant_id, since)
) WITHOUT ROWID;

DROP TRIGGER conversation_day_count;
CREATE TRIGGER conversation_day_count INSTEAD OF INSERT ON conversation_day_changes BEGIN
    INSERT INTO conversation_days VALUES (NEW.tenant_id,
        (NEW.created_at + COALESCE((SELECT o.utc_offset FROM tenant_utc_offsets o WHERE o.tenant_id = NEW.tenant_id
            AND o.since <= NEW.created_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000000,
        COALESCE(NEW.assigned_team_id, '00000000-0000-0000-0000-000000000000'), NEW.status, NEW.channel_id,
        NEW.sign, NEW.sign * COALESCE(NEW.resolved_at - NEW.created_at, 0), NEW.sign * (NEW.resolved_at IS NOT NULL),
        NEW.sign * COALESCE(NEW.first_response_at - NEW.created_at, 0), NEW.sign * (NEW.first_response_at IS NOT NULL))
    ON CONFLICT DO UPDATE SET conversations = conversations + excluded.conversations,
        resolution_sum = resolution_sum + excluded.resolution_sum, resolved = resolved + excluded.resolved,
        first_response_sum = first_response_sum + excluded.first_response_sum,
        first_responded = first_responded + excluded.first_responded;
END;
