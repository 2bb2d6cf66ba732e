// Package outbox makes publishing an event part of the database transaction that
// caused it. Add writes events into the service's outbox table in the caller's
// transaction; the Relay publishes committed rows to JetStream. An event whose
// transaction rolls back is never published, and a committed one is never lost.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/protobuf/proto"
)

// Event is one fact to publish.
type Event struct {
	ID      uuid.UUID
	Subject string
	Type    string
	Payload []byte
	// Headers are extra message headers; Add fills in the trace context.
	Headers map[string]string
}

// New builds an event from a protobuf message with a fresh time-ordered id.
func New(subject string, msg proto.Message) (Event, error) {
	payload, err := proto.Marshal(msg)
	if err != nil {
		return Event{}, fmt.Errorf("outbox: marshal %s: %w", subject, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Event{}, err
	}
	return Event{ID: id, Subject: subject, Type: string(proto.MessageName(msg)), Payload: payload}, nil
}

// ErrNoTransaction is Emit's answer outside a transaction: an event written
// on its own could be published for a change that never commits.
var ErrNoTransaction = errors.New("outbox: events can only be emitted inside a transaction")

// Emit writes one message as an event in tx, which must not be nil: the
// one-line form of New and Add that every repository uses.
func Emit(ctx context.Context, tx pgx.Tx, subject string, msg proto.Message) error {
	if tx == nil {
		return ErrNoTransaction
	}
	ev, err := New(subject, msg)
	if err != nil {
		return err
	}
	return Add(ctx, tx, ev)
}

// Add writes events in tx, in one statement whatever their number. They are
// published only if tx commits, in the order given as a rule, though not
// across a publish that failed and was retried, nor across several relays
// (ADR 0003: consumers must not depend on arrival order). When tx
// tracks its commit (CommitTracker, as pg.InTx's transactions do), the relays
// are woken once it has committed; otherwise Add wakes them at once and they
// look for the rows until they see them commit (see Relay). The wake is
// in-process, not a NOTIFY, because PostgreSQL serializes
// the commits of every transaction that notifies, one flush each, which would
// cap a service's writes at one commit per disk flush.
func Add(ctx context.Context, tx pgx.Tx, events ...Event) error {
	b := &pgx.Batch{}
	if err := Queue(ctx, b, tx, events...); err != nil || b.Len() == 0 {
		return err
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("outbox: insert: %w", err)
	}
	return nil
}

// Queue is Add for a transaction that sends several statements at once: it
// queues the events' insert on b, which the caller sends in tx (its Close
// reports an insert's failure), so the events cost no round trip of their
// own. The relays are woken as Add wakes them.
func Queue(ctx context.Context, b *pgx.Batch, tx pgx.Tx, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	if err := queueInsert(ctx, b, events); err != nil {
		return err
	}
	if t, ok := tx.(CommitTracker); ok {
		t.WroteOutbox()
		return nil
	}
	wakeRelaysPending()
	return nil
}

// QueueAtomic queues the events' insert on b for a caller that sends b on
// its own, outside a transaction: PostgreSQL runs a pipelined batch as one
// implicit transaction, so the rows commit with the batch's other
// statements or not at all. The caller wakes the relays (WakeRelays) once
// the batch succeeded.
func QueueAtomic(ctx context.Context, b *pgx.Batch, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	return queueInsert(ctx, b, events)
}

// queueInsert queues inserting events, in one statement whatever their
// number.
func queueInsert(ctx context.Context, b *pgx.Batch, events []Event) error {
	n := len(events)
	ids, subjects, types := make([]uuid.UUID, n), make([]string, n), make([]string, n)
	payloads, heads := make([][]byte, n), make([]string, n)
	for i, e := range events {
		if e.ID == uuid.Nil || e.Subject == "" || e.Type == "" {
			return errors.New("outbox: event needs an id, a subject and a type")
		}
		headers := http.Header{}
		for k, v := range e.Headers {
			headers.Set(k, v)
		}
		otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(headers))
		flat := make(map[string]string, len(headers))
		for k := range headers {
			flat[k] = headers.Get(k)
		}
		hj, err := json.Marshal(flat)
		if err != nil {
			return err
		}
		ids[i], subjects[i], types[i], payloads[i], heads[i] = e.ID, e.Subject, e.Type, e.Payload, string(hj)
	}
	// One statement for any number of events; rows are inserted (and take
	// their seq) in the order given.
	b.Queue(`INSERT INTO outbox (event_id, subject, event_type, payload, headers)
		SELECT e.id, e.subject, e.type, e.payload, e.headers::jsonb
		FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[], $5::text[]) WITH ORDINALITY
			AS e (id, subject, type, payload, headers, n)
		ORDER BY e.n`, ids, subjects, types, payloads, heads)
	return nil
}
