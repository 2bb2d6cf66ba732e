package outbox_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/internal/eventstest"
	"github.com/crossdock/crossdock/pkg/outbox"
)

// latencyRecorder collects commit → handler latencies carried in the payload.
type latencyRecorder struct {
	mu   sync.Mutex
	lat  []time.Duration
	done chan struct{}
	want int
}

func (r *latencyRecorder) handler(ctx context.Context, tx pgx.Tx, msg inbox.Message) error {
	var sent wrapperspb.Int64Value
	if err := proto.Unmarshal(msg.Payload, &sent); err != nil {
		return inbox.Permanent(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO effects (event_id, consumer) VALUES ($1, 'bench')`, msg.EventID); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lat = append(r.lat, time.Since(time.Unix(0, sent.Value)))
	if len(r.lat) == r.want {
		close(r.done)
	}
	return nil
}

func emitOne(b *testing.B, e *eventstest.Env) {
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, e.Pool, func(tx pgx.Tx) error {
		ev, err := outbox.New(eventstest.Subject, wrapperspb.Int64(time.Now().UnixNano()))
		if err != nil {
			return err
		}
		return outbox.Add(ctx, tx, ev)
	})
	if err != nil {
		b.Fatal(err)
	}
}

func startPipeline(b *testing.B, want int) (*eventstest.Env, *latencyRecorder) {
	e := eventstest.Setup(b)
	rec := &latencyRecorder{done: make(chan struct{}), want: want}
	e.Go(b, (&outbox.Relay{Pool: e.Pool, JS: e.JS}).Run)
	c := e.Consumer(b, "bench")
	c.Handler = rec.handler
	e.Go(b, c.Run)
	return e, rec
}

// report waits for every event and reports latency quantiles and the
// end-to-end rate from start until the last event was consumed.
func (r *latencyRecorder) report(b *testing.B, start time.Time) {
	select {
	case <-r.done:
	case <-time.After(60 * time.Second):
		b.Fatalf("only %d of %d events consumed", len(r.lat), r.want)
	}
	elapsed := time.Since(start)
	slices.Sort(r.lat)
	q := func(p float64) float64 { return float64(r.lat[int(p*float64(len(r.lat)-1))]) / 1e6 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(1), "max-ms")
	b.ReportMetric(float64(r.want)/elapsed.Seconds(), "events/s")
}

// BenchmarkOutboxToConsumerAt1000PerSecond commits one event per transaction at
// a steady 1,000/s for 5 s and measures commit → handler latency through the
// relay, JetStream and the inbox consumer. Run with -benchtime=1x.
func BenchmarkOutboxToConsumerAt1000PerSecond(b *testing.B) {
	const rate, seconds = 1000, 5
	for range b.N {
		e, rec := startPipeline(b, rate*seconds)
		start := time.Now()
		tick := time.NewTicker(time.Second / rate)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 16)
		for range rate * seconds {
			<-tick.C
			sem <- struct{}{}
			wg.Add(1)
			go func() { defer wg.Done(); emitOne(b, e); <-sem }()
		}
		tick.Stop()
		wg.Wait()
		rec.report(b, start)
	}
}

// BenchmarkOutboxToConsumerThroughput commits 20,000 events from 16 writers as
// fast as they go and reports end-to-end events/s. Run with -benchtime=1x.
func BenchmarkOutboxToConsumerThroughput(b *testing.B) {
	const total, writers = 20000, 16
	for range b.N {
		e, rec := startPipeline(b, total)
		start := time.Now()
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < total; i += writers {
					emitOne(b, e)
				}
			}()
		}
		wg.Wait()
		rec.report(b, start)
	}
}
