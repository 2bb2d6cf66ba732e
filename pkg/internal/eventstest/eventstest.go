// Package eventstest is the fixture the outbox and inbox tests share: a database
// with an effects table, an embedded JetStream with a test stream, and a handler
// whose every application leaves one row, so "applied twice" is visible.
package eventstest

import (
	"context"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/testkit"
)

// Stream and Subject are what the fixture publishes on.
const (
	Stream  = "TEST"
	Subject = "test.thing.happened"
)

var schema = testkit.Migrations{Name: "eventstest", FS: fstest.MapFS{
	"00001_effects.sql": {Data: []byte(`-- +goose Up
CREATE TABLE effects (event_id uuid NOT NULL, consumer text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
-- +goose Down
DROP TABLE effects;
`)},
}}

// Env is one test's database and broker.
type Env struct {
	Pool *pgxpool.Pool
	NATS *testkit.NATS
	NC   *nats.Conn
	JS   jetstream.JetStream

	wg sync.WaitGroup
}

// Setup makes a fresh database, a fresh JetStream and the test stream.
func Setup(t testing.TB) *Env {
	t.Helper()
	e := &Env{Pool: testkit.Database(t, schema)}
	e.NATS, e.NC, e.JS = testkit.JetStream(t)
	if _, err := natsx.EnsureStream(context.Background(), e.JS, natsx.StreamSpec{Name: Stream, Subjects: []string{"test.>"}}); err != nil {
		t.Fatal(err)
	}
	return e
}

// Go runs fn until the test ends; the test waits for it to return.
func (e *Env) Go(t testing.TB, fn func(ctx context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e.wg.Add(1)
	done := make(chan struct{})
	go func() {
		defer e.wg.Done()
		defer close(done)
		if err := fn(ctx); err != nil && ctx.Err() == nil {
			t.Errorf("background: %v", err)
		}
	}()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return stop
}

// Emit writes n events through the outbox in one transaction, committing it or
// rolling it back, and returns their ids.
func (e *Env) Emit(t testing.TB, n int, commit bool) []uuid.UUID {
	t.Helper()
	ctx := context.Background()
	tx, err := e.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	ids := make([]uuid.UUID, n)
	events := make([]outbox.Event, n)
	for i := range events {
		ev, err := outbox.New(Subject, wrapperspb.String("thing"))
		if err != nil {
			t.Fatal(err)
		}
		events[i], ids[i] = ev, ev.ID
	}
	if err := outbox.Add(ctx, tx, events...); err != nil {
		t.Fatal(err)
	}
	if commit {
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// Consumer is a consumer of the test stream recording effects.
func (e *Env) Consumer(t testing.TB, name string) *inbox.Consumer {
	return &inbox.Consumer{
		Name: name, Stream: Stream, Subjects: []string{"test.>"},
		Pool: e.Pool, JS: e.JS, Log: testkit.Logger(t), Handler: RecordEffect(name),
		MaxDeliver: 3, Backoff: []time.Duration{50 * time.Millisecond}, AckWait: time.Second,
	}
}

// RecordEffect is a handler that leaves one effects row per application.
func RecordEffect(consumer string) inbox.Handler {
	return func(ctx context.Context, tx pgx.Tx, msg inbox.Message) error {
		_, err := tx.Exec(ctx, `INSERT INTO effects (event_id, consumer) VALUES ($1, $2)`, msg.EventID, consumer)
		return err
	}
}

// Effects counts applications per event id.
func (e *Env) Effects(t testing.TB) map[uuid.UUID]int {
	t.Helper()
	rows, err := e.Pool.Query(context.Background(), `SELECT event_id, count(*) FROM effects GROUP BY event_id`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[uuid.UUID]int{}
	for rows.Next() {
		var id uuid.UUID
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// WaitApplied waits until every id has been applied, then until the consumer has
// nothing pending or unacknowledged, so a late duplicate would have shown.
func (e *Env) WaitApplied(t testing.TB, consumer string, ids []uuid.UUID) map[uuid.UUID]int {
	t.Helper()
	Eventually(t, 20*time.Second, func() bool {
		got := e.Effects(t)
		for _, id := range ids {
			if got[id] == 0 {
				return false
			}
		}
		return true
	}, "events were not applied")
	e.WaitDrained(t, consumer)
	return e.Effects(t)
}

// WaitDrained waits until the durable consumer has delivered and had
// acknowledged everything in the stream.
func (e *Env) WaitDrained(t testing.TB, consumer string) {
	t.Helper()
	Eventually(t, 20*time.Second, func() bool {
		c, err := e.JS.Consumer(context.Background(), Stream, consumer)
		if err != nil {
			return false
		}
		info, err := c.Info(context.Background())
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	}, "consumer did not drain")
}

// StreamMessages is the number of messages the test stream holds.
func (e *Env) StreamMessages(t testing.TB) uint64 {
	t.Helper()
	s, err := e.JS.Stream(context.Background(), Stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// Eventually polls cond until it holds or the timeout passes.
func Eventually(t testing.TB, timeout time.Duration, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ExactlyOnce fails unless every id was applied exactly once and nothing else was.
func ExactlyOnce(t testing.TB, effects map[uuid.UUID]int, ids []uuid.UUID) {
	t.Helper()
	if len(effects) != len(ids) {
		t.Errorf("%d distinct events applied, want %d", len(effects), len(ids))
	}
	for _, id := range ids {
		if effects[id] != 1 {
			t.Errorf("event %s applied %d times, want 1", id, effects[id])
		}
	}
}
