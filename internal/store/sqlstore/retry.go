package sqlstore

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// maxAttempts bounds how often a transaction that lost a deadlock or a serialization check
// runs: a loss is rare, and the next attempt meets a rival that has committed.
const maxAttempts = 8

// retryBackoff is the first attempt's wait before the next, doubled each time and jittered,
// so that two rivals do not meet again at once.
const retryBackoff = 2 * time.Millisecond

// runAlone runs fn in a transaction of its own, and again while it loses a
// deadlock or a serialization check (PostgreSQL's 40P01 and 40001): the whole transaction
// was rolled back, so its work is run from the start.
func (s *Store) runAlone(ctx context.Context, fn func(q inbox.Queries) error) error {
	for attempt := 1; ; attempt++ {
		err := s.runTx(ctx, fn)
		reason := s.retryReason(err)
		if reason == "" || attempt == maxAttempts {
			return err
		}
		s.retries.WithLabelValues(reason).Inc()
		wait := retryBackoff << (attempt - 1)
		wait += rand.N(wait)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// retryReason names why err is worth running the transaction again ("deadlock",
// "serialization"), or is "" when it is not.
func (s *Store) retryReason(err error) string {
	if err == nil || s.d.Retryable == nil {
		return ""
	}
	return s.d.Retryable(err)
}

// Collectors are the store's metrics: the transactions run again, and the connection
// pools' use (connections in use and idle, waits for one).
func (s *Store) Collectors() []prometheus.Collector {
	cs := []prometheus.Collector{s.retries, collectors.NewDBStatsCollector(s.db, s.d.Name)}
	if s.writer.db != s.db {
		cs = append(cs, collectors.NewDBStatsCollector(s.writer.db, s.d.Name+"_writer"))
	}
	return cs
}

func newRetries() *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "teaminbox_db_transaction_retries_total",
		Help: "Transactions run again after losing a deadlock or a serialization check, by reason.",
	}, []string{"reason"})
	for _, reason := range []string{"deadlock", "serialization"} {
		c.WithLabelValues(reason) // shown at 0 before the first
	}
	return c
}
