// Package postgres is the freight estimator's PostgreSQL store: one file of SQL
// per concern, events written to the outbox in the command's transaction, and
// the route-sequenced history the in-memory index loads from.
package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/proto"

	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
)

// Store implements app.Store on a pgx pool: its own repository for reads,
// and pg.Store's InTx and WithTx for commands.
type Store struct {
	repo
	pg.Store[app.Repository]
}

var _ app.Store = (*Store)(nil)

// New returns a store on pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{repo: repo{q: pool}, Store: pg.NewStore(pool, func(q pg.Querier, tx pgx.Tx) app.Repository {
		return repo{q: q, tx: tx}
	})}
}

// repo runs the queries on a pool or, inside a transaction, on it.
type repo struct {
	q  pg.Querier
	tx pgx.Tx // nil outside a transaction
}

// errNoTx refuses a write that must run inside a transaction.
var errNoTx = errors.New("postgres: this write needs a transaction")

// Emit writes the event to the outbox in the current transaction.
func (r repo) Emit(ctx context.Context, subject string, event proto.Message) error {
	return outbox.Emit(ctx, r.tx, subject, event)
}

// settingsLock is the advisory lock key serialising settings changes.
const settingsLock = 0x66726569676874 // "freight"

// LockSettings takes a transaction-scoped advisory lock.
func (r repo) LockSettings(ctx context.Context) error {
	if r.tx == nil {
		return errNoTx
	}
	_, err := r.q.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(settingsLock))
	return err
}

// BaseCurrency returns the pinned base currency, or "".
func (r repo) BaseCurrency(ctx context.Context) (string, error) {
	var code string
	err := r.q.QueryRow(ctx, `SELECT base_currency FROM settings`).Scan(&code)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return code, err
}

// PinBaseCurrency records the base currency unless one is recorded.
func (r repo) PinBaseCurrency(ctx context.Context, code string) error {
	_, err := r.q.Exec(ctx, `INSERT INTO settings (base_currency) VALUES ($1) ON CONFLICT DO NOTHING`, code)
	return err
}
