package inbox_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/internal/eventstest"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/testkit"
)

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
	var dead []inbox.DeadLetter
	eventstest.Eventually(t, 10*time.Second, func() bool {
		dead, _ = inbox.ListDeadLetters(context.Background(), e.JS, "c1")
		return len(dead) == 1
	}, "permanent failure was not dead-lettered")
	if dead[0].EventID != id.String() || dead[0].Deliveries != 1 || attempts.Load() != 1 {
		t.Errorf("dead letter %+v after %d attempts, want 1 delivery", dead[0], attempts.Load())
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
