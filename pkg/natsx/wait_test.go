package natsx_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/testkit"
)

// waits is a slog handler that signals every "waiting for stream" record, so
// a test knows the wait has begun without sleeping.
type waits chan struct{}

func (w waits) Enabled(context.Context, slog.Level) bool { return true }
func (w waits) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "waiting for stream" {
		select {
		case w <- struct{}{}:
		default:
		}
	}
	return nil
}
func (w waits) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w waits) WithGroup(string) slog.Handler      { return w }

type result struct {
	stream jetstream.Stream
	err    error
}

func TestWaitForStream(t *testing.T) {
	tests := []struct {
		name string
		// then runs once the wait has logged that it is waiting.
		then    func(t *testing.T, js jetstream.JetStream, cancel context.CancelFunc)
		wantErr error
	}{
		{"returns once the owner creates the stream", func(t *testing.T, js jetstream.JetStream, _ context.CancelFunc) {
			if _, err := natsx.EnsureStream(context.Background(), js, natsx.AreaStream("orders")); err != nil {
				t.Fatal(err)
			}
		}, nil},
		{"gives up with ctx's error when ctx ends", func(_ *testing.T, _ jetstream.JetStream, cancel context.CancelFunc) {
			cancel()
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, js := testkit.JetStream(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			waiting := make(waits, 1)
			done := make(chan result, 1)
			go func() {
				s, err := natsx.WaitForStream(ctx, js, "ORDERS", slog.New(waiting))
				done <- result{s, err}
			}()
			select {
			case <-waiting:
			case r := <-done:
				t.Fatalf("returned before the stream existed: %v, %v", r.stream, r.err)
			case <-time.After(10 * time.Second):
				t.Fatal("never logged that it waits")
			}
			tt.then(t, js, cancel)
			var r result
			select {
			case r = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("still waiting")
			}
			if !errors.Is(r.err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", r.err, tt.wantErr)
			}
			if tt.wantErr == nil && (r.stream == nil || r.stream.CachedInfo().Config.Name != "ORDERS") {
				t.Fatalf("stream = %v", r.stream)
			}
		})
	}
}

// A stream that exists is returned at once, without a word in the log.
func TestWaitForStreamThatExists(t *testing.T) {
	_, _, js := testkit.JetStream(t)
	ctx := context.Background()
	if _, err := natsx.EnsureStream(ctx, js, natsx.AreaStream("users")); err != nil {
		t.Fatal(err)
	}
	waiting := make(waits, 1)
	s, err := natsx.WaitForStream(ctx, js, "USERS", slog.New(waiting))
	if err != nil || s.CachedInfo().Config.Name != "USERS" {
		t.Fatalf("WaitForStream = %v, %v", s, err)
	}
	if len(waiting) != 0 {
		t.Error("logged a wait for a stream that exists")
	}
}
