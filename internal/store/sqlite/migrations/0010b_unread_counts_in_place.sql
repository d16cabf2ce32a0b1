-- A new message changes its conversation's unread count, nothing that places it in a group of
-- conversation_loads: its counters change in place, in one UPDATE, instead of the conversation
-- being taken out of its group and put back in (two upserts through the view's trigger, a
-- quarter of the conversation's touch). Moves between groups stay as they were.
DROP TRIGGER conversation_counts_update_loads;

CREATE TRIGGER conversation_counts_move_loads AFTER UPDATE OF tenant_id, assigned_user_id, assigned_team_id,
    status, channel_id ON conversations
WHEN OLD.tenant_id IS NOT NEW.tenant_id OR OLD.assigned_user_id IS NOT NEW.assigned_user_id
    OR OLD.assigned_team_id IS NOT NEW.assigned_team_id OR OLD.status IS NOT NEW.status
    OR OLD.channel_id IS NOT NEW.channel_id
BEGIN
    INSERT INTO conversation_load_changes VALUES (OLD.tenant_id, OLD.created_at, OLD.assigned_user_id,
        OLD.assigned_team_id, OLD.status, OLD.channel_id, OLD.unread_count, OLD.first_response_at, -1);
    INSERT INTO conversation_load_changes VALUES (NEW.tenant_id, NEW.created_at, NEW.assigned_user_id,
        NEW.assigned_team_id, NEW.status, NEW.channel_id, NEW.unread_count, NEW.first_response_at, 1);
END;

-- The same arithmetic as conversation_load_count's, as the difference of the two rows.
CREATE TRIGGER conversation_counts_update_loads AFTER UPDATE OF created_at, unread_count, first_response_at ON conversations
WHEN OLD.tenant_id IS NEW.tenant_id AND OLD.assigned_user_id IS NEW.assigned_user_id
    AND OLD.assigned_team_id IS NEW.assigned_team_id AND OLD.status IS NEW.status AND OLD.channel_id IS NEW.channel_id
    AND (OLD.created_at IS NOT NEW.created_at OR OLD.unread_count IS NOT NEW.unread_count
        OR OLD.first_response_at IS NOT NEW.first_response_at)
BEGIN
    UPDATE conversation_loads SET unread_messages = unread_messages + NEW.unread_count - OLD.unread_count,
        unread = unread + (NEW.unread_count > 0) - (OLD.unread_count > 0),
        first_response_sum = first_response_sum + COALESCE(NEW.first_response_at - NEW.created_at, 0)
            - COALESCE(OLD.first_response_at - OLD.created_at, 0),
        first_responded = first_responded + (NEW.first_response_at IS NOT NULL) - (OLD.first_response_at IS NOT NULL)
    WHERE tenant_id = NEW.tenant_id AND user_id = COALESCE(NEW.assigned_user_id, '00000000-0000-0000-0000-000000000000')
        AND team_id = COALESCE(NEW.assigned_team_id, '00000000-0000-0000-0000-000000000000')
        AND status = NEW.status AND channel_id = NEW.channel_id;
END;
