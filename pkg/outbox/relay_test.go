package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/crossdock/crossdock/pkg/internal/eventstest"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/testkit"
)

func newRelay(t *testing.T, e *eventstest.Env) *outbox.Relay {
	return &outbox.Relay{Pool: e.Pool, JS: e.JS, Log: testkit.Logger(t)}
}

func TestRolledBackEventIsNeverPublished(t *testing.T) {
	e := eventstest.Setup(t)
	rolledBack := e.Emit(t, 3, false)
	committed := e.Emit(t, 2, true)

	e.Go(t, newRelay(t, e).Run)
	e.Go(t, e.Consumer(t, "c1").Run)
	effects := e.WaitApplied(t, "c1", committed)

	eventstest.ExactlyOnce(t, effects, committed)
	for _, id := range rolledBack {
		if effects[id] != 0 {
			t.Errorf("rolled-back event %s was applied", id)
		}
	}
	if n := e.StreamMessages(t); n != 2 {
		t.Errorf("stream holds %d messages, want the 2 committed", n)
	}
	// The mark commits after the publish, so it may land after the handler ran.
	var published int
	eventstest.Eventually(t, 10*time.Second, func() bool {
		if err := e.Pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE published_at IS NOT NULL`).Scan(&published); err != nil {
			t.Fatal(err)
		}
		return published >= 2
	}, "the committed rows were not marked published")
	if published != 2 {
		t.Errorf("%d outbox rows marked published, want 2", published)
	}
}

func TestDuplicatePublishingIsAppliedOnce(t *testing.T) {
	e := eventstest.Setup(t)
	ids := e.Emit(t, 5, true)
	relay := newRelay(t, e)
	e.Go(t, relay.Run)
	e.Go(t, e.Consumer(t, "c1").Run)
	e.WaitApplied(t, "c1", ids)

	ctx := context.Background()
	// The same Nats-Msg-Id inside the window: JetStream itself drops it.
	msg := nats.NewMsg(eventstest.Subject)
	msg.Header.Set(natsx.HeaderMsgID, ids[0].String())
	msg.Header.Set(natsx.HeaderEventID, ids[0].String())
	ack, err := e.JS.PublishMsg(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	if !ack.Duplicate {
		t.Error("JetStream accepted a second message with the same Nats-Msg-Id")
	}
	// A fresh Nats-Msg-Id (as after the window): the inbox drops it.
	for _, id := range ids {
		if err := relay.Republish(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.StreamMessages(t); n != 10 {
		t.Fatalf("stream holds %d messages, want 10 (5 + 5 republished)", n)
	}
	eventstest.ExactlyOnce(t, e.WaitApplied(t, "c1", ids), ids)
}

func TestRelayDyingAfterPublishBeforeMarkRepublishesWithoutDoubleEffect(t *testing.T) {
	e := eventstest.Setup(t)
	ids := e.Emit(t, 4, true)
	ctx := context.Background()

	dying := newRelay(t, e)
	outbox.SetAfterPublish(dying, func(context.Context) error { return errors.New("relay died") })
	if _, err := dying.PublishPending(ctx); err == nil {
		t.Fatal("the dying relay reported success")
	}
	if n := e.StreamMessages(t); n != 4 {
		t.Fatalf("after the dying relay the stream holds %d messages, want 4", n)
	}
	var unmarked int
	if err := e.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE published_at IS NULL`).Scan(&unmarked); err != nil {
		t.Fatal(err)
	}
	if unmarked != 4 {
		t.Fatalf("%d rows unmarked after the relay died, want 4", unmarked)
	}

	e.Go(t, newRelay(t, e).Run)
	e.Go(t, e.Consumer(t, "c1").Run)
	effects := e.WaitApplied(t, "c1", ids)
	eventstest.Eventually(t, 10*time.Second, func() bool {
		var pending int
		if err := e.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE published_at IS NULL`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		return pending == 0
	}, "the second relay did not mark the rows")
	if n := e.StreamMessages(t); n != 4 {
		t.Errorf("stream holds %d messages after the re-publish, want 4 (duplicates dropped)", n)
	}
	eventstest.ExactlyOnce(t, effects, ids)
}

func TestNATSRestartOnSameStoreLosesNothingAndDuplicatesNothing(t *testing.T) {
	e := eventstest.Setup(t)
	before := e.Emit(t, 5, true)
	e.Go(t, newRelay(t, e).Run)
	e.Go(t, e.Consumer(t, "c1").Run)
	e.WaitApplied(t, "c1", before)

	e.NATS.Stop()
	during := e.Emit(t, 5, true) // committed while the broker is down
	restarted := testkit.StartNATS(t, e.NATS.StoreDir, e.NATS.Port)
	e.NATS = restarted
	after := e.Emit(t, 5, true)

	all := slices.Concat(before, during, after)
	eventstest.ExactlyOnce(t, e.WaitApplied(t, "c1", all), all)
	if n := e.StreamMessages(t); n != 15 {
		t.Errorf("stream holds %d messages after the restart, want 15", n)
	}
}

// An event cannot be written outside a transaction: it could be published
// for a change that never commits.
func TestEmitNeedsATransaction(t *testing.T) {
	err := outbox.Emit(context.Background(), nil, "test.emitted", &emptypb.Empty{})
	if !errors.Is(err, outbox.ErrNoTransaction) {
		t.Fatalf("Emit without a transaction = %v", err)
	}
}

// One relay publishes in outbox order across batches, although each batch's
// mark commits while the next batch is claimed and published.
func TestRelayPublishesInOrderAcrossBatches(t *testing.T) {
	e := eventstest.Setup(t)
	var ids []uuid.UUID
	for range 5 {
		ids = append(ids, e.Emit(t, 20, true)...)
	}
	relay := newRelay(t, e)
	relay.BatchSize = 7
	e.Go(t, relay.Run)
	eventstest.Eventually(t, 20*time.Second, func() bool { return e.StreamMessages(t) == uint64(len(ids)) },
		"not every event was published")
	ctx := context.Background()
	stream, err := e.JS.Stream(ctx, eventstest.Stream)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		msg, err := stream.GetMsg(ctx, uint64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		if got := msg.Header.Get(natsx.HeaderEventID); got != id.String() {
			t.Fatalf("stream message %d is event %s, want %s", i+1, got, id)
		}
	}
}

// A commit that wakes the relay itself (pg.InTx's) makes it look once, not
// again and again on the backoff steps meant for rows added by
// transactions that do not report their commit; those are still found.
func TestATrackedCommitIsLookedAtOnce(t *testing.T) {
	e := eventstest.Setup(t)
	relay := newRelay(t, e)
	relay.Fallback = time.Hour // only wakes make it look
	e.Go(t, relay.Run)
	e.Go(t, e.Consumer(t, "c1").Run)
	// Past the start's backoff steps: no look for longer than the last one.
	before, quietSince := outbox.Looks(relay), time.Now()
	for deadline := time.Now().Add(15 * time.Second); time.Since(quietSince) < 700*time.Millisecond; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the relay never stopped looking after its start")
		}
		if n := outbox.Looks(relay); n != before {
			before, quietSince = n, time.Now()
		}
	}

	var ids []uuid.UUID
	if err := pg.InTx(context.Background(), e.Pool, func(tx pgx.Tx) error {
		ev, err := outbox.New(eventstest.Subject, wrapperspb.String("tracked"))
		ids = append(ids, ev.ID)
		if err != nil {
			return err
		}
		return outbox.Add(context.Background(), tx, ev)
	}); err != nil {
		t.Fatal(err)
	}
	eventstest.ExactlyOnce(t, e.WaitApplied(t, "c1", ids), ids)
	time.Sleep(300 * time.Millisecond)
	if looks := outbox.Looks(relay) - before; looks != 1 {
		t.Errorf("the relay looked %d times for one tracked commit, want 1 (not again when its mark commits)", looks)
	}

	untracked := e.Emit(t, 1, true) // woken before its commit
	eventstest.ExactlyOnce(t, e.WaitApplied(t, "c1", append(ids, untracked...)), append(ids, untracked...))
}

// A relay started on an empty outbox keeps claiming and marking through
// the indexes once the table has grown, and the backlog is counted through
// the pending index: their statements are planned at each call, not once
// per connection while the outbox was empty (plans that scan every retained
// row of the grown table until an ANALYZE happens to replace them).
func TestClaimsAndMarksUseIndexesAsTheOutboxGrows(t *testing.T) {
	e := eventstest.Setup(t)
	ctx := context.Background()
	// Statistics of an empty outbox, as a new database's first ANALYZE
	// leaves them.
	if _, err := e.Pool.Exec(ctx, `ANALYZE outbox`); err != nil {
		t.Fatal(err)
	}
	cfg := e.Pool.Config()
	cfg.MaxConns = 1 // every batch on the one connection, where a plan would be cached
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	e.Go(t, (&outbox.Relay{Pool: pool, JS: e.JS, Log: testkit.Logger(t)}).Run)
	e.Go(t, e.Consumer(t, "c1").Run)
	publish := func(batches int, ids []uuid.UUID) []uuid.UUID {
		for range batches {
			ids = append(ids, e.Emit(t, 1, true)...)
			e.WaitApplied(t, "c1", ids)
			// The backlog, as the metrics read it, on the same connection.
			if _, err := outbox.PendingBacklog(ctx, pool); err != nil {
				t.Fatal(err)
			}
		}
		return ids
	}
	// More batches than the five after which PostgreSQL may settle on a
	// cached generic plan.
	ids := publish(8, nil)
	if _, err := e.Pool.Exec(ctx, `INSERT INTO outbox (event_id, subject, event_type, payload, published_at)
		SELECT gen_random_uuid(), 'test.grown', 'test', '\x00', now() FROM generate_series(1, 20000)`); err != nil {
		t.Fatal(err)
	}
	scans := func() (seq, idx int64) { return testkit.TableScans(t, e.Pool, "outbox") }
	// The scans of the small outbox are reported within a second or so
	// (a backend sends its counts at most once a second): let them land
	// before counting.
	time.Sleep(2500 * time.Millisecond)
	seq0, idx0 := scans()
	const batches = 10
	publish(batches, ids)
	// A backend reports its scans when idle, within seconds; each batch
	// scans the outbox at least twice (its claim and its mark).
	var seq, idx int64
	eventstest.Eventually(t, 20*time.Second, func() bool {
		seq, idx = scans()
		return seq-seq0+idx-idx0 >= 2*batches
	}, "the relay's scans were never reported")
	if seq-seq0 >= batches/2 {
		t.Fatalf("%d sequential scans of the grown outbox over %d batches: its statements kept plans made for an empty table", seq-seq0, batches)
	}
}

// silentJetStream is a real JetStream whose asynchronous publishes are
// never answered, as when the server drops them without a reply (a
// publish it does not permit, a stream without a leader).
type silentJetStream struct{ jetstream.JetStream }

func (silentJetStream) PublishMsgAsync(m *nats.Msg, _ ...jetstream.PublishOpt) (jetstream.PubAckFuture, error) {
	return silentFuture{m}, nil
}

type silentFuture struct{ m *nats.Msg }

func (silentFuture) Ok() <-chan *jetstream.PubAck { return nil }
func (silentFuture) Err() <-chan error            { return nil }
func (f silentFuture) Msg() *nats.Msg             { return f.m }

// Acknowledgements that never come fail the batch when its deadline
// passes, every one of them: the relay does not wait on the second and
// later ones for ever while holding the claimed rows locked.
func TestUnansweredPublishesFailTheBatchInTime(t *testing.T) {
	e := eventstest.Setup(t)
	e.Emit(t, 3, true)
	r := &outbox.Relay{Pool: e.Pool, JS: silentJetStream{e.JS}, Log: testkit.Logger(t)}
	outbox.SetAckTimeout(r, 200*time.Millisecond)
	done := make(chan error, 1)
	go func() {
		_, err := r.PublishPending(context.Background())
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a batch nobody acknowledged was reported published")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the relay still waits for acknowledgements that never come")
	}
	var unpublished, attempted int
	if err := e.Pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE published_at IS NULL), count(*) FILTER (WHERE attempts > 0) FROM outbox`).
		Scan(&unpublished, &attempted); err != nil {
		t.Fatal(err)
	}
	if unpublished != 3 || attempted != 3 {
		t.Errorf("%d rows unpublished, %d attempted; want all 3 left for the next claim, each counted", unpublished, attempted)
	}
}

// A shutdown's flush waits for rows a dying claim still holds, and
// publishes them all, batch after batch, once the lock is gone; a
// skipping look (the relay's) finds nothing while the lock is held.
func TestFlushWaitsForLockedRowsAndPublishesEveryBatch(t *testing.T) {
	e := eventstest.Setup(t)
	ids := e.Emit(t, 5, true)
	ctx := context.Background()
	holder, err := e.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(ctx, `SELECT seq FROM outbox WHERE published_at IS NULL FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	relay := &outbox.Relay{Pool: e.Pool, JS: e.JS, Log: testkit.Logger(t), BatchSize: 2}
	if n, err := relay.PublishPending(ctx); err != nil || n != 0 {
		t.Fatalf("a skipping look claimed %d rows (%v) while another transaction held them all", n, err)
	}
	flushed := make(chan error, 1)
	go func() {
		n, err := relay.Flush(ctx)
		if err == nil && n != len(ids) {
			err = fmt.Errorf("flushed %d rows, want %d", n, len(ids))
		}
		flushed <- err
	}()
	testkit.AwaitLockWaiter(t, e.Pool) // the flush is waiting on the lock
	if err := holder.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	if n := e.StreamMessages(t); n != uint64(len(ids)) {
		t.Errorf("stream holds %d messages, want %d", n, len(ids))
	}
}

// An event JetStream keeps refusing (here its subject is no stream's)
// waits out a backoff before it is claimed again: the next batch is the
// events committed after it, published whole, not the refused one again
// beside fewer of them.
func TestARefusedEventWaitsAndTheRestArePublished(t *testing.T) {
	e := eventstest.Setup(t)
	ctx := context.Background()
	if _, err := e.Pool.Exec(ctx, `INSERT INTO outbox (event_id, subject, event_type, payload) VALUES (gen_random_uuid(), 'nowhere.thing', 'test', '\x00')`); err != nil {
		t.Fatal(err)
	}
	ids := e.Emit(t, 5, true)
	relay := &outbox.Relay{Pool: e.Pool, JS: e.JS, Log: testkit.Logger(t), BatchSize: 3}
	if n, err := relay.PublishPending(ctx); n != 3 || err == nil {
		t.Fatalf("first batch: %d claimed (%v), want 3 with the refused event failing", n, err)
	}
	if n, err := relay.PublishPending(ctx); n != 3 || err != nil {
		t.Fatalf("second batch: %d claimed (%v), want the 3 events after it, all published", n, err)
	}
	if n := e.StreamMessages(t); n != uint64(len(ids)) {
		t.Errorf("stream holds %d messages, want the %d events after the refused one", n, len(ids))
	}
	var attempts int
	var waits bool
	if err := e.Pool.QueryRow(ctx, `SELECT attempts, retry_at > now() FROM outbox WHERE subject = 'nowhere.thing'`).Scan(&attempts, &waits); err != nil {
		t.Fatal(err)
	}
	if attempts != 1 || !waits {
		t.Errorf("refused event: %d attempts, waiting %v; want 1 attempt and a retry time ahead", attempts, waits)
	}
}

// A running relay deletes the rows published longer ago than its
// retention, a batch at a time until none is left, and keeps the younger
// ones and those not published yet.
func TestOldPublishedRowsArePrunedInBatches(t *testing.T) {
	e := eventstest.Setup(t)
	ctx := t.Context()
	e.Emit(t, 9, true)
	var kept, old []int64
	if err := e.Pool.QueryRow(ctx, `SELECT array_agg(seq ORDER BY seq) FROM outbox`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	old, kept = kept[:5], kept[5:]
	// Five published eight days ago, two an hour ago, two waiting.
	for _, row := range []struct {
		seqs []int64
		age  string
	}{{old, "8 days"}, {kept[:2], "1 hour"}} {
		if _, err := e.Pool.Exec(ctx, `UPDATE outbox SET published_at = now() - $2::interval WHERE seq = ANY($1)`, row.seqs, row.age); err != nil {
			t.Fatal(err)
		}
	}
	r := newRelay(t, e)
	outbox.SetPruneBatch(r, 2)
	stop := e.Go(t, r.Run)
	eventstest.Eventually(t, 10*time.Second, func() bool {
		var left []int64
		if err := e.Pool.QueryRow(ctx, `SELECT coalesce(array_agg(seq ORDER BY seq), '{}') FROM outbox`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		return slices.Equal(left, kept)
	}, "the relay did not prune exactly the rows published beyond its retention")
	stop()
}
