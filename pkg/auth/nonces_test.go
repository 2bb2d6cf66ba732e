package auth_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
)

func TestMemoryNonceStore(t *testing.T) {
	clk := newClock()
	s := auth.NewMemoryNonceStore(auth.WithNonceClock(clk.Now), auth.WithNonceCapacity(3))
	ctx := context.Background()
	remember := func(client, nonce string, ttl time.Duration) (bool, error) {
		return s.Remember(ctx, client, nonce, clk.Now().Add(ttl))
	}
	steps := []struct {
		name    string
		advance time.Duration
		client  string
		nonce   string
		ttl     time.Duration
		fresh   bool
		err     error
	}{
		{"new", 0, "p-1", "a", 10 * time.Minute, true, nil},
		{"repeat", 0, "p-1", "a", 10 * time.Minute, false, nil},
		{"same nonce, other client", 0, "p-2", "a", 10 * time.Minute, true, nil},
		{"remembered until the end", 9*time.Minute + 59*time.Second, "p-1", "a", 10 * time.Minute, false, nil},
		{"another short-lived", 0, "p-1", "b", time.Minute, true, nil},
		{"full: refused rather than forgetting early", 0, "p-1", "c", 10 * time.Minute, false, auth.ErrNonceStoreFull},
		{"expired: forgotten", time.Second, "p-1", "a", 10 * time.Minute, true, nil},
		{"room again after expiry", 0, "p-1", "c", 10 * time.Minute, true, nil},
		{"b still remembered", 0, "p-1", "b", time.Minute, false, nil},
	}
	for _, s := range steps {
		clk.Advance(s.advance)
		fresh, err := remember(s.client, s.nonce, s.ttl)
		if fresh != s.fresh || !errors.Is(err, s.err) {
			t.Fatalf("%s: fresh = %v, err = %v; want %v, %v", s.name, fresh, err, s.fresh, s.err)
		}
	}
}

func nonceDB(t *testing.T) *pgxpool.Pool {
	return testkit.Database(t, testkit.Migrations{Name: "auth-nonces", FS: auth.NonceMigrations})
}

func TestPostgresNonceStore(t *testing.T) {
	pool := nonceDB(t)
	s := auth.NewPostgresNonceStore(pool, nil)
	ctx := context.Background()
	later := time.Now().Add(10 * time.Minute)
	steps := []struct {
		name          string
		client, nonce string
		until         time.Time
		fresh         bool
	}{
		{"new", "p-1", "n-1", later, true},
		{"repeat", "p-1", "n-1", later, false},
		{"other client", "p-2", "n-1", later, true},
		{"already expired when stored", "p-1", "n-2", time.Now().Add(-time.Second), true},
		{"expired row is taken over", "p-1", "n-2", later, true},
		{"and then remembered", "p-1", "n-2", later, false},
	}
	for _, st := range steps {
		fresh, err := s.Remember(ctx, st.client, st.nonce, st.until)
		if err != nil || fresh != st.fresh {
			t.Fatalf("%s: fresh = %v, err = %v; want %v", st.name, fresh, err, st.fresh)
		}
	}
}

func TestPostgresNonceStoreConcurrentRemember(t *testing.T) {
	pool := nonceDB(t)
	// Two replicas, each with its own store, racing on the same nonces.
	stores := []auth.NonceStore{auth.NewPostgresNonceStore(pool, nil), auth.NewPostgresNonceStore(pool, nil)}
	ctx := context.Background()
	until := time.Now().Add(10 * time.Minute)
	for round := range 50 {
		nonce := "race-" + strconv.Itoa(round)
		var wg sync.WaitGroup
		start := make(chan struct{})
		fresh := make([]bool, len(stores))
		errs := make([]error, len(stores))
		for i, s := range stores {
			wg.Go(func() {
				<-start
				fresh[i], errs[i] = s.Remember(ctx, "p-1", nonce, until)
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if fresh[0] == fresh[1] {
			t.Fatalf("round %d: both replicas got fresh = %v; exactly one must win", round, fresh[0])
		}
	}
}

func TestPostgresNonceStorePrunes(t *testing.T) {
	pool := nonceDB(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO request_nonces (client_id, nonce, expires_at)
		SELECT 'p-1', 'old-' || g, now() - interval '1 minute' FROM generate_series(1, 100) g`); err != nil {
		t.Fatal(err)
	}
	s := auth.NewPostgresNonceStore(pool, nil)
	if _, err := s.Remember(ctx, "p-1", "new", time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM request_nonces`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 1 {
		t.Fatalf("%d rows left, want only the live nonce", left)
	}
}

// More expired nonces than one prune's batch are cleared by the requests
// that follow, not one batch a minute: before, sustained signed traffic
// above a batch a minute grew the table for good.
func TestPostgresNonceStoreKeepsPruningABacklog(t *testing.T) {
	pool := nonceDB(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO request_nonces (client_id, nonce, expires_at)
		SELECT 'p-1', 'old-' || g, now() - interval '1 minute' FROM generate_series(1, 12000) g`); err != nil {
		t.Fatal(err)
	}
	s := auth.NewPostgresNonceStore(pool, nil)
	for i := range 4 {
		if _, err := s.Remember(ctx, "p-1", fmt.Sprintf("new-%d", i), time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	var left int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM request_nonces`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 4 {
		t.Fatalf("%d rows left after four requests, want only their four live nonces", left)
	}
}

func TestPostgresNonceStoreLogsFailedPrune(t *testing.T) {
	pool := nonceDB(t)
	ctx := context.Background()
	// A trigger refusing deletes makes the prune fail while inserts work.
	if _, err := pool.Exec(ctx, `
CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'deletes refused for the test'; END $$;
CREATE TRIGGER refuse_delete BEFORE DELETE ON request_nonces FOR EACH ROW EXECUTE FUNCTION refuse_delete();
INSERT INTO request_nonces (client_id, nonce, expires_at) VALUES ('p-1', 'old', now() - interval '1 minute')`); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s := auth.NewPostgresNonceStore(pool, slog.New(slog.NewTextHandler(&logs, nil)))
	fresh, err := s.Remember(ctx, "p-1", "new", time.Now().Add(time.Minute))
	if err != nil || !fresh {
		t.Fatalf("Remember = %v, %v; a failed prune must not fail the request", fresh, err)
	}
	if !strings.Contains(logs.String(), "prune expired request nonces") || !strings.Contains(logs.String(), "deletes refused for the test") {
		t.Fatalf("the failed prune was not logged with its error; logs:\n%s", logs.String())
	}
}

func TestMigrateNonces(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "auth-kit-only"})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { errs[i] = auth.MigrateNonces(ctx, pool) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if fresh, err := auth.NewPostgresNonceStore(pool, nil).Remember(ctx, "p", "n", time.Now().Add(time.Minute)); err != nil || !fresh {
		t.Fatalf("store on the migrated table: %v, %v", fresh, err)
	}
}
