package outbox

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"
)

// Message is an event a use case decides to publish, before it has an id:
// the subject and the protobuf payload. Use cases return Messages from the
// change they apply to an aggregate (see pg.Repository.Update), and the
// repository writes them in the change's transaction, so a use case states
// what happened without holding the transaction.
type Message struct {
	Subject string
	Payload proto.Message
}

// Of is the one-line form of a Message slice: Of(subject, payload) for the
// common change that causes exactly one event.
func Of(subject string, payload proto.Message) []Message {
	return []Message{{Subject: subject, Payload: payload}}
}

// EmitAll writes messages as events in tx, in order and in one round trip;
// it fails outside a transaction like Emit.
func EmitAll(ctx context.Context, tx pgx.Tx, messages ...Message) error {
	b := &pgx.Batch{}
	if err := QueueAll(ctx, b, tx, messages...); err != nil || b.Len() == 0 {
		return err
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("outbox: insert: %w", err)
	}
	return nil
}

// QueueAll is EmitAll for a transaction that sends several statements at
// once: the insert is queued on b for the caller to send in tx (see Queue).
func QueueAll(ctx context.Context, b *pgx.Batch, tx pgx.Tx, messages ...Message) error {
	if len(messages) == 0 {
		return nil
	}
	if tx == nil {
		return ErrNoTransaction
	}
	events, err := eventsOf(messages)
	if err != nil {
		return err
	}
	return Queue(ctx, b, tx, events...)
}

// QueueAllAtomic is QueueAll for a batch sent outside a transaction (see
// QueueAtomic): the caller wakes the relays once it succeeded.
func QueueAllAtomic(ctx context.Context, b *pgx.Batch, messages ...Message) error {
	events, err := eventsOf(messages)
	if err != nil {
		return err
	}
	return QueueAtomic(ctx, b, events...)
}

// eventsOf gives each message an event id and its type.
func eventsOf(messages []Message) ([]Event, error) {
	events := make([]Event, 0, len(messages))
	for _, m := range messages {
		ev, err := New(m.Subject, m.Payload)
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	return events, nil
}
