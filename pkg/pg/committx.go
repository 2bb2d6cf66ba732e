package pg

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/outbox"
)

// trackedTx is the transaction InTx hands to its function. It remembers
// whether outbox rows were written (outbox.CommitTracker), so InTx wakes the
// process's relays right after the commit: the relay then finds the rows on
// its first look instead of polling for a commit it cannot see.
type trackedTx struct {
	pgx.Tx
	wrote *atomic.Bool
}

// WroteOutbox records that outbox rows were written in the transaction.
func (t trackedTx) WroteOutbox() { t.wrote.Store(true) }

// Begin starts a savepoint whose outbox rows count for the whole transaction.
func (t trackedTx) Begin(ctx context.Context) (pgx.Tx, error) {
	inner, err := t.Tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return trackedTx{Tx: inner, wrote: t.wrote}, nil
}

// runTracked runs fn in a transaction on pool and commits it, then wakes the
// outbox relays if fn wrote outbox rows.
func runTracked(ctx context.Context, db interface {
	BeginTx(context.Context, pgx.TxOptions) (pgx.Tx, error)
}, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	wrote := &atomic.Bool{}
	err := pgx.BeginTxFunc(ctx, db, opts, func(tx pgx.Tx) error {
		return fn(trackedTx{Tx: tx, wrote: wrote})
	})
	if err == nil && wrote.Load() {
		outbox.WakeRelays()
	}
	return err
}

var _ outbox.CommitTracker = trackedTx{}
