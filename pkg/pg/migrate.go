package pg

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

//go:embed kitschema/*.sql
var kitSchema embed.FS

// Table names goose records applied versions in. The kit's own tables (outbox,
// inbox) are versioned apart from the service's, so every service gets them
// without nine copies of the same migration, and each side evolves on its own.
const (
	kitVersionTable     = "crossdock_kit_db_version"
	serviceVersionTable = "goose_db_version"
)

// Migrate applies the kit's migrations (outbox and inbox tables) and then the
// service's own (goose files at the root of migrations; nil for none). Each runs
// under a Postgres advisory lock, so replicas starting together migrate once.
func Migrate(ctx context.Context, pool *pgxpool.Pool, migrations fs.FS) error {
	kit, err := fs.Sub(kitSchema, "kitschema")
	if err != nil {
		return err
	}
	if err := MigrateSet(ctx, pool, kit, kitVersionTable, 0x6b6974); err != nil {
		return fmt.Errorf("kit migrations: %w", err)
	}
	if migrations == nil {
		return nil
	}
	if err := MigrateSet(ctx, pool, migrations, serviceVersionTable, 0x737663); err != nil {
		return fmt.Errorf("service migrations: %w", err)
	}
	return nil
}

// MigrationLockTimeout is the longest a migration's statement waits for a
// table's lock (PostgreSQL's lock_timeout) before the migration fails.
var MigrationLockTimeout = 3 * time.Second

// MigrateSet applies one set of goose migrations that keeps its versions in its
// own table, under the advisory lock lockID: for a library's tables that live
// beside a service's (the kit's outbox and inbox, the request nonces) without
// sharing its version numbers.
//
// The migrations run on connections of their own whose statements wait at
// most MigrationLockTimeout for a lock: an ALTER queued behind a long query
// would queue every later query of its table behind it, an outage of the
// service while the migration waits. Refused instead, the start fails and
// is tried again (the runtime retries migrations with back-off).
func MigrateSet(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS, table string, lockID int64) error {
	cfg := pool.Config()
	cfg.MinConns, cfg.MaxConns = 0, 2
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["lock_timeout"] = strconv.FormatInt(MigrationLockTimeout.Milliseconds(), 10)
	own, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer own.Close()
	db := stdlib.OpenDBFromPool(own)
	defer db.Close()
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID), lock.WithLockTimeout(1, 300))
	if err != nil {
		return err
	}
	store, err := database.NewStore(database.DialectPostgres, table)
	if err != nil {
		return err
	}
	provider, err := goose.NewProvider("", db, fsys, goose.WithStore(store), goose.WithSessionLocker(locker))
	if errors.Is(err, goose.ErrNoMigrations) {
		return nil // a service with no tables of its own yet
	}
	if err != nil {
		return err
	}
	_, err = provider.Up(ctx)
	return err
}
