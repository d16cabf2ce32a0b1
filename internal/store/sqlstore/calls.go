package sqlstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

func (q *queries) SaveCall(ctx context.Context, c inbox.Call) error {
	_, err := q.exec(ctx, `INSERT INTO voice_calls (channel_id, call_sid, tenant_id, caller, recording_started, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, c.ChannelID, c.SID, c.TenantID, c.Caller, c.RecordingStarted, micros(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("save call: %w", err)
	}
	return nil
}

func (q *queries) GetCall(ctx context.Context, channelID uuid.UUID, sid string) (inbox.Call, error) {
	var c inbox.Call
	err := q.scanOne(ctx, "get call", `SELECT channel_id, call_sid, tenant_id, caller, recording_started, created_at
		FROM voice_calls WHERE channel_id = ? AND call_sid = ?`, []any{channelID, sid},
		&c.ChannelID, &c.SID, &c.TenantID, &c.Caller, &c.RecordingStarted, timeCol{&c.CreatedAt})
	return c, err
}

func (q *queries) MarkCallRecording(ctx context.Context, channelID uuid.UUID, sid string) error {
	res, err := q.exec(ctx, `UPDATE voice_calls SET recording_started = TRUE WHERE channel_id = ? AND call_sid = ?`, channelID, sid)
	if err != nil {
		return fmt.Errorf("mark call recording: %w", err)
	}
	return affected(res, "mark call recording")
}
