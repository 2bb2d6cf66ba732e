// Package postgres is the finance service's PostgreSQL store: one file of SQL
// per aggregate, database failures wrapped with context and missing rows
// turned into domain errors.
package postgres

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/services/finance/internal/app"
)

// Store implements app.Store on a pgx pool.
type Store struct {
	pool *pgxpool.Pool
}

var _ app.Store = (*Store)(nil)

// New returns a store on pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }
