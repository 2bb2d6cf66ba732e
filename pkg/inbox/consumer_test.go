package inbox_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/internal/eventstest"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/testkit"
)

// oneDeadLetter waits up to within for consumer c1's one dead letter and
// returns it; why says what failed when none came.
func oneDeadLetter(t *testing.T, e *eventstest.Env, within time.Duration, why string) inbox.DeadLetter {
	t.Helper()
	var dead []inbox.DeadLetter
	eventstest.Eventually(t, within, func() bool {
		dead, _ = inbox.ListDeadLetters(context.Background(), e.JS, "c1")
		return len(dead) == 1
	}, why)
	return dead[0]
}

func relay(t *testing.T, e *eventstest.Env) *outbox.Relay {
	return &outbox.Relay{Pool: e.Pool, JS: e.JS, Log: testkit.Logger(t)}
}

func TestConsumerDyingBeforeAckDoesNotApplyTwice(t *testing.T) {
	e := eventstest.Setup(t)
	ids := e.Emit(t, 3, true)
	e.Go(t, relay(t, e).Run)

	var died atomic.Int32
	dying := e.Consumer(t, "c1")
	inbox.SetAfterCommit(dying, func(context.Context) error {
		died.Add(1)
		return errors.New("consumer died before ack")
	})
	stopDying := e.Go(t, dying.Run)
	eventstest.Eventually(t, 10*time.Second, func() bool { return died.Load() >= 3 }, "the dying consumer saw no events")
	stopDying()
	if got := e.Effects(t); len(got) != 3 {
		t.Fatalf("effects committed before the crash: %d, want 3", len(got))
	}

	// Same durable, healthy: the unacked events come back after AckWait.
	e.Go(t, e.Consumer(t, "c1").Run)
	eventstest.ExactlyOnce(t, e.WaitApplied(t, "c1", ids), ids)
}

func TestPoisonMessageIsDeadLetteredAndReplayable(t *testing.T) {
	e := eventstest.Setup(t)
	good := e.Emit(t, 2, true)
	poison := e.Emit(t, 1, true)[0]
	e.Go(t, relay(t, e).Run)

	var attempts atomic.Int32
	var fixed atomic.Bool
	c := e.Consumer(t, "c1")
	record := c.Handler
	c.Handler = func(ctx context.Context, tx pgx.Tx, msg inbox.Message) error {
		if msg.EventID == poison && !fixed.Load() {
			attempts.Add(1)
			return errors.New("cannot handle this one")
		}
		return record(ctx, tx, msg)
	}
	e.Go(t, c.Run)
	e.WaitApplied(t, "c1", good)

	ctx := context.Background()
	var dead []inbox.DeadLetter
	eventstest.Eventually(t, 10*time.Second, func() bool {
		var err error
		dead, err = inbox.ListDeadLetters(ctx, e.JS, "c1")
		return err == nil && len(dead) == 1
	}, "poison message did not reach the dead-letter stream")
	d := dead[0]
	if d.EventID != poison.String() || d.OriginalSubject != eventstest.Subject || d.Deliveries != 3 ||
		d.Error != "cannot handle this one" || d.Consumer != "c1" {
		t.Errorf("dead letter = %+v", d)
	}
	if n := attempts.Load(); n != 3 {
		t.Errorf("handler tried the poison message %d times, want MaxDeliver = 3", n)
	}
	if got := e.Effects(t)[poison]; got != 0 {
		t.Fatalf("poison message applied %d times", got)
	}
	if other, _ := inbox.ListDeadLetters(ctx, e.JS, "someone-else"); len(other) != 0 {
		t.Errorf("another consumer's dead letters: %v", other)
	}

	// A replay that fails again leaves the dead letter where it was.
	if applied, err := c.Replay(ctx, d.Seq); err == nil || applied {
		t.Fatalf("replay of a still-failing event = %v, %v, want its error", applied, err)
	}
	if left, _ := inbox.ListDeadLetters(ctx, e.JS, "c1"); len(left) != 1 {
		t.Fatalf("dead letters after a failed replay: %v", left)
	}
	// Another consumer cannot replay c1's dead letter.
	if _, err := e.Consumer(t, "c2").Replay(ctx, d.Seq); !errors.Is(err, inbox.ErrDeadLetterNotFound) {
		t.Errorf("replay by another consumer = %v, want ErrDeadLetterNotFound", err)
	}

	fixed.Store(true)
	if applied, err := c.Replay(ctx, d.Seq); err != nil || !applied {
		t.Fatalf("replay = %v, %v, want applied", applied, err)
	}
	// The dead letter is gone, so a second replay finds nothing.
	if _, err := c.Replay(ctx, d.Seq); !errors.Is(err, inbox.ErrDeadLetterNotFound) {
		t.Errorf("second replay = %v, want ErrDeadLetterNotFound", err)
	}
	all := append(good, poison)
	eventstest.ExactlyOnce(t, e.WaitApplied(t, "c1", all), all)
	if left, err := inbox.ListDeadLetters(ctx, e.JS, ""); err != nil || len(left) != 0 {
		t.Errorf("dead letters after replay: %v, %v", left, err)
	}
}

func TestPermanentErrorDeadLettersAtOnce(t *testing.T) {
	e := eventstest.Setup(t)
	id := e.Emit(t, 1, true)[0]
	e.Go(t, relay(t, e).Run)
	var attempts atomic.Int32
	c := e.Consumer(t, "c1")
	c.Handler = func(context.Context, pgx.Tx, inbox.Message) error {
		attempts.Add(1)
		return inbox.Permanent(errors.New("payload does not decode"))
	}
	e.Go(t, c.Run)
	dead := []inbox.DeadLetter{oneDeadLetter(t, e, 10*time.Second, "permanent failure was not dead-lettered")}
	if dead[0].EventID != id.String() || dead[0].Deliveries != 1 || attempts.Load() != 1 {
		t.Errorf("dead letter %+v after %d attempts, want 1 delivery", dead[0], attempts.Load())
	}
}

// A failure whose text is larger than the broker takes in a message (a
// handler's error quoting a whole payload) dead-letters its event at once,
// the text cut short: before, the dead letter could not be published, the
// event came back every AckWait, and after several deliveries it was
// dead-lettered as "never answered", its cause lost.
func TestAnErrorTooLargeToPublishIsCutShortInItsDeadLetter(t *testing.T) {
	e := eventstest.Setup(t)
	id := e.Emit(t, 1, true)[0]
	e.Go(t, relay(t, e).Run)
	huge := strings.Repeat("é", 1<<20) // 2 MiB, above the broker's 1 MiB message limit
	c := e.Consumer(t, "c1")
	c.Handler = func(context.Context, pgx.Tx, inbox.Message) error {
		return inbox.Permanent(errors.New("payload does not decode: " + huge))
	}
	e.Go(t, c.Run)
	dead := []inbox.DeadLetter{oneDeadLetter(t, e, 10*time.Second, "the event whose error is too large was not dead-lettered")}
	if dead[0].EventID != id.String() || len(dead[0].Error) > 4096 || !strings.HasPrefix(dead[0].Error, "payload does not decode: éé") || !utf8.ValidString(dead[0].Error) {
		t.Errorf("dead letter of %s with an error of %d bytes (%.200s), want %s's, cut short on a character", dead[0].EventID, len(dead[0].Error), dead[0].Error, id)
	}
}

// A handler stuck past the ack wait (here on a statement that would run for a
// minute, as on a lock never released or a call never answered) is cut short:
// the events behind it are applied, and the stuck one, cut short on every
// delivery, is dead-lettered saying why. Unbounded, it held its transaction
// and every event behind it.
func TestAHandlerStuckPastTheAckWaitIsCutShort(t *testing.T) {
	e := eventstest.Setup(t)
	ids := e.Emit(t, 3, true)
	stuck := ids[0]
	e.Go(t, relay(t, e).Run)
	c := e.Consumer(t, "c1")
	record := eventstest.RecordEffect("c1")
	c.Handler = func(ctx context.Context, tx pgx.Tx, m inbox.Message) error {
		if m.EventID == stuck {
			_, err := tx.Exec(ctx, `SELECT pg_sleep(60)`)
			return err
		}
		return record(ctx, tx, m)
	}
	e.Go(t, c.Run)
	dead := []inbox.DeadLetter{oneDeadLetter(t, e, 20*time.Second, "the stuck event was not dead-lettered")}
	if dead[0].EventID != stuck.String() || !strings.Contains(dead[0].Error, "longer than the ack wait") {
		t.Errorf("dead letter of %s: %q, want %s's, cut short at the ack wait", dead[0].EventID, dead[0].Error, stuck)
	}
	got := e.Effects(t)
	if len(got) != 2 || got[ids[1]] != 1 || got[ids[2]] != 1 {
		t.Errorf("effects %v, want the two events behind the stuck one applied once", got)
	}
}

// flakyJetStream is a real JetStream whose first consumer set-ups fail, as
// when the broker times out its API during a leader election.
type flakyJetStream struct {
	jetstream.JetStream
	failures atomic.Int32
}

func (f *flakyJetStream) CreateOrUpdateConsumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	if f.failures.Add(-1) >= 0 {
		return nil, errors.New("jetstream API timed out")
	}
	return f.JetStream.CreateOrUpdateConsumer(ctx, stream, cfg)
}

// A consumer whose set-up fails for a while tries again until it can,
// then consumes: returning the error would stop the whole service.
func TestConsumerSetUpIsRetried(t *testing.T) {
	e := eventstest.Setup(t)
	ids := e.Emit(t, 2, true)
	e.Go(t, relay(t, e).Run)
	flaky := &flakyJetStream{JetStream: e.JS}
	flaky.failures.Store(2)
	c := e.Consumer(t, "c1")
	c.JS = flaky
	e.Go(t, c.Run)
	eventstest.ExactlyOnce(t, e.WaitApplied(t, "c1", ids), ids)
	if left := flaky.failures.Load(); left >= 0 {
		t.Errorf("the set-up was tried %d times, want the 2 failures and a success", 2-left)
	}
}

// A durable consumer deleted on the broker (an operator's `consumer rm`, a
// JetStream store lost) is set up again, and the events after it are
// applied. Before, the consumer went silent until the service restarted,
// reporting ready all along.
func TestADeletedDurableIsSetUpAgain(t *testing.T) {
	e := eventstest.Setup(t)
	first := e.Emit(t, 1, true)
	e.Go(t, relay(t, e).Run)
	e.Go(t, e.Consumer(t, "c1").Run)
	e.WaitApplied(t, "c1", first)
	if err := e.JS.DeleteConsumer(context.Background(), eventstest.Stream, "c1"); err != nil {
		t.Fatal(err)
	}
	later := e.Emit(t, 1, true)
	eventstest.ExactlyOnce(t, e.WaitApplied(t, "c1", append(first, later...)), append(first, later...))
}

// unansweredDeliveries runs up deliveries of everything pending for the
// durable name, created as an earlier replica had it, without answering any:
// replicas killed or stopped while holding the events. The durable's own
// limit is one above them, as an earlier version might have set it. A nak is a delivery
// unanswered as far as the count goes, without AckWait's wait.
func unansweredDeliveries(t *testing.T, e *eventstest.Env, name string, deliveries int) {
	t.Helper()
	ctx := context.Background()
	if _, err := relay(t, e).PublishPending(ctx); err != nil {
		t.Fatal(err)
	}
	cons, err := e.JS.CreateOrUpdateConsumer(ctx, eventstest.Stream, jetstream.ConsumerConfig{
		Durable: name, FilterSubjects: []string{"test.>"}, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: time.Second, MaxDeliver: deliveries + 1, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= deliveries; i++ {
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			if meta, _ := m.Metadata(); meta.NumDelivered != uint64(i) {
				t.Fatalf("delivery %d counted as %d", i, meta.NumDelivered)
			}
			if err := m.Nak(); err != nil {
				t.Fatal(err)
			}
		}
		if n != 1 {
			t.Fatalf("delivery %d: fetched %d messages", i, n)
		}
	}
}

// An event whose deliveries were lost with the replicas holding it, more of
// them than MaxDeliver, is still applied when a consumer next gets it.
// Before, the server's own limit (MaxDeliver + 1) stopped delivering it, and
// it was gone with no dead letter.
func TestAnEventDeliveredUnansweredBeyondMaxDeliverIsStillApplied(t *testing.T) {
	e := eventstest.Setup(t)
	ids := e.Emit(t, 1, true)
	c := e.Consumer(t, "c1") // MaxDeliver 3
	unansweredDeliveries(t, e, "c1", c.MaxDeliver+1)
	e.Go(t, c.Run)
	eventstest.ExactlyOnce(t, e.WaitApplied(t, "c1", ids), ids)
	ctx := context.Background()
	if dead, err := inbox.ListDeadLetters(ctx, e.JS, "c1"); err != nil || len(dead) != 0 {
		t.Errorf("dead letters = %v, %v, want none", dead, err)
	}
	// A durable set up with a limit (by an earlier version) loses it.
	cons, err := e.JS.Consumer(ctx, eventstest.Stream, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if got := cons.CachedInfo().Config.MaxDeliver; got != -1 {
		t.Errorf("the server's MaxDeliver = %d, want -1 (none)", got)
	}
}

// An event delivered more than twice MaxDeliver times, most of them never
// answered (it kills whichever process handles it, say), goes to the dead
// letters without being handled, and the events after it are applied.
func TestAnEventMostlyUnansweredIsDeadLetteredUnhandled(t *testing.T) {
	e := eventstest.Setup(t)
	poison := e.Emit(t, 1, true)[0]
	c := e.Consumer(t, "c1") // MaxDeliver 3
	unansweredDeliveries(t, e, "c1", 2*c.MaxDeliver)
	later := e.Emit(t, 1, true)
	var handled atomic.Int32
	record := c.Handler
	c.Handler = func(ctx context.Context, tx pgx.Tx, msg inbox.Message) error {
		if msg.EventID == poison {
			handled.Add(1)
		}
		return record(ctx, tx, msg)
	}
	e.Go(t, c.Run)
	e.Go(t, relay(t, e).Run)
	eventstest.ExactlyOnce(t, e.WaitApplied(t, "c1", later), later)
	dead := []inbox.DeadLetter{oneDeadLetter(t, e, 10*time.Second, "the event mostly unanswered was not dead-lettered")}
	if d := dead[0]; d.EventID != poison.String() || d.Deliveries != 2*c.MaxDeliver+1 {
		t.Errorf("dead letter = %+v, want event %s after %d deliveries", d, poison, 2*c.MaxDeliver+1)
	}
	if n := handled.Load(); n != 0 {
		t.Errorf("the handler was given it %d times, want 0", n)
	}
	if got := e.Effects(t)[poison]; got != 0 {
		t.Errorf("applied %d times, want 0", got)
	}
}

// An event that fails while the consumer's database does not answer is
// the database's failure, not the event's: it is put back, whatever its
// delivery, rather than dead-lettered, and applied once the database
// answers. Before, every event in flight during an outage of a few minutes
// went to the dead letters, for an operator to replay one by one.
func TestAnEventFailingWhileTheDatabaseIsDownIsNotDeadLettered(t *testing.T) {
	e := eventstest.Setup(t)
	id := e.Emit(t, 1, true)[0]
	ctx := context.Background()
	down, err := pgxpool.New(ctx, e.Pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	down.Close() // the consumer's database, unreachable
	c := e.Consumer(t, "c1")
	c.Pool, c.MaxDeliver = down, 1 // any other failure dead-letters at once
	if err := c.ProcessBatch(ctx, fetch(t, e, "c1", 1)); err == nil {
		t.Fatal("the event was answered as applied with the database down")
	}
	if dead, err := inbox.ListDeadLetters(ctx, e.JS, "c1"); err != nil || len(dead) != 0 {
		t.Fatalf("dead letters: %v, %v; want none", dead, err)
	}
	e.Go(t, e.Consumer(t, "c1").Run) // the database back
	eventstest.ExactlyOnce(t, e.WaitApplied(t, "c1", []uuid.UUID{id}), []uuid.UUID{id})
}

// A failure the database's state caused while it answers pings (a primary
// demoted to read-only in a failover) is not the event's: the event waits
// for the database, whatever its delivery, rather than going to the dead
// letters, and is applied once writes are taken again.
func TestAnEventRefusedByAReadOnlyDatabaseIsNotDeadLettered(t *testing.T) {
	e := eventstest.Setup(t)
	id := e.Emit(t, 1, true)[0]
	ctx := context.Background()
	c := e.Consumer(t, "c1")
	c.MaxDeliver = 1 // any failure of the event's own dead-letters at once
	c.Handler = func(context.Context, pgx.Tx, inbox.Message) error {
		return fmt.Errorf("record the event: %w", &pgconn.PgError{Code: "25006", Message: "cannot execute INSERT in a read-only transaction"})
	}
	if err := c.ProcessBatch(ctx, fetch(t, e, "c1", 1)); err == nil {
		t.Fatal("the event was answered as applied with the database read-only")
	}
	if dead, err := inbox.ListDeadLetters(ctx, e.JS, "c1"); err != nil || len(dead) != 0 {
		t.Fatalf("dead letters: %v, %v; want none", dead, err)
	}
	e.Go(t, e.Consumer(t, "c1").Run) // writes taken again
	eventstest.ExactlyOnce(t, e.WaitApplied(t, "c1", []uuid.UUID{id}), []uuid.UUID{id})
}

// A consumer deletes its inbox rows older than its retention, and only
// its own: younger rows, and another consumer's, stay. Run prunes at start.
func TestOldInboxRowsArePruned(t *testing.T) {
	ctx := t.Context()
	e := eventstest.Setup(t)
	for _, row := range []struct {
		consumer string
		age      time.Duration
	}{{"c1", 31 * 24 * time.Hour}, {"c1", 40 * 24 * time.Hour}, {"c1", 29 * 24 * time.Hour}, {"c1", 0}, {"c2", 60 * 24 * time.Hour}} {
		if _, err := e.Pool.Exec(ctx, `INSERT INTO inbox (consumer, event_id, subject, processed_at) VALUES ($1, $2, 'test.event', now() - make_interval(secs => $3))`,
			row.consumer, uuid.New(), row.age.Seconds()); err != nil {
			t.Fatal(err)
		}
	}
	rows := func(consumer string) int {
		var n int
		if err := e.Pool.QueryRow(ctx, `SELECT count(*) FROM inbox WHERE consumer = $1`, consumer).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	c := e.Consumer(t, "c1")
	if n, err := inbox.Prune(ctx, c); err != nil || n != 2 || rows("c1") != 2 || rows("c2") != 1 {
		t.Fatalf("pruned %d, %v: c1 keeps %d rows, c2 %d; want 2 pruned, 2 and 1 kept", n, err, rows("c1"), rows("c2"))
	}
	other := e.Consumer(t, "c2")
	other.Retention = 90 * 24 * time.Hour
	if n, err := inbox.Prune(ctx, other); err != nil || n != 0 {
		t.Fatalf("c2 with 90 days' retention pruned %d, %v", n, err)
	}
	other = e.Consumer(t, "c2")
	e.Go(t, other.Run)
	eventstest.Eventually(t, 10*time.Second, func() bool { return rows("c2") == 0 }, "a running consumer did not prune its old rows")

	// Dead letters kept 40 days may be replayed that late: rows are kept
	// twice as long.
	for _, age := range []time.Duration{60 * 24 * time.Hour, 90 * 24 * time.Hour} {
		if _, err := e.Pool.Exec(ctx, `INSERT INTO inbox (consumer, event_id, subject, processed_at) VALUES ('c3', $1, 'test.event', now() - make_interval(secs => $2))`,
			uuid.New(), age.Seconds()); err != nil {
			t.Fatal(err)
		}
	}
	long := e.Consumer(t, "c3")
	long.DeadLetters = natsx.DeadLetterStream
	long.DeadLetters.MaxAge = 40 * 24 * time.Hour
	if n, err := inbox.Prune(ctx, long); err != nil || n != 1 || rows("c3") != 1 {
		t.Fatalf("with dead letters kept 40 days: pruned %d, %v, %d kept; want the 90-day-old row pruned, the 60-day-old kept", n, err, rows("c3"))
	}
}

// An event arriving while the database only reads (a primary demoted in a
// failover) waits for writes however long that lasts: the consumer fetches
// nothing more until the database takes a write again, then applies it
// once. Before, it only waited for a ping, which such a database answers,
// so the event was fetched and nak'd again every backoff until its
// deliveries sent it to the dead letters unhandled.
func TestAnEventWaitsOutADatabaseThatOnlyReads(t *testing.T) {
	e := eventstest.Setup(t)
	ctx := t.Context()
	admin, err := e.Pool.Acquire(ctx) // held, and read-write throughout
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Release()
	var db string
	if err := admin.QueryRow(ctx, `SELECT current_database()`).Scan(&db); err != nil {
		t.Fatal(err)
	}
	readOnly := func(on bool) {
		t.Helper()
		if _, err := admin.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s SET default_transaction_read_only = %t`, pgx.Identifier{db}.Sanitize(), on)); err != nil {
			t.Fatal(err)
		}
		// The pool's other sessions end; its next ones start as the
		// database says now.
		if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
			t.Fatal(err)
		}
		e.Pool.Reset()
	}
	id := e.Emit(t, 1, true)[0]
	if _, err := relay(t, e).PublishPending(ctx); err != nil {
		t.Fatal(err)
	}
	readOnly(true)
	c := e.Consumer(t, "c1")
	c.MaxDeliver = 1 // a failure of the event's own dead-letters at once
	e.Go(t, c.Run)
	time.Sleep(3 * time.Second) // 60 backoffs
	if dead, err := inbox.ListDeadLetters(ctx, e.JS, "c1"); err != nil || len(dead) != 0 {
		t.Fatalf("dead letters while the database only reads: %v, %v; want none", dead, err)
	}
	readOnly(false)
	eventstest.ExactlyOnce(t, e.WaitApplied(t, "c1", []uuid.UUID{id}), []uuid.UUID{id})
}

// A refusal the database's state causes that no probe sees before the
// write (its disk full) is waited out too, however many deliveries it
// takes: those nak'd for the database's sake are not counted as deliveries
// a consumer never answered. Before, the third such delivery sent the
// event to the dead letters unhandled.
func TestAnEventWaitsOutADiskFull(t *testing.T) {
	e := eventstest.Setup(t)
	id := e.Emit(t, 1, true)[0]
	e.Go(t, relay(t, e).Run)
	c := e.Consumer(t, "c1")
	c.MaxDeliver = 1 // a failure of the event's own dead-letters at once
	var refused atomic.Int32
	c.Handler = func(ctx context.Context, tx pgx.Tx, msg inbox.Message) error {
		if refused.Add(1) <= 8 {
			return fmt.Errorf("record the event: %w", &pgconn.PgError{Code: "53100", Message: "could not extend file: No space left on device"})
		}
		return eventstest.RecordEffect("c1")(ctx, tx, msg)
	}
	e.Go(t, c.Run)
	eventstest.ExactlyOnce(t, e.WaitApplied(t, "c1", []uuid.UUID{id}), []uuid.UUID{id})
	if dead, err := inbox.ListDeadLetters(t.Context(), e.JS, "c1"); err != nil || len(dead) != 0 {
		t.Fatalf("dead letters: %v, %v; want none", dead, err)
	}
}

// A replica of an older version that restarts during a rolling update
// does not narrow the shared durable's filter: a newer version's subjects
// stay on it (their events, passed over, would never be delivered). A
// subject retired on purpose goes; a wider one takes the place of those it
// covers, which the broker would refuse beside it.
func TestAnOlderReplicaDoesNotNarrowTheDurablesFilter(t *testing.T) {
	e := eventstest.Setup(t)
	ctx := t.Context()
	for _, step := range []struct {
		name              string
		subjects, retired []string
		want              []string
	}{
		{"the newer version", []string{"test.a", "test.b"}, nil, []string{"test.a", "test.b"}},
		{"an older replica restarting", []string{"test.a"}, nil, []string{"test.a", "test.b"}},
		{"a version retiring a subject", []string{"test.a"}, []string{"test.b"}, []string{"test.a"}},
		{"a version taking the whole area", []string{"test.>"}, nil, []string{"test.>"}},
		{"an older replica restarting after it", []string{"test.a"}, nil, []string{"test.>"}},
	} {
		c := e.Consumer(t, "c1")
		c.Subjects, c.Retired = step.subjects, step.retired
		got, err := inbox.SetUp(ctx, c)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if !slices.Equal(slices.Sorted(slices.Values(got)), step.want) {
			t.Errorf("%s: the durable filters %v, want %v", step.name, got, step.want)
		}
	}
}
