-- When a user was deactivated; NULL while active. A deactivated user can neither log in nor
-- use a token issued before.
ALTER TABLE users ADD COLUMN deactivated_at BIGINT;
