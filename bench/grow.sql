-- Copy k of bench/grow.sh, in one transaction: every row of the grow_src_* tables (the
-- database's rows before it grew) once more, in the same tenant, with new ids and its times
-- moved back by :shift microseconds. Run by grow.sh as
--   psql -v k=K -v shift=MICROSECONDS -f bench/grow.sql
-- An id's copy is md5(id || ':' || k)::uuid, so a foreign key is remapped by the same
-- function; references to shared rows (tenants, channels, users, teams, tags, campaigns,
-- broadcasts) stay. The triggers do not fire (session_replication_role = replica): their
-- work is done below, the counters' changes by group of rows instead of by row, and the
-- foreign keys are not checked row by row (grow.sh checks them after the last copy).
\set ON_ERROR_STOP on
BEGIN;
SET LOCAL session_replication_role = replica;
SET LOCAL TimeZone = 'UTC';

CREATE FUNCTION pg_temp.gid(id uuid, k int) RETURNS uuid LANGUAGE sql IMMUTABLE
    AS $$ SELECT md5(id::text || ':' || k::text)::uuid $$; -- k::text: inlined only if immutable

-- A phone of the copy: E.164 still, of the same length and calling code, its 10th digit
-- from the end (the seeded numbers' first national digit, always 7) moved up by k (mod 10),
-- so copies 1–9 of a seeded number differ from it and from each other. From copy 10 on a
-- digit (k / 10) is appended too (seeded numbers have at most 13 digits; E.164 allows 15).
-- Anything else (no phone) stays as it is.
CREATE FUNCTION pg_temp.phone(p text, k int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p ~ '^\+[1-9][0-9]{6,14}$' THEN
        overlay(p PLACING ((substr(p, greatest(3, length(p) - 9), 1)::int + k) % 10)::text
            FROM greatest(3, length(p) - 9) FOR 1) || CASE WHEN k >= 10 THEN (k / 10)::text ELSE '' END
    ELSE p END $$;

-- conversations.last_message, a JSON summary of the newest message: its id and created_at
-- become the copy's, the text around them stays byte for byte. The shift being whole days,
-- only the date and clock of created_at change: its fraction (nanoseconds, from Go) and
-- zone stay as they are.
CREATE FUNCTION pg_temp.summary(s text, k int, shift bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT replace(replace(s,
        '"id":"' || (s::json->>'id') || '"',
        '"id":"' || pg_temp.gid((s::json->>'id')::uuid, k) || '"'),
        '"created_at":"' || (s::json->>'created_at') || '"',
        '"created_at":"' || to_char(substr(s::json->>'created_at', 1, 19)::timestamp
            - (shift::text || ' microseconds')::interval, 'YYYY-MM-DD"T"HH24:MI:SS')
            || substr(s::json->>'created_at', 20) || '"') $$;

-- conversation_count: the number of the contact's conversations, counted when grow.sh took
-- its snapshot (the copies of a contact's conversations are those of the copy's contact).
-- Contacts' e-mails get a "+k" before the "@" (none is unique, but alike they would make
-- every e-mail search find FACTOR contacts).
INSERT INTO contacts (id, tenant_id, first_name, last_name, phone, email, country_code, created_at, updated_at,
    conversation_count)
SELECT pg_temp.gid(id, :k), tenant_id, first_name, last_name, pg_temp.phone(phone, :k),
    regexp_replace(email, '@', '+' || :k || '@'), country_code, created_at - :shift, updated_at - :shift, conversations
FROM grow_src_contacts;

-- (channel_id, address) is the primary key. An address that is the contact's phone, with or
-- without its "+", follows the phone; another number (a Telegram id) gets k in front; any
-- other address "#k" after it.
INSERT INTO contact_identities (channel_id, address, tenant_id, contact_id)
SELECT channel_id,
    CASE WHEN address = phone AND pg_temp.phone(phone, :k) <> phone THEN pg_temp.phone(phone, :k)
        WHEN '+' || address = phone AND pg_temp.phone(phone, :k) <> phone THEN substr(pg_temp.phone(phone, :k), 2)
        WHEN address ~ '^[0-9]+$' THEN :k || address
        ELSE address || '#' || :k END,
    tenant_id, pg_temp.gid(contact_id, :k)
FROM grow_src_contact_identities;

-- The conversations, and what the triggers of migrations 0005/0021 (conversation_counts) and
-- 0009 (conversation_campaign_counts) would have appended to the counters' *_changes tables
-- for them, added up by group (the nodes, or grow.sh, fold them into the counters). One open
-- conversation per contact and channel (0013) holds: each copy has contacts of its own.
WITH ins AS (
    INSERT INTO conversations (id, tenant_id, contact_id, channel_id, type, status, priority, category,
        assigned_user_id, assigned_team_id, broadcast_id, campaign_id, unread_count, last_message, last_message_at,
        last_inbound_at, first_response_at, resolved_at, closed_at, activity_at, created_at, updated_at, window_closed_at)
    SELECT pg_temp.gid(id, :k), tenant_id, pg_temp.gid(contact_id, :k), channel_id, type, status, priority, category,
        assigned_user_id, assigned_team_id, broadcast_id, campaign_id, unread_count,
        pg_temp.summary(last_message, :k, :shift), last_message_at - :shift, last_inbound_at - :shift,
        first_response_at - :shift, resolved_at - :shift, closed_at - :shift, activity_at - :shift,
        created_at - :shift, updated_at - :shift, window_closed_at - :shift
    FROM grow_src_conversations
    RETURNING tenant_id, created_at, assigned_user_id, assigned_team_id, status, channel_id, unread_count,
        resolved_at, first_response_at, campaign_id, broadcast_id
), days AS (
    INSERT INTO conversation_day_changes
    SELECT tenant_id, tenant_local_day(tenant_id, created_at),
        COALESCE(assigned_team_id, '00000000-0000-0000-0000-000000000000'), status, channel_id, COUNT(*),
        COALESCE(SUM(resolved_at - created_at), 0), COUNT(resolved_at),
        COALESCE(SUM(first_response_at - created_at), 0), COUNT(first_response_at)
    FROM ins GROUP BY 1, 2, 3, 4, 5
), loads AS (
    INSERT INTO conversation_load_changes
    SELECT tenant_id, COALESCE(assigned_user_id, '00000000-0000-0000-0000-000000000000'),
        COALESCE(assigned_team_id, '00000000-0000-0000-0000-000000000000'), status, channel_id, COUNT(*),
        SUM(unread_count), COUNT(*) FILTER (WHERE unread_count > 0),
        COALESCE(SUM(first_response_at - created_at), 0), COUNT(first_response_at)
    FROM ins GROUP BY 1, 2, 3, 4, 5
)
INSERT INTO conversation_campaign_changes
SELECT tenant_id, COALESCE(campaign_id, '00000000-0000-0000-0000-000000000000'),
    COALESCE(broadcast_id, '00000000-0000-0000-0000-000000000000'), status, COUNT(*)
FROM ins WHERE campaign_id IS NOT NULL OR broadcast_id IS NOT NULL GROUP BY 1, 2, 3, 4;

INSERT INTO conversation_tags (conversation_id, tag_id)
SELECT pg_temp.gid(conversation_id, :k), tag_id FROM grow_src_conversation_tags;

-- A contact's message names the contact as its sender. (channel_id, provider_message_id) is
-- unique: the seed's "seed.<id>" follows the id, any other gets ".k" after it. attachments,
-- payload and reactions are copied as they are (the seed leaves them empty).
INSERT INTO messages (id, tenant_id, conversation_id, channel_id, sender_type, sender_id, content, content_type,
    is_internal, attachments, payload, status, provider_message_id, reply_to_id, error, is_read, created_at,
    sent_at, delivered_at, read_at, failed_at, send_attempts, reactions)
SELECT pg_temp.gid(id, :k), tenant_id, pg_temp.gid(conversation_id, :k), channel_id, sender_type,
    CASE WHEN sender_type = 'end_user' THEN pg_temp.gid(sender_id, :k) ELSE sender_id END,
    content, content_type, is_internal, attachments, payload, status,
    CASE WHEN provider_message_id = 'seed.' || id THEN 'seed.' || pg_temp.gid(id, :k)
        ELSE provider_message_id || '.' || :k END,
    pg_temp.gid(reply_to_id, :k), error, is_read, created_at - :shift,
    sent_at - :shift, delivered_at - :shift, read_at - :shift, failed_at - :shift, send_attempts, reactions
FROM grow_src_messages;

INSERT INTO message_mentions (message_id, user_id)
SELECT pg_temp.gid(message_id, :k), user_id FROM grow_src_message_mentions;

-- recorded is the entry's place in its message's history, not a time.
INSERT INTO message_status_history (message_id, status, at, error, recorded)
SELECT pg_temp.gid(message_id, :k), status, at - :shift, error, recorded FROM grow_src_message_status_history;

COMMIT;
