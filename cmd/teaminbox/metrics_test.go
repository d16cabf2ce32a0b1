package main

import (
	"context"
	"testing"

	"github.com/teaminbox/teaminbox/internal/config"
	"github.com/teaminbox/teaminbox/internal/realtime/natstest"
)

// TestClusterMetrics wires a node to NATS and checks that its registry holds what a cluster
// is operated by: NATS state and reconnects, transactions run again, events delivered from
// the log, and the database pools' use.
func TestClusterMetrics(t *testing.T) {
	cfg := &config.Config{DataDir: t.TempDir(), NATSURL: natstest.Start(t, -1).ClientURL(), JWTSecret: "0123456789abcdef0123456789abcdef"}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tokens, err := newTokens(cfg)
	if err != nil {
		t.Fatal(err)
	}
	reg := newRegistry(st)
	a, err := wire(ctx, cfg, st, tokens, reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.close)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			values[f.GetName()] += m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	for _, name := range []string{"teaminbox_nats_connected", "teaminbox_nats_reconnects_total", "teaminbox_db_transaction_retries_total",
		"teaminbox_realtime_events_from_log_total", "go_sql_in_use_connections", "go_sql_idle_connections", "go_sql_wait_count_total"} {
		if _, ok := values[name]; !ok {
			t.Errorf("no %s in the registry", name)
		}
	}
	if values["teaminbox_nats_connected"] != 1 {
		t.Errorf("teaminbox_nats_connected = %v while connected, want 1", values["teaminbox_nats_connected"])
	}
	names := map[string]bool{}
	for _, c := range a.checks {
		names[c.Name] = true
	}
	if !names["nats"] || !names["outbox"] {
		t.Errorf("readiness checks %v, want nats and outbox", names)
	}
}
