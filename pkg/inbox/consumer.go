// Package inbox consumes other services' events exactly once in effect. A durable
// JetStream pull consumer delivers each event at least once; the handler's effects
// and the event id commit in one transaction, so a redelivery finds the id and
// changes nothing. An event that keeps failing goes to the dead-letter stream with
// its error, where it can be listed and replayed.
package inbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/pg"
)

// Message is one delivered event.
type Message struct {
	EventID uuid.UUID
	Subject string
	Type    string
	Payload []byte
	Header  nats.Header
	// Delivery counts deliveries of this message, starting at 1.
	Delivery uint64
}

// Handler applies an event inside tx. Returning an error rolls tx back; the event
// is redelivered with backoff, and after MaxDeliver attempts dead-lettered.
type Handler func(ctx context.Context, tx pgx.Tx, msg Message) error

// BatchHandler applies several events inside tx at once, in stream order,
// typically with one statement for all of them; it is for consumers whose
// per-event statements would dominate (each costs a round trip). Returning an
// error rolls the whole batch back; the consumer then applies each event of it
// in its own transaction (through Handler when set, otherwise BatchHandler
// with that one event), so only the failing event is retried or
// dead-lettered.
type BatchHandler func(ctx context.Context, tx pgx.Tx, msgs []Message) error

// permanentError marks a failure that no retry can fix.
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent wraps an error that retrying cannot fix (a payload that does not
// decode, say): the event goes to the dead-letter stream at once.
func Permanent(err error) error { return permanentError{err} }

// Consumer is a durable consumer of one stream applying a Handler.
//
// It applies the messages it has at hand in batches: one transaction records
// the batch's inbox rows in one statement and runs the handler for each new
// event, in stream order, then commits once and acknowledges each message. When
// a handler fails, the transaction rolls back; the events before the failed one
// are applied again as a batch, the failed one is retried or dead-lettered on
// its own, and the rest follow, so one bad event neither loses nor
// double-applies the others.
type Consumer struct {
	// Name is the durable consumer's name and the inbox key; unique per service
	// and purpose, e.g. "freight-shipment-history".
	Name     string
	Stream   string
	Subjects []string
	// Retired are subjects an earlier version consumed and this one no
	// longer does: setUp takes them off the durable's filter, which it
	// otherwise only widens (filterFor).
	Retired []string
	Pool    *pgxpool.Pool
	JS      jetstream.JetStream
	Log     *slog.Logger
	// Handler applies one event. BatchHandler, when set, is used for batches
	// instead; at least one of them is required.
	Handler      Handler
	BatchHandler BatchHandler
	// MaxDeliver bounds deliveries before dead-lettering (default 5): a
	// failure on delivery MaxDeliver or later dead-letters, and a message
	// delivered more than twice MaxDeliver times is dead-lettered unhandled
	// (unanswered).
	MaxDeliver int
	// Backoff is the delay before redelivery n (1-based, last value repeats;
	// default 1s, 5s, 30s, 2m).
	Backoff []time.Duration
	// AckWait is how long the server waits for an ack before redelivering
	// (default 30 s): it covers a consumer that died mid-message. It also
	// bounds a handler's transaction, which is cut short past it.
	AckWait time.Duration
	// BatchSize caps the events applied in one transaction (default 128);
	// 1 applies each event in its own transaction.
	BatchSize int
	// DeadLetters is the dead-letter stream Run ensures, with its replicas
	// and limits (natsx.StreamSettings.DeadLetters); zero means
	// natsx.DeadLetterStream on one replica, for tests.
	DeadLetters natsx.StreamSpec
	// Retention is how long the consumer's inbox rows are kept: every
	// replica deletes older ones hourly. It must outlast every way an event
	// can come again, or one that came again would be applied twice: the
	// stream's age limit (NATS_STREAM_MAX_AGE, 7 days by default), the
	// outbox's (7 days), and a dead letter's replay (an event applied, then
	// delivered unanswered until dead-lettered, lives as long as the
	// dead-letter stream keeps it, NATS_DEADLETTER_MAX_AGE, 30 days). The
	// default is twice the dead letters' age, at least 30 days;
	// service.Runtime.Consume sets twice the longest of the three.
	Retention time.Duration

	// afterCommit runs between the commit and the ack; tests use it to die there.
	afterCommit func(context.Context) error
	// databaseDown is set when a message failed while the database did not
	// answer: Run then stops fetching until it answers again (awaitDatabase).
	databaseDown atomic.Bool
	// waited counts, per stream sequence, the deliveries this consumer
	// nak'd because the database refused them (addWait): those were
	// answered, and do not count towards unanswered.
	waitedMu sync.Mutex
	waited   map[uint64]uint64
	// once fills the defaults once: Run and an operator's Replay may start
	// together.
	once sync.Once
}

func (c *Consumer) defaults() { c.once.Do(c.fillDefaults) }

func (c *Consumer) fillDefaults() {
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = 5
	}
	if len(c.Backoff) == 0 {
		c.Backoff = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute}
	}
	if c.AckWait <= 0 {
		c.AckWait = 30 * time.Second
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 128
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.DeadLetters.Name == "" {
		c.DeadLetters = natsx.DeadLetterStream
	}
	if c.Retention <= 0 {
		c.Retention = RetentionBeyond(c.DeadLetters.MaxAge)
	}
}

// MinRetention is the shortest default Retention.
const MinRetention = 30 * 24 * time.Hour

// RetentionBeyond is the Retention for events that can come again for up
// to each of ages: twice the longest, at least MinRetention.
func RetentionBeyond(ages ...time.Duration) time.Duration {
	r := MinRetention
	for _, a := range ages {
		r = max(r, 2*a)
	}
	return r
}

// Run consumes until ctx ends. The stream belongs to another area, whose
// service creates it: Run first waits for it (natsx.WaitForStream), so a
// consumer may start before the publisher ever has. Then it creates or
// updates the durable consumer and the dead-letter stream, trying again
// until the broker lets it.
func (c *Consumer) Run(ctx context.Context) error {
	c.defaults()
	if c.Handler == nil && c.BatchHandler == nil {
		return fmt.Errorf("inbox %s: no handler", c.Name)
	}
	if _, err := natsx.WaitForStream(ctx, c.JS, c.Stream, c.Log.With("consumer", c.Name)); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("inbox %s: %w", c.Name, err)
	}
	pruneCtx, stopPruning := context.WithCancel(ctx)
	pruned := make(chan struct{})
	defer func() { stopPruning(); <-pruned }()
	go func() { defer close(pruned); c.pruneHourly(pruneCtx) }()
	cons, err := c.setUp(ctx)
	for err == nil && ctx.Err() == nil {
		if c.databaseDown.Load() {
			c.awaitDatabase(ctx)
			continue
		}
		// Two batches' worth buffered: the next batch arrives while this one
		// commits.
		iter, ierr := cons.Messages(jetstream.PullMaxMessages(2 * c.BatchSize))
		if ierr != nil {
			c.Log.Error("inbox: subscribe", "consumer", c.Name, "error", ierr)
			sleep(ctx, time.Second)
			continue
		}
		c.consume(ctx, iter)
		if ctx.Err() != nil {
			break
		}
		// The iterator ended: a durable deleted on the broker (an
		// operator, a lost store) is set up again, or nothing would
		// consume until the service restarted.
		if _, ierr := cons.Info(ctx); errors.Is(ierr, jetstream.ErrConsumerNotFound) {
			c.Log.Warn("inbox: the durable consumer is gone; setting it up again", "consumer", c.Name)
			c.waitedMu.Lock()
			c.waited = nil // its deliveries count from one again
			c.waitedMu.Unlock()
			cons, err = c.setUp(ctx)
		}
	}
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("inbox %s: consumer: %w", c.Name, err)
	}
	return nil
}

// setUp creates (or updates) the durable consumer and the dead-letter
// stream. A failure (a JetStream API timeout while the broker elects a
// leader, say) is tried again until ctx ends, not returned: the runtime
// would stop the whole service for it.
func (c *Consumer) setUp(ctx context.Context) (jetstream.Consumer, error) {
	return natsx.RetryUntil(ctx, func() (jetstream.Consumer, error) {
		if _, err := natsx.EnsureStream(ctx, c.JS, c.DeadLetters); err != nil {
			return nil, err
		}
		var current []string
		switch info, err := c.JS.Consumer(ctx, c.Stream, c.Name); {
		case err == nil:
			current = info.CachedInfo().Config.FilterSubjects
		case !errors.Is(err, jetstream.ErrConsumerNotFound):
			return nil, err
		}
		return c.JS.CreateOrUpdateConsumer(ctx, c.Stream, jetstream.ConsumerConfig{
			Durable:        c.Name,
			FilterSubjects: filterFor(current, c.Subjects, c.Retired),
			AckPolicy:      jetstream.AckExplicitPolicy,
			AckWait:        c.AckWait,
			// No limit on the server: one there drops a message silently
			// once reached, and deliveries count those never answered (a
			// replica killed or stopped while holding it in its buffer).
			// The consumer dead-letters instead (settle, unanswered).
			MaxDeliver:    -1,
			DeliverPolicy: jetstream.DeliverAllPolicy,
		})
	}, func(err error, next time.Duration) {
		c.Log.Warn("inbox: setting up the consumer failed; retrying", "consumer", c.Name, "retry_in", next.Round(time.Millisecond), "error", err)
	})
}

// filterFor is the durable's filter once this version sets it up: the
// subjects it has (current) and this version's, less those retired, a
// wider subject standing for the narrower ones it covers (whichever
// version brought it). It never narrows otherwise: during a rolling update
// an older replica that restarts (an eviction, a rollback under way) would
// take a newer version's subjects off the shared durable, and their events,
// passed over by its position, would never be delivered to anyone; a newer
// replica's events reaching an older one are refused (mine) and come back
// for it.
func filterFor(current, subjects, retired []string) []string {
	var out []string // the durable's subjects kept: not retired, nor covered by one of this version's
	for _, s := range current {
		covered := slices.ContainsFunc(subjects, func(o string) bool { return o != s && subjectMatches(o, s) })
		if !covered && !slices.Contains(retired, s) {
			out = append(out, s)
		}
	}
	kept := len(out)
	for _, s := range subjects {
		// One the durable has, or a wider one of it covers, is there: the
		// broker refuses overlapping filters.
		if !slices.ContainsFunc(out[:kept], func(k string) bool { return subjectMatches(k, s) }) {
			out = append(out, s)
		}
	}
	return out
}

// consume reads the iterator in a goroutine and applies what has arrived in
// batches: it waits for one message, then takes every message already there,
// up to BatchSize.
func (c *Consumer) consume(ctx context.Context, iter jetstream.MessagesContext) {
	stop := context.AfterFunc(ctx, iter.Stop)
	defer stop()
	msgs := make(chan jetstream.Msg, c.BatchSize)
	read := make(chan struct{})
	go func() {
		defer close(read)
		defer close(msgs)
		for {
			msg, err := iter.Next()
			if err != nil {
				if ctx.Err() == nil && !errors.Is(err, jetstream.ErrMsgIteratorClosed) {
					c.Log.Warn("inbox: next", "consumer", c.Name, "error", err)
				}
				return
			}
			msgs <- msg
		}
	}()
	defer func() {
		iter.Stop()
		for range msgs { // unblock the reader; unacked messages are redelivered
		}
		<-read
	}()
	batch := make([]jetstream.Msg, 0, c.BatchSize)
	for {
		msg, ok := <-msgs
		if !ok {
			return
		}
		batch = append(batch[:0], msg)
	fill:
		for len(batch) < c.BatchSize {
			select {
			case msg, ok := <-msgs:
				if !ok {
					break fill
				}
				batch = append(batch, msg)
			default:
				break fill
			}
		}
		if err := c.ProcessBatch(ctx, batch); err != nil && ctx.Err() == nil && !errors.Is(err, errDatabaseDown) {
			c.Log.Error("inbox: process", "consumer", c.Name, "error", err)
		}
		if ctx.Err() != nil || c.databaseDown.Load() {
			return // what is buffered comes back once the database answers
		}
	}
}

// unanswered reports a message delivered so often that most deliveries
// went unanswered: the handler is tried MaxDeliver times at most and a
// failure on the last one dead-letters, so deliveries beyond twice that
// were lost with the consumer holding them. That is a replica killed or
// stopped in turn, or an event that kills the process handling it (a
// runtime fatal error, not a panic, which handle recovers). It goes to the
// dead letters unhandled, where it can be replayed once looked at, rather
// than crash every replica for good or be dropped.
func (c *Consumer) unanswered(deliveries uint64) bool {
	return deliveries > uint64(2*c.MaxDeliver)
}

// delivered is one message with what the batch needs of it.
type delivered struct {
	raw  jetstream.Msg
	meta *jetstream.MsgMetadata
	msg  Message
}

// ProcessBatch applies messages in stream order, as many as it can in one
// transaction (see Consumer), and acknowledges each once its effects are
// committed. A single message takes the path of Process. It is exported for
// tests and tools.
func (c *Consumer) ProcessBatch(ctx context.Context, msgs []jetstream.Msg) error {
	c.defaults()
	var errs []error
	batch := make([]delivered, 0, len(msgs))
	for _, raw := range msgs {
		meta, err := raw.Metadata()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m, err := toMessage(raw, meta.NumDelivered)
		if err != nil {
			errs = append(errs, c.deadLetter(ctx, raw, meta.NumDelivered, Permanent(err)))
			continue
		}
		if c.unanswered(c.ownDeliveries(meta)) {
			errs = append(errs, c.deadLetter(ctx, raw, meta.NumDelivered, Permanent(fmt.Errorf(
				"delivered %d times, most never answered: a consumer died or stopped each time it held the event", meta.NumDelivered))))
			continue
		}
		batch = append(batch, delivered{raw, meta, m})
	}
	errs = append(errs, c.applyBatch(ctx, batch))
	return errors.Join(errs...)
}

// applyBatch applies batch in one transaction; when a handler fails it splits
// the batch around the failed event.
func (c *Consumer) applyBatch(ctx context.Context, batch []delivered) error {
	switch len(batch) {
	case 0:
		return nil
	case 1:
		return c.process(ctx, batch[0])
	}
	failed, herr, err := c.tryBatch(ctx, batch)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // shutting down: leave them for redelivery
		}
		// Not a handler's failure (the commit, the connection): each on its own.
		c.Log.Warn("inbox: batch failed; applying one by one", "consumer", c.Name, "events", len(batch), "error", err)
		var errs []error
		for _, d := range batch {
			errs = append(errs, c.process(ctx, d))
		}
		return errors.Join(errs...)
	}
	if failed < 0 {
		return nil
	}
	before := c.applyBatch(ctx, batch[:failed])
	var this error
	if pg.IsRetryable(herr) || (failed > 0 && errors.Is(herr, errOverran)) {
		// Likely a clash with another transaction, not the event: its own
		// transaction, with InTx's retries. Or the batch's time ran out
		// during it, the events before it having used most of it: on its
		// own it has the whole ack wait.
		this = c.process(ctx, batch[failed])
	} else {
		this = c.settle(ctx, batch[failed], herr)
	}
	return errors.Join(before, this, c.applyBatch(ctx, batch[failed+1:]))
}

// tryBatch runs the handlers of batch in one transaction. When a handler
// fails it rolls back and returns the event's index and the handler's error;
// failed is -1 when everything committed and was acknowledged. err is any
// other failure, after which nothing of the batch is committed.
func (c *Consumer) tryBatch(ctx context.Context, batch []delivered) (failed int, herr, err error) {
	failed = -1
	hctx, cancel := c.withinAckWait(ctx)
	defer cancel()
	ids, subjects := make([]uuid.UUID, len(batch)), make([]string, len(batch))
	for i, d := range batch {
		ids[i], subjects[i] = d.msg.EventID, d.msg.Subject
	}
	err = pgx.BeginFunc(hctx, c.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(hctx, `INSERT INTO inbox (consumer, event_id, subject)
			SELECT $1, * FROM unnest($2::uuid[], $3::text[]) ON CONFLICT DO NOTHING RETURNING event_id`,
			c.Name, ids, subjects)
		if err != nil {
			return err
		}
		inserted, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return err
		}
		// Events recorded before (duplicates, redeliveries after a lost ack,
		// or the same event twice in this batch) are applied at most once.
		fresh := make(map[uuid.UUID]bool, len(inserted))
		for _, id := range inserted {
			fresh[id] = true
		}
		if c.BatchHandler != nil {
			msgs := make([]Message, 0, len(inserted))
			for _, d := range batch {
				if fresh[d.msg.EventID] {
					delete(fresh, d.msg.EventID)
					msgs = append(msgs, d.msg)
				}
			}
			if len(msgs) == 0 {
				return nil
			}
			if err := c.handleBatch(hctx, tx, msgs); err != nil {
				return fmt.Errorf("batch handler: %w", err)
			}
			return nil
		}
		for i, d := range batch {
			if !fresh[d.msg.EventID] {
				continue
			}
			delete(fresh, d.msg.EventID)
			if herr = c.handle(natsx.ExtractTrace(hctx, d.raw.Headers()), tx, d.msg); herr != nil {
				failed = i
				return errHandlerFailed
			}
		}
		return nil
	})
	if failed >= 0 {
		return failed, c.overran(hctx, herr), nil
	}
	if err != nil {
		return -1, nil, err
	}
	for _, d := range batch {
		if err := c.acknowledge(ctx, d); err != nil {
			return -1, nil, err
		}
	}
	return -1, nil, nil
}

// errHandlerFailed rolls a batch back when one of its handlers failed.
var errHandlerFailed = errors.New("inbox: a handler failed")

// acknowledges one applied message: a plain ack; if it is lost, the
// redelivery finds the inbox row.
func (c *Consumer) acknowledge(ctx context.Context, d delivered) error {
	if c.afterCommit != nil {
		if err := c.afterCommit(ctx); err != nil {
			return err
		}
	}
	c.forgetWaits(d.meta.Sequence.Stream)
	return d.raw.Ack()
}

// addWait counts a delivery of the message at stream sequence seq that
// this consumer nak'd for the database's sake.
func (c *Consumer) addWait(seq uint64) {
	c.waitedMu.Lock()
	defer c.waitedMu.Unlock()
	if c.waited == nil {
		c.waited = map[uint64]uint64{}
	}
	c.waited[seq]++
}

// ownDeliveries is a message's deliveries less those this consumer nak'd
// for the database's sake (never below zero: a durable set up again counts
// deliveries from one).
func (c *Consumer) ownDeliveries(meta *jetstream.MsgMetadata) uint64 {
	c.waitedMu.Lock()
	defer c.waitedMu.Unlock()
	n := meta.NumDelivered
	return n - min(n, c.waited[meta.Sequence.Stream])
}

// forgetWaits drops a message's count once it is settled for good.
func (c *Consumer) forgetWaits(seq uint64) {
	c.waitedMu.Lock()
	defer c.waitedMu.Unlock()
	delete(c.waited, seq)
}

// Process handles one delivered message: apply-and-record, then ack; on failure
// nak with backoff or dead-letter. It is exported for tests and tools.
func (c *Consumer) Process(ctx context.Context, msg jetstream.Msg) error {
	return c.ProcessBatch(ctx, []jetstream.Msg{msg})
}

// process applies one message in its own transaction.
func (c *Consumer) process(ctx context.Context, d delivered) error {
	hctx, cancel := c.withinAckWait(ctx)
	_, err := c.apply(natsx.ExtractTrace(hctx, d.raw.Headers()), d.msg)
	err = c.overran(hctx, err)
	cancel()
	if err == nil {
		return c.acknowledge(ctx, d)
	}
	return c.settle(ctx, d, err)
}

// apply records m in the inbox and runs the handler in one transaction;
// applied is false when the inbox held the event already (a duplicate, a
// redelivery after a lost ack, a replay of an event applied since).
func (c *Consumer) apply(ctx context.Context, m Message) (applied bool, err error) {
	err = pg.InTx(ctx, c.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO inbox (consumer, event_id, subject) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			c.Name, m.EventID, m.Subject)
		if err != nil {
			return err
		}
		applied = tag.RowsAffected() > 0
		if !applied {
			return nil
		}
		if c.Handler == nil {
			return c.handleBatch(ctx, tx, []Message{m})
		}
		return c.handle(ctx, tx, m)
	})
	return applied && err == nil, err
}

// withinAckWait bounds the handling of a delivery (a batch's, or one
// event's) by AckWait. Past it the server delivers the event again (to this
// replica or another, whose inbox insert waits on this transaction's), so a
// handler still running has lost its turn; unbounded, one stuck on a lock or
// on a call that never answers held its transaction, and every event behind
// it, for good. Cut short, its statement is cancelled at the server (pgx
// sends a cancel request as it drops the connection), it rolls back and is
// retried after the backoff like any failure, and dead-lettered after
// MaxDeliver deliveries that all overran; an event the batch's time ran out
// on after others used it is applied again on its own at once. An
// operator's Replay is not a delivery and is not bounded.
func (c *Consumer) withinAckWait(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, c.AckWait, errOverran)
}

// errOverran is the cause of a handling cut short at AckWait.
var errOverran = errors.New("inbox: the handling took longer than the ack wait")

// overran names the cause of err when the handling's context ran out
// (withinAckWait), so the retry's log line and the dead letter say why.
func (c *Consumer) overran(hctx context.Context, err error) error {
	if err == nil || !errors.Is(context.Cause(hctx), errOverran) {
		return err
	}
	return fmt.Errorf("%w (%v): %w", errOverran, c.AckWait, err)
}

// handle runs the handler on m. A handler that panics (an event it cannot
// cope with, a nil it did not expect) fails for good: its transaction rolls
// back, the event goes to the dead letters with the panic, and the service
// and the events beside it go on. Unrecovered, the panic would take the
// process down, and the event would come back to crash every replica until
// the server gave up on it, with nothing dead-lettered.
func (c *Consumer) handle(ctx context.Context, tx pgx.Tx, m Message) (err error) {
	if err := c.mine(m); err != nil {
		return err
	}
	defer c.recoverHandler(&err)
	return c.Handler(ctx, tx, m)
}

// mine refuses an event of a subject outside the consumer's Subjects: the
// durable is shared by the service's replicas, and during a rolling update
// a newer one widens its filter to a subject this version has no handler
// for. Refused, the event is not recorded and comes back, for a newer
// replica to apply (or, after MaxDeliver deliveries here, to be replayed
// from the dead letters once the newer version runs); recorded as applied,
// it was lost for the newer replicas too.
func (c *Consumer) mine(m Message) error {
	for _, filter := range c.Subjects {
		if subjectMatches(filter, m.Subject) {
			return nil
		}
	}
	return fmt.Errorf("inbox: %s is not a subject this version of %s handles (%s)", m.Subject, c.Name, strings.Join(c.Subjects, ", "))
}

// subjectMatches reports a NATS subject matching a filter, with its "*"
// (one token) and ">" (the rest) wildcards.
func subjectMatches(filter, subject string) bool {
	if filter == subject {
		return true // every service's filters are whole subjects: no split per event
	}
	f, s := strings.Split(filter, "."), strings.Split(subject, ".")
	for i, tok := range f {
		switch {
		case tok == ">":
			return len(s) > i
		case i >= len(s):
			return false
		case tok != "*" && tok != s[i]:
			return false
		}
	}
	return len(f) == len(s)
}

// handleBatch runs the batch handler on msgs, a panic failing for good as
// in handle (the batch is then taken an event at a time, and only the one
// at fault is dead-lettered).
func (c *Consumer) handleBatch(ctx context.Context, tx pgx.Tx, msgs []Message) (err error) {
	for _, m := range msgs {
		if err := c.mine(m); err != nil {
			return err
		}
	}
	defer c.recoverHandler(&err)
	return c.BatchHandler(ctx, tx, msgs)
}

func (c *Consumer) recoverHandler(err *error) {
	if p := recover(); p != nil {
		c.Log.Error("inbox: handler panicked", "consumer", c.Name, "panic", p, "stack", string(debug.Stack()))
		*err = Permanent(fmt.Errorf("the handler panicked: %v", p))
	}
}

// settle answers a message whose handling failed with err: nothing while
// shutting down (it is redelivered), dead-letter for a permanent error or the
// last delivery, otherwise nak with the backoff's delay. While the
// consumer's database does not answer, the failure is the database's, not
// the event's: it is nak'd whatever its delivery, never dead-lettered, and
// Run fetches nothing more until the database answers, so an outage of a
// few minutes does not send every event in flight to the dead letters.
func (c *Consumer) settle(ctx context.Context, d delivered, err error) error {
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: leave it for redelivery
	}
	var perm permanentError
	n := d.meta.NumDelivered
	permanent := errors.As(err, &perm)
	if !permanent && (databaseRefused(err) || c.databaseAway(ctx)) {
		// Down until it takes a write again: Run fetches nothing more
		// meanwhile, or each redelivery nak'd here would count towards
		// the dead letters (unanswered) while the database refuses.
		c.databaseDown.Store(true)
		c.addWait(d.meta.Sequence.Stream)
		c.Log.Warn("inbox: the database does not answer, or cannot take writes now; the event waits for it", "consumer", c.Name,
			"event_id", d.msg.EventID, "delivery", n, "error", err)
		return errors.Join(errDatabaseDown, d.raw.NakWithDelay(c.Backoff[0]))
	}
	if permanent || int(c.ownDeliveries(d.meta)) >= c.MaxDeliver {
		c.forgetWaits(d.meta.Sequence.Stream)
		return c.deadLetter(ctx, d.raw, n, err)
	}
	delay := c.Backoff[min(int(n), len(c.Backoff))-1]
	c.Log.Warn("inbox: handler failed; will retry", "consumer", c.Name, "event_id", d.msg.EventID,
		"delivery", n, "retry_in", delay, "error", err)
	return d.raw.NakWithDelay(delay)
}

// databaseRefused reports a failure the database's state caused, not the
// event's, though the database answers pings: its connection broke, it is
// out of resources (disk, memory, connections), shutting down or starting,
// or it only reads (a primary demoted in a failover). Such an event waits,
// as one the database does not answer does, rather than going to the dead
// letters after a few deliveries.
func databaseRefused(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	code := pgErr.Code
	return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "53") || strings.HasPrefix(code, "57P") || code == "25006"
}

// takesWrites reports whether the database would take a write: it answers
// and is neither a standby nor read-only. A refusal it cannot see (a full
// disk) is seen by the next event's write: those deliveries, nak'd for the
// database's sake, do not count towards unanswered.
func takesWrites(ctx context.Context, pool *pgxpool.Pool) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var readOnly bool
	if err := tx.QueryRow(ctx, `SELECT pg_is_in_recovery() OR current_setting('transaction_read_only')::bool`).Scan(&readOnly); err != nil {
		return err
	}
	if readOnly {
		return errDatabaseReadOnly
	}
	return tx.Commit(ctx)
}

// errDatabaseReadOnly is a database that answers but takes no writes.
var errDatabaseReadOnly = errors.New("inbox: the database takes no writes")

// errDatabaseDown answers a message that failed while the consumer's
// database did not answer.
var errDatabaseDown = errors.New("inbox: the database does not answer")

// databasePingTimeout bounds the ping that tells a failing event from a
// database that does not answer.
const databasePingTimeout = 2 * time.Second

// databaseAway reports a database that does not answer a ping, and marks
// it down until awaitDatabase sees it back; once down, the messages after
// the first are not pinged for again.
func (c *Consumer) databaseAway(ctx context.Context) bool {
	if c.databaseDown.Load() {
		return true
	}
	pctx, cancel := context.WithTimeout(ctx, databasePingTimeout)
	defer cancel()
	if err := c.Pool.Ping(pctx); err != nil && ctx.Err() == nil {
		c.databaseDown.Store(true)
		return true
	}
	return false
}

// awaitDatabase waits until the database takes a write again, or ctx
// ends: one that answers pings may still refuse writes (read-only after a
// failover, its disk full), and consuming again then would only redeliver.
func (c *Consumer) awaitDatabase(ctx context.Context) {
	for ctx.Err() == nil {
		pctx, cancel := context.WithTimeout(ctx, databasePingTimeout)
		err := takesWrites(pctx, c.Pool)
		cancel()
		if err == nil {
			c.Log.Info("inbox: the database answers again; consuming", "consumer", c.Name)
			c.databaseDown.Store(false)
			return
		}
		sleep(ctx, time.Second)
	}
}

func toMessage(msg jetstream.Msg, delivery uint64) (Message, error) {
	h := msg.Headers()
	id, err := uuid.Parse(h.Get(natsx.HeaderEventID))
	if err != nil {
		return Message{}, fmt.Errorf("message without a valid %s header", natsx.HeaderEventID)
	}
	return Message{EventID: id, Subject: msg.Subject(), Type: h.Get(natsx.HeaderEventType),
		Payload: msg.Data(), Header: h, Delivery: delivery}, nil
}

// Dead-letter headers added to the original message's.
const (
	HeaderDLQConsumer   = "Crossdock-Dlq-Consumer"
	HeaderDLQSubject    = "Crossdock-Dlq-Original-Subject"
	HeaderDLQError      = "Crossdock-Dlq-Error"
	HeaderDLQDeliveries = "Crossdock-Dlq-Deliveries"
	HeaderDLQAt         = "Crossdock-Dlq-At"
)

func (c *Consumer) deadLetter(ctx context.Context, msg jetstream.Msg, deliveries uint64, cause error) error {
	dl := nats.NewMsg(DeadLetterSubject(c.Name))
	dl.Data = msg.Data()
	for k, vs := range msg.Headers() {
		for _, v := range vs {
			dl.Header.Add(k, v)
		}
	}
	meta, _ := msg.Metadata()
	dl.Header.Set(natsx.HeaderMsgID, fmt.Sprintf("dlq:%s:%s:%d", c.Name, meta.Stream, meta.Sequence.Stream))
	dl.Header.Set(HeaderDLQConsumer, c.Name)
	dl.Header.Set(HeaderDLQSubject, msg.Subject())
	dl.Header.Set(HeaderDLQError, clipped(cause.Error(), maxDeadLetterError))
	dl.Header.Set(HeaderDLQDeliveries, strconv.FormatUint(deliveries, 10))
	dl.Header.Set(HeaderDLQAt, time.Now().UTC().Format(time.RFC3339Nano))
	if _, err := c.JS.PublishMsg(ctx, dl); err != nil {
		// Not acked: it will be redelivered and dead-lettered again.
		return fmt.Errorf("dead-letter publish: %w", err)
	}
	c.Log.Error("inbox: event dead-lettered", "consumer", c.Name, "subject", msg.Subject(),
		"event_id", msg.Headers().Get(natsx.HeaderEventID), "deliveries", deliveries, "error", cause)
	return msg.Term()
}

// maxDeadLetterError bounds the error text a dead letter carries: headers
// count toward the broker's message size, and a dead letter too large to
// publish is redelivered and refused again for ever, never listed.
const maxDeadLetterError = 2048

// clipped is s cut to at most n bytes on a character boundary, marked cut.
func clipped(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// DeadLetterSubject is where a consumer's dead letters go.
func DeadLetterSubject(consumer string) string { return "deadletter." + consumer }

// pruneHourly deletes the consumer's inbox rows older than its retention,
// at start and every hour until ctx ends; a failure is logged and tried
// again the next hour.
func (c *Consumer) pruneHourly(ctx context.Context) {
	for ctx.Err() == nil {
		if n, err := c.prune(ctx); err != nil && ctx.Err() == nil {
			c.Log.Warn("inbox: prune", "consumer", c.Name, "error", err)
		} else if n > 0 {
			c.Log.Info("inbox: pruned", "consumer", c.Name, "rows", n)
		}
		sleep(ctx, time.Hour)
	}
}

// pruneBatch bounds the rows one prune statement deletes, so a first prune
// of a large backlog holds no long transaction.
const pruneBatch = 10000

// prune deletes the consumer's inbox rows processed longer ago than its
// retention, a batch at a time, and returns how many.
func (c *Consumer) prune(ctx context.Context) (int64, error) {
	var total int64
	for {
		tag, err := c.Pool.Exec(ctx, `DELETE FROM inbox WHERE ctid = ANY(ARRAY(
			SELECT ctid FROM inbox WHERE consumer = $1 AND processed_at < now() - make_interval(secs => $2) LIMIT $3))`,
			c.Name, c.Retention.Seconds(), pruneBatch)
		if err != nil {
			return total, fmt.Errorf("prune inbox of %s: %w", c.Name, err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < pruneBatch {
			return total, nil
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
