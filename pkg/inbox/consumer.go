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
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
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

// permanentError marks a failure that no retry can fix.
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent wraps an error that retrying cannot fix (a payload that does not
// decode, say): the event goes to the dead-letter stream at once.
func Permanent(err error) error { return permanentError{err} }

// Consumer is a durable consumer of one stream applying a Handler.
type Consumer struct {
	// Name is the durable consumer's name and the inbox key; unique per service
	// and purpose, e.g. "freight-shipment-history".
	Name     string
	Stream   string
	Subjects []string
	Pool     *pgxpool.Pool
	JS       jetstream.JetStream
	Log      *slog.Logger
	Handler  Handler
	// MaxDeliver bounds deliveries before dead-lettering (default 5).
	MaxDeliver int
	// Backoff is the delay before redelivery n (1-based, last value repeats;
	// default 1s, 5s, 30s, 2m).
	Backoff []time.Duration
	// AckWait is how long the server waits for an ack before redelivering
	// (default 30 s): it covers a consumer that died mid-message.
	AckWait time.Duration

	// afterCommit runs between the commit and the ack; tests use it to die there.
	afterCommit func(context.Context) error
}

func (c *Consumer) defaults() {
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = 5
	}
	if len(c.Backoff) == 0 {
		c.Backoff = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute}
	}
	if c.AckWait <= 0 {
		c.AckWait = 30 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
}

// Run consumes until ctx ends. The stream belongs to another area, whose
// service creates it: Run first waits for it (natsx.WaitForStream), so a
// consumer may start before the publisher ever has. Then it creates or
// updates the durable consumer and the dead-letter stream.
func (c *Consumer) Run(ctx context.Context) error {
	c.defaults()
	if _, err := natsx.WaitForStream(ctx, c.JS, c.Stream, c.Log.With("consumer", c.Name)); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("inbox %s: %w", c.Name, err)
	}
	if _, err := natsx.EnsureStream(ctx, c.JS, natsx.DeadLetterStream); err != nil {
		return err
	}
	cons, err := c.JS.CreateOrUpdateConsumer(ctx, c.Stream, jetstream.ConsumerConfig{
		Durable:        c.Name,
		FilterSubjects: c.Subjects,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        c.AckWait,
		// One more than ours: the consumer dead-letters on the last delivery
		// itself; the server's limit is only a backstop.
		MaxDeliver:    c.MaxDeliver + 1,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("inbox %s: consumer: %w", c.Name, err)
	}
	for ctx.Err() == nil {
		iter, err := cons.Messages(jetstream.PullMaxMessages(64))
		if err != nil {
			c.Log.Error("inbox: subscribe", "consumer", c.Name, "error", err)
			sleep(ctx, time.Second)
			continue
		}
		c.consume(ctx, iter)
	}
	return nil
}

func (c *Consumer) consume(ctx context.Context, iter jetstream.MessagesContext) {
	stop := context.AfterFunc(ctx, iter.Stop)
	defer stop()
	defer iter.Stop()
	for {
		msg, err := iter.Next()
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				c.Log.Warn("inbox: next", "consumer", c.Name, "error", err)
			}
			return
		}
		if err := c.Process(ctx, msg); err != nil && ctx.Err() == nil {
			c.Log.Error("inbox: process", "consumer", c.Name, "subject", msg.Subject(), "error", err)
		}
	}
}

// Process handles one delivered message: apply-and-record, then ack; on failure
// nak with backoff or dead-letter. It is exported for tests and tools.
func (c *Consumer) Process(ctx context.Context, msg jetstream.Msg) error {
	c.defaults()
	meta, err := msg.Metadata()
	if err != nil {
		return err
	}
	m, err := toMessage(msg, meta.NumDelivered)
	if err != nil {
		return c.deadLetter(ctx, msg, meta.NumDelivered, Permanent(err))
	}
	hctx := natsx.ExtractTrace(ctx, msg.Headers())
	err = pg.InTx(hctx, c.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(hctx, `INSERT INTO inbox (consumer, event_id, subject) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			c.Name, m.EventID, m.Subject)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil // applied before: a duplicate or a redelivery after a lost ack
		}
		return c.Handler(hctx, tx, m)
	})
	if err == nil {
		if c.afterCommit != nil {
			if err := c.afterCommit(ctx); err != nil {
				return err
			}
		}
		// A plain ack: if it is lost, the redelivery finds the inbox row.
		return msg.Ack()
	}
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: leave it for redelivery
	}
	var perm permanentError
	if errors.As(err, &perm) || int(meta.NumDelivered) >= c.MaxDeliver {
		return c.deadLetter(ctx, msg, meta.NumDelivered, err)
	}
	delay := c.Backoff[min(int(meta.NumDelivered), len(c.Backoff))-1]
	c.Log.Warn("inbox: handler failed; will retry", "consumer", c.Name, "event_id", m.EventID,
		"delivery", meta.NumDelivered, "retry_in", delay, "error", err)
	return msg.NakWithDelay(delay)
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
	dl.Header.Set(HeaderDLQError, cause.Error())
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

// DeadLetterSubject is where a consumer's dead letters go.
func DeadLetterSubject(consumer string) string { return "deadletter." + consumer }

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
