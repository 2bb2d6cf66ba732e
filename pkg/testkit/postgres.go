// Package testkit is the test harness: one throwaway PostgreSQL per test process
// (or CROSSDOCK_TEST_DATABASE_URL), a fresh database per test cloned from a
// migrated template, and an embedded NATS JetStream server per test. Tests talk
// to the real servers; nothing is mocked.
package testkit

import (
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/pgcluster"
)

// EnvDatabaseURL names a superuser connection string to an existing server; when
// set, tests create their databases there instead of starting a server.
const EnvDatabaseURL = "CROSSDOCK_TEST_DATABASE_URL"

// EnvBenchDurable, when set to a non-empty value, starts the throwaway server
// durable (fsync, synchronous_commit and full_page_writes on, as in
// production). Tests run without it: a lost test database costs nothing and
// the flushes would only slow them. `make bench` sets it, so database-bound
// benchmarks pay for every commit what production pays.
const EnvBenchDurable = "CROSSDOCK_BENCH_DURABLE"

// Durable reports whether the harness starts its server durable
// (EnvBenchDurable is set).
func Durable() bool { return os.Getenv(EnvBenchDurable) != "" }

var (
	serverOnce sync.Once
	serverURL  func(database string) string // admin URL of the shared server
	serverErr  error
	cluster    *pgcluster.Cluster
	clusterDir string

	templates sync.Map // template name → *templateEntry
	dbSeq     atomic.Int64
)

type templateEntry struct {
	once sync.Once
	err  error
}

// Main runs the package's tests and then stops the shared server. Call it from
// TestMain so the server's directory is removed; without it the server still
// stops when the test process exits.
func Main(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		_ = cluster.Stop()
		_ = os.RemoveAll(clusterDir)
	}
	os.Exit(code)
}

func adminURLs(t testing.TB) func(string) string {
	t.Helper()
	serverOnce.Do(func() {
		if raw := os.Getenv(EnvDatabaseURL); raw != "" {
			u, err := url.Parse(raw)
			if err != nil {
				serverErr = fmt.Errorf("%s is not a URL", EnvDatabaseURL)
				return
			}
			serverURL = func(db string) string { v := *u; v.Path = "/" + db; return v.String() }
			return
		}
		dir, err := os.MkdirTemp("", "crossdock-pg-")
		if err != nil {
			serverErr = err
			return
		}
		// The server may run as another user (postgres, when we are root).
		if err := os.Chmod(dir, 0o755); err != nil {
			serverErr = err
			return
		}
		clusterDir = dir
		cluster, serverErr = pgcluster.Start(context.Background(), pgcluster.Options{Dir: filepath.Join(dir, "pg"), Durable: Durable()})
		if serverErr == nil {
			serverURL = cluster.AdminURL
		}
	})
	if serverErr != nil {
		t.Fatalf("testkit: PostgreSQL: %v", serverErr)
	}
	return serverURL
}

// Migrations describes a database schema for tests: a template is built once per
// name and process, then cloned for every test that asks for it.
type Migrations struct {
	// Name keys the template; use the service's name.
	Name string
	// FS holds the service's goose migrations; nil means the kit tables only.
	FS fs.FS
}

// Database returns a pool on a fresh database holding the kit tables and the
// given migrations. It is dropped when the test ends.
func Database(t testing.TB, m Migrations) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	admin := adminURLs(t)
	tpl := "tpl_" + sanitize(m.Name)
	entry, _ := templates.LoadOrStore(tpl, &templateEntry{})
	e := entry.(*templateEntry)
	e.once.Do(func() { e.err = buildTemplate(ctx, admin, tpl, m.FS) })
	if e.err != nil {
		t.Fatalf("testkit: template %s: %v", tpl, e.err)
	}

	name := fmt.Sprintf("t_%s_%d_%d", sanitize(m.Name), os.Getpid(), dbSeq.Add(1))
	execAdmin(t, admin("postgres"), fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tpl))
	// The services' own pool constructor, so tests run with the same types.
	pool, err := pg.NewPool(ctx, pg.Config{URL: admin(name)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pool.Close()
		execAdmin(t, admin("postgres"), fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
	})
	return pool
}

func buildTemplate(ctx context.Context, admin func(string) string, tpl string, migrations fs.FS) error {
	conn, err := pgx.Connect(ctx, admin("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	// A template left by an earlier run of the same process id is stale.
	if _, err := conn.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s_%d WITH (FORCE)", tpl, os.Getpid())); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+tpl+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+tpl); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, admin(tpl))
	if err != nil {
		return err
	}
	defer pool.Close()
	return pg.Migrate(ctx, pool, migrations)
}

func execAdmin(t testing.TB, url, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("testkit: %s: %v", sql, err)
	}
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return '_'
	}, s)
}
