-- The calls a voice channel answered, by the provider's call id: Twilio's recording and
-- status callbacks carry only the CallSid, not the caller, so the caller is looked up here
-- (on any node). recording_started says the caller reached the voicemail recording, so a
-- call that ends without it is a missed call.
CREATE TABLE voice_calls (
    channel_id        TEXT NOT NULL,
    call_sid          TEXT NOT NULL,
    tenant_id         TEXT NOT NULL,
    caller            TEXT NOT NULL,
    recording_started BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (channel_id, call_sid)
);
