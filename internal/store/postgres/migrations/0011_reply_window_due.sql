-- The reply-window sweep reads the windows it has not swept yet, oldest first, from this
-- index: a swept window leaves it (window_closed_at catches up with last_inbound_at), and the
-- sweep now sweeps every window, announced or not (other channels, closed conversations). It
-- walked conversations_last_inbound from the oldest window ever closed, every 30 seconds.
DROP INDEX conversations_last_inbound;
CREATE INDEX conversations_window_due ON conversations (last_inbound_at)
    WHERE last_inbound_at IS NOT NULL AND (window_closed_at IS NULL OR window_closed_at < last_inbound_at);
