package outbox_test

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/internal/eventstest"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
)

// latencyRecorder notes when each event's transaction committed (as its
// writer saw the commit return) and when its handler ran; latency is the
// difference, commit → handler.
type latencyRecorder struct {
	// writers is the writers' own pool, the size of a service's default pool
	// (max(4, NumCPU) on this machine: 4), so the relay and the consumer keep
	// the fixture's pool to themselves. A pool as large as the writers (64
	// connections on 2 cores) only queued them inside PostgreSQL and gave the
	// relay a p99 near a second.
	writers *pgxpool.Pool

	mu        sync.Mutex
	committed map[uuid.UUID]time.Time
	handled   map[uuid.UUID]time.Time
	done      chan struct{}
	want      int
}

func newRecorder(want int) *latencyRecorder {
	return &latencyRecorder{committed: make(map[uuid.UUID]time.Time, want), handled: make(map[uuid.UUID]time.Time, want),
		done: make(chan struct{}), want: want}
}

// handler is a per-event handler: one statement per event.
func (r *latencyRecorder) handler(ctx context.Context, tx pgx.Tx, msg inbox.Message) error {
	if _, err := tx.Exec(ctx, `INSERT INTO effects (event_id, consumer) VALUES ($1, 'bench')`, msg.EventID); err != nil {
		return err
	}
	r.handledAt(time.Now(), msg.EventID)
	return nil
}

// batchHandler applies a batch with one statement.
func (r *latencyRecorder) batchHandler(ctx context.Context, tx pgx.Tx, msgs []inbox.Message) error {
	ids := make([]uuid.UUID, len(msgs))
	for i, m := range msgs {
		ids[i] = m.EventID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO effects (event_id, consumer) SELECT unnest($1::uuid[]), 'bench'`, ids); err != nil {
		return err
	}
	r.handledAt(time.Now(), ids...)
	return nil
}

func (r *latencyRecorder) handledAt(at time.Time, ids ...uuid.UUID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		if _, seen := r.handled[id]; !seen {
			r.handled[id] = at
			if len(r.handled) == r.want {
				close(r.done)
			}
		}
	}
}

// emit commits n events in one transaction and notes when the commit returned.
func (r *latencyRecorder) emit(b *testing.B, n int) {
	ctx := context.Background()
	ids := make([]uuid.UUID, n)
	err := pg.InTx(ctx, r.writers, func(tx pgx.Tx) error {
		events := make([]outbox.Event, n)
		for i := range events {
			ev, err := outbox.New(eventstest.Subject, wrapperspb.Int64(time.Now().UnixNano()))
			if err != nil {
				return err
			}
			events[i], ids[i] = ev, ev.ID
		}
		return outbox.Add(ctx, tx, events...)
	})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		r.committed[id] = now
	}
}

// startPipeline runs a relay and a consumer, whose handler is per event, or
// a batch handler when batch is set.
func startPipeline(b *testing.B, want int, batch bool) (*eventstest.Env, *latencyRecorder) {
	e := eventstest.Setup(b)
	rec := newRecorder(want)
	cfg := e.Pool.Config()
	cfg.MaxConns = int32(max(4, runtime.NumCPU()))
	var err error
	if rec.writers, err = pgxpool.NewWithConfig(context.Background(), cfg); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(rec.writers.Close)
	e.Go(b, (&outbox.Relay{Pool: e.Pool, JS: e.JS}).Run)
	c := e.Consumer(b, "bench")
	c.Handler = rec.handler
	if batch {
		c.Handler, c.BatchHandler = nil, rec.batchHandler
	}
	e.Go(b, c.Run)
	return e, rec
}

// handlers are the two consumer shapes each benchmark runs with.
var handlers = []struct {
	name  string
	batch bool
}{{"handler=each", false}, {"handler=batch", true}}

// report waits for every event and reports latency quantiles and the
// end-to-end rate from start until the last event was consumed. A handler
// that ran before its writer saw the commit return counts as zero latency.
func (r *latencyRecorder) report(b *testing.B, start time.Time) {
	select {
	case <-r.done:
	case <-time.After(120 * time.Second):
		r.mu.Lock()
		defer r.mu.Unlock()
		b.Fatalf("only %d of %d events consumed", len(r.handled), r.want)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	lat := make([]time.Duration, 0, len(r.handled))
	last := start
	for id, at := range r.handled {
		committed := r.committed[id]
		if committed.Before(start) {
			continue // written while warming up
		}
		lat = append(lat, max(at.Sub(committed), 0))
		if at.After(last) {
			last = at
		}
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(1), "max-ms")
	b.ReportMetric(float64(len(lat))/last.Sub(start).Seconds(), "events/s")
}

// BenchmarkOutboxToConsumerAt1000PerSecond commits one event per transaction at
// a steady 1,000/s for 5 s and measures commit → handler latency through the
// relay, JetStream and the inbox consumer, with a per-event handler and with a
// batch handler. Each iteration is one such run, after a second at the same
// rate that is not measured: connections, prepared statements and the
// consumer are made then, as in a service that has been running.
func BenchmarkOutboxToConsumerAt1000PerSecond(b *testing.B) {
	for _, h := range handlers {
		b.Run(h.name, func(b *testing.B) { benchAtRate(b, h.batch) })
	}
}

func benchAtRate(b *testing.B, batch bool) {
	const rate, warmup, seconds = 1000, 1, 5
	for range b.N {
		_, rec := startPipeline(b, rate*(warmup+seconds), batch)
		offer := func(n int) {
			tick := time.NewTicker(time.Second / rate)
			defer tick.Stop()
			var wg sync.WaitGroup
			// Enough writers that a slow commit does not hold back the offered
			// rate; they queue for the pool's connections as a service's requests do.
			sem := make(chan struct{}, 64)
			for range n {
				<-tick.C
				sem <- struct{}{}
				wg.Add(1)
				go func() { defer wg.Done(); rec.emit(b, 1); <-sem }()
			}
			wg.Wait()
		}
		offer(rate * warmup)
		start := time.Now()
		offer(rate * seconds)
		rec.report(b, start)
	}
}

// BenchmarkOutboxToConsumerThroughput commits 20,000 events from 16 writers,
// 100 per transaction, as fast as they go, and reports end-to-end events/s
// (until the last handler ran), with a per-event handler and with a batch
// handler. Each iteration is one such run.
func BenchmarkOutboxToConsumerThroughput(b *testing.B) {
	for _, h := range handlers {
		b.Run(h.name, func(b *testing.B) { benchThroughput(b, h.batch) })
	}
}

func benchThroughput(b *testing.B, batch bool) {
	const total, writers, perTx = 20000, 16, 100
	for range b.N {
		_, rec := startPipeline(b, total, batch)
		start := time.Now()
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w * perTx; i < total; i += writers * perTx {
					rec.emit(b, perTx)
				}
			}()
		}
		wg.Wait()
		rec.report(b, start)
	}
}
