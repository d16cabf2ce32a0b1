-- The conversation list's mentioned=me filter finds a user's mentions by the user: the
-- primary key (message_id, user_id) answers only "whom does this note mention".
CREATE INDEX message_mentions_user ON message_mentions (user_id, message_id);
