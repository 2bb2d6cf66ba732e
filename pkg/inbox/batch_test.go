package inbox_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/internal/eventstest"
	"github.com/crossdock/crossdock/pkg/natsx"
)

// fetch publishes everything pending and fetches n messages for the durable
// consumer name (created here), so a test hands ProcessBatch one exact batch.
func fetch(t *testing.T, e *eventstest.Env, name string, n int) []jetstream.Msg {
	t.Helper()
	ctx := context.Background()
	if _, err := relay(t, e).PublishPending(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := natsx.EnsureStream(ctx, e.JS, natsx.DeadLetterStream); err != nil {
		t.Fatal(err)
	}
	// As Run creates it for eventstest's consumer, so Run can take over.
	cons, err := e.JS.CreateOrUpdateConsumer(ctx, eventstest.Stream, jetstream.ConsumerConfig{
		Durable: name, FilterSubjects: []string{"test.>"}, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: time.Second, MaxDeliver: 4, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(n, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var out []jetstream.Msg
	for m := range batch.Messages() {
		out = append(out, m)
	}
	if len(out) != n {
		t.Fatalf("fetched %d messages, want %d", len(out), n)
	}
	return out
}

// applied records the order handlers were applied in, committed or not.
type applied struct {
	mu  sync.Mutex
	ids []uuid.UUID
}

func (a *applied) handler(fail map[uuid.UUID]error) inbox.Handler {
	record := eventstest.RecordEffect("c1")
	return func(ctx context.Context, tx pgx.Tx, msg inbox.Message) error {
		a.mu.Lock()
		a.ids = append(a.ids, msg.EventID)
		a.mu.Unlock()
		if err := fail[msg.EventID]; err != nil {
			return err
		}
		return record(ctx, tx, msg)
	}
}

func TestBatchWithAFailedEventAppliesTheOthersOnceInOrder(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       error
		deadLater bool
	}{
		{name: "retryable failure is redelivered", err: errors.New("try again later")},
		{name: "permanent failure is dead-lettered", err: inbox.Permanent(errors.New("does not decode")), deadLater: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := eventstest.Setup(t)
			ids := e.Emit(t, 5, true)
			bad := ids[2]
			var a applied
			c := e.Consumer(t, "c1")
			c.Handler = a.handler(map[uuid.UUID]error{bad: tc.err})

			if err := c.ProcessBatch(context.Background(), fetch(t, e, "c1", 5)); err != nil {
				t.Fatal(err)
			}
			good := slices.Concat(ids[:2], ids[3:])
			eventstest.ExactlyOnce(t, e.Effects(t), good)
			// The batch ran up to the failure and rolled back; the events
			// before it were applied again, then the rest, in stream order.
			want := slices.Concat(ids[:3], ids[:2], ids[3:])
			if !slices.Equal(a.ids, want) {
				t.Errorf("handler order = %v, want %v", a.ids, want)
			}
			dead, err := inbox.ListDeadLetters(context.Background(), e.JS, "c1")
			if err != nil {
				t.Fatal(err)
			}
			if tc.deadLater != (len(dead) == 1) {
				t.Errorf("dead letters = %d", len(dead))
			}
			if tc.deadLater {
				return
			}
			// The failed event comes back on its own and is applied once.
			c.Handler = a.handler(nil)
			again := fetch(t, e, "c1", 1)
			if got := again[0].Headers().Get(natsx.HeaderEventID); got != bad.String() {
				t.Fatalf("redelivered %s, want the failed event %s", got, bad)
			}
			if err := c.ProcessBatch(context.Background(), again); err != nil {
				t.Fatal(err)
			}
			eventstest.ExactlyOnce(t, e.Effects(t), ids)
			e.WaitDrained(t, "c1")
		})
	}
}

func TestBatchHoldingTheSameEventTwiceAppliesItOnce(t *testing.T) {
	e := eventstest.Setup(t)
	ids := e.Emit(t, 3, true)
	ctx := context.Background()
	if _, err := relay(t, e).PublishPending(ctx); err != nil {
		t.Fatal(err)
	}
	// A republish (fresh Nats-Msg-Id, same event id) lands in the same batch.
	if err := relay(t, e).Republish(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	var a applied
	c := e.Consumer(t, "c1")
	c.Handler = a.handler(nil)
	if err := c.ProcessBatch(ctx, fetch(t, e, "c1", 4)); err != nil {
		t.Fatal(err)
	}
	eventstest.ExactlyOnce(t, e.Effects(t), ids)
	if !slices.Equal(a.ids, ids) {
		t.Errorf("handler order = %v, want %v", a.ids, ids)
	}
	e.WaitDrained(t, "c1") // every message of the batch, the repeat too, was acknowledged

	// Delivered again after its effects committed: nothing changes.
	again := e.Emit(t, 1, true)
	all := append(ids, again...)
	if err := relay(t, e).Republish(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := c.ProcessBatch(ctx, fetch(t, e, "c1", 2)); err != nil {
		t.Fatal(err)
	}
	eventstest.ExactlyOnce(t, e.Effects(t), all)
}

// A batch handler applies the batch with one statement; when it fails, each
// event is applied on its own, so only the failing one is held back.
func TestBatchHandlerFailingFallsBackToOneByOne(t *testing.T) {
	e := eventstest.Setup(t)
	ids := e.Emit(t, 4, true)
	bad := ids[1]
	var calls [][]uuid.UUID
	c := e.Consumer(t, "c1")
	c.Handler = nil
	c.BatchHandler = func(ctx context.Context, tx pgx.Tx, msgs []inbox.Message) error {
		batch := make([]uuid.UUID, len(msgs))
		for i, m := range msgs {
			batch[i] = m.EventID
		}
		calls = append(calls, batch)
		if slices.Contains(batch, bad) {
			return errors.New("cannot handle this one")
		}
		_, err := tx.Exec(ctx, `INSERT INTO effects (event_id, consumer) SELECT unnest($1::uuid[]), 'c1'`, batch)
		return err
	}
	if err := c.ProcessBatch(context.Background(), fetch(t, e, "c1", 4)); err != nil {
		t.Fatal(err)
	}
	good := slices.Concat(ids[:1], ids[2:])
	eventstest.ExactlyOnce(t, e.Effects(t), good)
	want := [][]uuid.UUID{ids, ids[:1], ids[1:2], ids[2:3], ids[3:4]}
	if !slices.EqualFunc(calls, want, slices.Equal) {
		t.Errorf("batch handler calls = %v, want %v", calls, want)
	}
}

// A handler that panics on an event (one it cannot cope with) fails that
// event for good: the others of the batch are applied once, the event is
// dead-lettered with the panic, and nothing panics out of the consumer.
// Before, the panic took the whole service down, the event came back to
// crash every replica, and nothing was dead-lettered.
func TestAHandlerPanickingDeadLettersItsEventAndTheOthersGoOn(t *testing.T) {
	for _, batched := range []bool{false, true} {
		t.Run(map[bool]string{false: "handler", true: "batch handler"}[batched], func(t *testing.T) {
			e := eventstest.Setup(t)
			ids := e.Emit(t, 3, true)
			bad := ids[1]
			record := eventstest.RecordEffect("c1")
			c := e.Consumer(t, "c1")
			handle := func(ctx context.Context, tx pgx.Tx, msg inbox.Message) error {
				if msg.EventID == bad {
					panic("an event this handler cannot cope with")
				}
				return record(ctx, tx, msg)
			}
			if batched {
				c.Handler, c.BatchHandler = nil, func(ctx context.Context, tx pgx.Tx, msgs []inbox.Message) error {
					for _, m := range msgs {
						if err := handle(ctx, tx, m); err != nil {
							return err
						}
					}
					return nil
				}
			} else {
				c.Handler = handle
			}
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("the consumer panicked: %v", p)
					}
				}()
				if err := c.ProcessBatch(context.Background(), fetch(t, e, "c1", 3)); err != nil {
					t.Fatal(err)
				}
			}()
			eventstest.ExactlyOnce(t, e.Effects(t), []uuid.UUID{ids[0], ids[2]})
			dead, err := inbox.ListDeadLetters(context.Background(), e.JS, "c1")
			if err != nil {
				t.Fatal(err)
			}
			if len(dead) != 1 {
				t.Fatalf("%d dead letters, want the event the handler panicked on", len(dead))
			}
		})
	}
}

// An event of a subject outside the consumer's filter (a newer replica
// sharing the durable widened it during a rolling update) is not recorded
// as applied: it comes back for a consumer that handles it. Before, the
// older replica acknowledged it without a handler, and the newer ones never
// saw it.
func TestAnEventOfAnotherVersionsSubjectIsLeftForIt(t *testing.T) {
	e := eventstest.Setup(t)
	id := e.Emit(t, 1, true)[0]
	older := e.Consumer(t, "c1")
	older.Subjects = []string{"test.other.*"} // this version knows another subject only
	var ran bool
	older.Handler = func(context.Context, pgx.Tx, inbox.Message) error { ran = true; return nil }
	if err := older.ProcessBatch(context.Background(), fetch(t, e, "c1", 1)); err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Fatal("the older version's handler ran on a subject it does not handle")
	}
	e.Go(t, e.Consumer(t, "c1").Run) // the newer version, handling test.>
	eventstest.ExactlyOnce(t, e.WaitApplied(t, "c1", []uuid.UUID{id}), []uuid.UUID{id})
}

// A batch's time runs out during an event whose own work is short, the
// events before it having used most of the ack wait: that event is applied
// on its own at once, not charged a failed delivery (naked, and after
// MaxDeliver such batches dead-lettered as if it overran).
func TestAnEventTheBatchsTimeRanOutOnIsAppliedOnItsOwn(t *testing.T) {
	e := eventstest.Setup(t)
	ids := e.Emit(t, 4, true)
	var a applied
	record := a.handler(nil)
	c := e.Consumer(t, "c1") // AckWait 1 s
	c.Handler = func(ctx context.Context, tx pgx.Tx, msg inbox.Message) error {
		if _, err := tx.Exec(ctx, `SELECT pg_sleep(0.4)`); err != nil {
			return err
		}
		return record(ctx, tx, msg)
	}
	if err := c.ProcessBatch(context.Background(), fetch(t, e, "c1", 4)); err != nil {
		t.Fatalf("the batch: %v", err)
	}
	eventstest.ExactlyOnce(t, e.Effects(t), ids)
	dead, err := inbox.ListDeadLetters(context.Background(), e.JS, "c1")
	if err != nil || len(dead) != 0 {
		t.Errorf("dead letters %v (%v), want none", dead, err)
	}
}
