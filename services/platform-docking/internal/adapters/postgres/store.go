// Package postgres is platform-docking's PostgreSQL store: the partners
// table, with credentials sealed under the key-encryption ring before they
// are written and opened after they are read, so nothing above this package
// handles a sealed value and nothing below it holds one in clear.
package postgres

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// Store implements app.Store on a pgx pool.
type Store struct {
	pool     *pgxpool.Pool
	keys     *kek.Ring
	partners pg.Repository[uuid.UUID, domain.Partner]
}

var _ app.Store = (*Store)(nil)

// New returns a store on pool that seals credentials under keys.
func New(pool *pgxpool.Pool, keys *kek.Ring) *Store {
	s := &Store{pool: pool, keys: keys}
	s.partners = pg.Repository[uuid.UUID, domain.Partner]{Lock: s.lockPartner, Save: s.savePartner}
	return s
}
