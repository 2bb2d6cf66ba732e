package pg

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/outbox"
)

// Change is what a use case does to one aggregate inside Update: it checks
// and changes the aggregate in place and returns the events the change
// causes. An error leaves the database untouched.
type Change[T any] func(*T) ([]outbox.Message, error)

// Repository is the read-modify-write of one aggregate type T with key K:
// how to read it under its row lock and how to write it back. Every service
// declares one per aggregate in its postgres adapter and implements the
// app's "UpdateX(ctx, id, func(*X) ...)" port with Update, so no use case
// juggles a transaction, a lock flag and a separate save, and none can
// forget the lock or the events.
type Repository[K, T any] struct {
	// Lock reads the aggregate and locks it until the transaction ends
	// (SELECT … FOR UPDATE, or an advisory lock); a missing one is the
	// domain's NotFound.
	Lock func(ctx context.Context, q Querier, id K) (T, error)
	// Save writes the changed aggregate back.
	Save func(ctx context.Context, q Querier, v T) error
}

// Update locks the aggregate id, applies change, saves the result and
// writes the events change returned to the outbox, all in one transaction,
// and returns the aggregate as saved.
//
// db is where the caller is: a pgx.Tx the caller owns (inside a command's
// InTx or an inbox handler), whose commit the update joins; or a
// *pgxpool.Pool, on which Update runs a transaction of its own with InTx's
// retries, so change must have no effects outside the aggregate it is given.
func (r Repository[K, T]) Update(ctx context.Context, db Querier, id K, change Change[T]) (T, error) {
	switch db := db.(type) {
	case pgx.Tx:
		return r.update(ctx, db, id, change)
	case *pgxpool.Pool:
		var out T
		err := InTx(ctx, db, func(tx pgx.Tx) error {
			var err error
			out, err = r.update(ctx, tx, id, change)
			return err
		})
		return out, err
	default:
		var zero T
		return zero, fmt.Errorf("pg: Update needs a pool or a transaction, not %T", db)
	}
}

func (r Repository[K, T]) update(ctx context.Context, tx pgx.Tx, id K, change Change[T]) (T, error) {
	var zero T
	v, err := r.Lock(ctx, tx, id)
	if err != nil {
		return zero, err
	}
	events, err := change(&v)
	if err != nil {
		return zero, err
	}
	if err := r.Save(ctx, tx, v); err != nil {
		return zero, err
	}
	if err := outbox.EmitAll(ctx, tx, events...); err != nil {
		return zero, err
	}
	return v, nil
}
