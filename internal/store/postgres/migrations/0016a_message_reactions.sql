-- The contacts' reactions to a message: a JSON array of {emoji, sender_type, sender_id,
-- created_at}, one per contact; a removed reaction stays as an entry without emoji, so a
-- reaction redelivered after its removal does not come back. NULL when there are none.
ALTER TABLE messages ADD COLUMN reactions TEXT;
