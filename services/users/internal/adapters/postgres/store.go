// Package postgres is the users service's PostgreSQL store: one file of SQL
// per aggregate, events written to the outbox in the command's transaction,
// and database constraint violations turned into domain errors.
package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/proto"

	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/users/internal/app"
)

// Store implements app.Store on a pgx pool: its own repository for reads,
// and pg.Store's InTx and WithTx for commands.
type Store struct {
	repo
	pg.Store[app.Repository]
}

var _ app.Store = (*Store)(nil)

// New returns a store on pool that seals the access-token signing keys under
// keys (see kek.Ring); a store without keys can read and write everything
// else, and refuses to write a signing key.
func New(pool *pgxpool.Pool, keys *kek.Ring) *Store {
	return &Store{repo: repo{q: pool, keys: keys}, Store: pg.NewStore(pool, func(q pg.Querier, tx pgx.Tx) app.Repository {
		return repo{q: q, tx: tx, keys: keys}
	})}
}

// repo runs the queries on a pool or, inside InTx, on a transaction.
type repo struct {
	q    pg.Querier
	tx   pgx.Tx    // nil outside a transaction
	keys *kek.Ring // seals signing keys at rest
}

// Emit writes the event to the outbox in the current transaction.
func (r repo) Emit(ctx context.Context, subject string, event proto.Message) error {
	return outbox.Emit(ctx, r.tx, subject, event)
}
