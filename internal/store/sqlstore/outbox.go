package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

func (q *queries) EnqueueOutbound(ctx context.Context, item inbox.OutboxItem) error {
	// The item's seq is its place in its conversation's queue; the caller's lock on the
	// conversation keeps two items from taking the same one (a unique index would refuse it).
	_, err := q.exec(ctx, `INSERT INTO outbox (id, tenant_id, message_id, channel_id, conversation_id, seq, attempts, next_attempt, last_error, created_at)
		VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox WHERE conversation_id = ?), ?, ?, ?, ?)`,
		item.ID, item.TenantID, item.MessageID, item.ChannelID, item.ConversationID, item.ConversationID, item.Attempts,
		micros(item.NextAttempt), item.LastError, micros(item.CreatedAt))
	if err != nil {
		return fmt.Errorf("enqueue outbound: %w", err)
	}
	return nil
}

// claimable is the condition that the outbox item aliased o may be claimed at the time
// given as its argument: it is due, and it heads its conversation's queue, no item queued
// before it being still in the outbox (being sent, or waiting for a retry), so a
// conversation's replies leave in order. An item that failed for good is removed, and the
// next one goes. A scalar subquery, probed through outbox_conversation_seq for each due
// item: PostgreSQL turned NOT EXISTS into an anti-join that read the whole index.
const claimable = `o.next_attempt <= ? AND o.seq = (SELECT MIN(e.seq) FROM outbox e WHERE e.conversation_id = o.conversation_id)`

func (q *queries) ClaimOutbound(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]inbox.OutboxItem, error) {
	// One statement: the lease is taken atomically, and on PostgreSQL rows another node is
	// claiming right now are skipped rather than waited for.
	rows, err := q.query(ctx, `UPDATE outbox SET attempts = attempts + 1, next_attempt = ?, claim_token = ?
		WHERE id `+q.d.inList(`SELECT o.id FROM outbox o WHERE `+claimable+` ORDER BY o.next_attempt LIMIT ? `+q.d.SQL.Get("skip_locked"))+`
		RETURNING id, tenant_id, message_id, channel_id, conversation_id, attempts, next_attempt, last_error, created_at, claim_token`,
		micros(now.Add(lease)), uuid.NewString(), micros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim outbound: %w", err)
	}
	return collect(rows, "claim outbound", func(o *inbox.OutboxItem) []any {
		return []any{&o.ID, &o.TenantID, &o.MessageID, &o.ChannelID, &o.ConversationID, &o.Attempts, timeCol{&o.NextAttempt}, &o.LastError, timeCol{&o.CreatedAt}, &o.Claim}
	})
}

func (q *queries) ExtendOutbound(ctx context.Context, id uuid.UUID, claim string, until time.Time) error {
	res, err := q.exec(ctx, `UPDATE outbox SET next_attempt = ? WHERE id = ? AND claim_token = ?`, micros(until), id, claim)
	if err != nil {
		return fmt.Errorf("extend outbound: %w", err)
	}
	return affected(res, "extend outbound")
}

func (q *queries) CompleteOutbound(ctx context.Context, id uuid.UUID, claim string) error {
	res, err := q.exec(ctx, `DELETE FROM outbox WHERE id = ? AND claim_token = ?`, id, claim)
	if err != nil {
		return fmt.Errorf("complete outbound: %w", err)
	}
	return affected(res, "complete outbound")
}

func (q *queries) RetryOutbound(ctx context.Context, id uuid.UUID, claim string, at time.Time, lastError string) error {
	res, err := q.exec(ctx, `UPDATE outbox SET next_attempt = ?, last_error = ?, claim_token = '' WHERE id = ? AND claim_token = ?`,
		micros(at), lastError, id, claim)
	if err != nil {
		return fmt.Errorf("retry outbound: %w", err)
	}
	return affected(res, "retry outbound")
}

func (q *queries) OutboxBacklog(ctx context.Context) (inbox.OutboxBacklog, error) {
	var b inbox.OutboxBacklog
	if err := q.row(ctx, `SELECT COUNT(*), MIN(created_at) FROM outbox`).Scan(&b.Items, optTimeCol{&b.Oldest}); err != nil {
		return b, fmt.Errorf("outbox backlog: %w", err)
	}
	return b, nil
}

// nextEventSeq takes the tenant's next event sequence number where events are numbered as
// they are stored (SQLite). The tenant's counter row stays locked until commit, so events
// commit in sequence order and a client resuming after seq N never misses one that commits
// later; with one writer, that costs no waiting.
const nextEventSeq = `UPDATE tenants SET event_seq = event_seq + 1 WHERE id = ? RETURNING event_seq`

// AppendEvent stores e, numbered (e.Seq set) unless the dialect numbers events after commit
// (see Dialect.SequenceEvents and NumberEvents), when e.Seq stays 0.
func (q *queries) AppendEvent(ctx context.Context, e *inbox.Event) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now().UTC()
	}
	e.Seq = 0
	if !q.d.SequenceEvents {
		if err := q.scanOne(ctx, "append event: next seq", nextEventSeq, []any{e.TenantID}, &e.Seq); err != nil {
			return err
		}
	}
	_, err := q.exec(ctx, `INSERT INTO events (tenant_id, seq, type, conversation_id, assigned_user_id, data, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.TenantID, optSeq(e.Seq), string(e.Type), optID(e.ConversationID), optID(e.AssignedUserID),
		string(e.Data), micros(e.CreatedAt))
	if err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	return nil
}

// optSeq stores an event not numbered yet with a NULL seq.
func optSeq(seq int64) any {
	if seq == 0 {
		return nil
	}
	return seq
}

// NumberEvents numbers up to limit of the events stored unnumbered, oldest first, in one
// statement run alone (its own transaction), and returns them once committed, in seq order
// per tenant. Where the dialect numbers events as they are stored, there are none.
func (s *Store) NumberEvents(ctx context.Context, limit int) ([]inbox.Event, error) {
	if !s.d.SequenceEvents {
		return nil, nil
	}
	rows, err := s.query(ctx, s.d.SQL.Get("number_events"), limit)
	if err != nil {
		return nil, fmt.Errorf("number events: %w", err)
	}
	list, err := collect(rows, "number events", eventDest)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b inbox.Event) int {
		return cmp.Or(slices.Compare(a.TenantID[:], b.TenantID[:]), cmp.Compare(a.Seq, b.Seq))
	})
	return list, nil
}

func eventDest(e *inbox.Event) []any {
	return []any{&e.TenantID, &e.Seq, &e.Type, optIDCol{&e.ConversationID}, optIDCol{&e.AssignedUserID}, rawCol{&e.Data}, timeCol{&e.CreatedAt}}
}

func (q *queries) EventsSince(ctx context.Context, tenant uuid.UUID, after int64, limit int) ([]inbox.Event, int64, error) {
	var oldest *int64
	if err := q.row(ctx, `SELECT MIN(seq) FROM events WHERE tenant_id = ?`, tenant).Scan(&oldest); err != nil {
		return nil, 0, fmt.Errorf("oldest event: %w", err)
	}
	if oldest == nil {
		return []inbox.Event{}, 0, nil
	}
	rows, err := q.query(ctx, `SELECT tenant_id, seq, type, conversation_id, assigned_user_id, data, created_at
		FROM events WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?`, tenant, after, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("events since: %w", err)
	}
	list, err := collect(rows, "events since", eventDest)
	return list, *oldest, err
}

// LatestSeq reads the newest numbered event: sequence numbers commit in order (the tenant's
// counter row stays locked until the numbering commits), so every event up to it is committed.
func (q *queries) LatestSeq(ctx context.Context, tenant uuid.UUID) (int64, error) {
	var seq int64
	if err := q.row(ctx, `SELECT COALESCE(MAX(seq), 0) FROM events WHERE tenant_id = ?`, tenant).Scan(&seq); err != nil {
		return 0, fmt.Errorf("latest event: %w", err)
	}
	return seq, nil
}

func (q *queries) PruneEvents(ctx context.Context, before time.Time) (int, error) {
	res, err := q.exec(ctx, `DELETE FROM events WHERE created_at < ?
		AND seq < (SELECT MAX(e.seq) FROM events e WHERE e.tenant_id = events.tenant_id)`, micros(before))
	if err != nil {
		return 0, fmt.Errorf("prune events: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
