package auth

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/pg"
)

// NonceMigrations holds the goose migration creating request_nonces, at the
// root of the file system. Either pass it to MigrateNonces (its own version
// table, so it never clashes with the service's numbering) or, for a
// database with no migrations of its own, use it as the migration set.
//
//go:embed 00001_request_nonces.sql
var NonceMigrations embed.FS

// nonceVersionTable records the nonce migrations apart from the service's.
const nonceVersionTable = "crossdock_auth_db_version"

// MigrateNonces creates the request_nonces table if needed, under an
// advisory lock so replicas starting together migrate once.
func MigrateNonces(ctx context.Context, pool *pgxpool.Pool) error {
	if err := pg.MigrateSet(ctx, pool, NonceMigrations, nonceVersionTable, 0x6e6f6e6365); err != nil {
		return fmt.Errorf("auth: nonce migrations: %w", err)
	}
	return nil
}

// pruneEvery is how often one replica's store deletes expired nonces; the
// primary key makes expired-but-present rows harmless in between.
const pruneEvery = time.Minute

// pruneBatch bounds one prune, so it never holds locks for long; a prune
// that fills it is followed by another at the next request.
const pruneBatch = 5000

const (
	// rememberSQL inserts the nonce, or takes over a row whose time has
	// passed but has not been pruned yet; a live row makes it return
	// nothing. Concurrent inserts of one nonce serialize on the primary key,
	// so exactly one of them gets a row back.
	rememberSQL = `
INSERT INTO request_nonces (client_id, nonce, expires_at) VALUES ($1, $2, $3)
ON CONFLICT (client_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at
    WHERE request_nonces.expires_at <= now()
RETURNING true`
	pruneSQL = `
DELETE FROM request_nonces WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM request_nonces WHERE expires_at <= now() LIMIT $1))`
)

// NewPostgresNonceStore returns a nonce store in the request_nonces table
// (see NonceMigrations), shared by every replica using the database. Expired
// rows are deleted now and then by the calls themselves, so it needs no
// background worker; a failed cleanup is logged to log (nil means
// slog.Default()).
func NewPostgresNonceStore(pool *pgxpool.Pool, log *slog.Logger) NonceStore {
	if log == nil {
		log = slog.Default()
	}
	return &pgNonces{pool: pool, log: log}
}

type pgNonces struct {
	pool      *pgxpool.Pool
	log       *slog.Logger
	nextPrune atomic.Int64 // unix nanoseconds
}

func (p *pgNonces) Remember(ctx context.Context, clientID, nonce string, until time.Time) (bool, error) {
	var fresh bool
	err := p.pool.QueryRow(ctx, rememberSQL, clientID, nonce, until).Scan(&fresh)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		fresh = false
	case err != nil:
		return false, err
	}
	p.maybePrune(ctx)
	return fresh, nil
}

// maybePrune deletes a batch of expired rows if this store has not done so
// for pruneEvery. Its failure only delays the cleanup, so the request goes on
// and the error is logged: a prune that keeps failing lets the table grow,
// which an operator must be able to see.
func (p *pgNonces) maybePrune(ctx context.Context) {
	now := time.Now().UnixNano()
	next := p.nextPrune.Load()
	if now < next || !p.nextPrune.CompareAndSwap(next, now+int64(pruneEvery)) {
		return
	}
	tag, err := p.pool.Exec(ctx, pruneSQL, pruneBatch)
	if err != nil {
		p.log.WarnContext(ctx, "auth: prune expired request nonces", "err", err)
		return
	}
	if tag.RowsAffected() >= pruneBatch {
		// More expired than one batch: signed requests come faster than a
		// batch a minute clears, so the next request prunes again rather
		// than letting the table grow for good.
		p.nextPrune.Store(now)
	}
}
