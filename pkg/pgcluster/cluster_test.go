package pgcluster_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/pgcluster"
)

func TestClusterKeepsDataAcrossRestartsAndAuthenticatesRoles(t *testing.T) {
	ctx := context.Background()
	dir := clusterDir(t)

	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: filepath.Join(dir, "pg")})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureDatabase(ctx, "orders", "orders", "s3cret"); err != nil {
		t.Fatal(err)
	}
	// Idempotent: a second start of the mesh runs it again.
	if err := c.EnsureDatabase(ctx, "orders", "orders", "s3cret"); err != nil {
		t.Fatalf("second EnsureDatabase: %v", err)
	}
	exec(t, c.URL("orders", "orders", "s3cret"), `CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)`)

	if _, err := pgx.Connect(ctx, c.URL("orders", "orders", "wrong")); err == nil {
		t.Fatal("a wrong password connected over TCP")
	}
	port := c.Port()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}

	c, err = pgcluster.Start(ctx, pgcluster.Options{Dir: filepath.Join(dir, "pg"), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	conn, err := pgx.Connect(ctx, c.URL("orders", "orders", "s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, `SELECT v FROM kept`).Scan(&v); err != nil || v != 42 {
		t.Fatalf("after restart: v=%d err=%v", v, err)
	}
}

func exec(t *testing.T, url, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}

// A first start cut short during initdb (a Ctrl-C while PostgreSQL was
// being set up) leaves a data directory with PG_VERSION and no cluster in
// it; the next start makes the cluster instead of failing to start it.
func TestAStartAfterAnInitdbCutShortMakesTheCluster(t *testing.T) {
	ctx := context.Background()
	dir := clusterDir(t)
	data := filepath.Join(dir, "pg", "data")
	if err := os.MkdirAll(filepath.Dir(data), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "PG_VERSION"), []byte("15\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: filepath.Join(dir, "pg")})
	if err != nil {
		t.Fatalf("start after an initdb cut short: %v", err)
	}
	defer c.Stop()
	if err := c.EnsureDatabase(ctx, "orders", "orders", "s3cret"); err != nil {
		t.Fatal(err)
	}
	// What was there is moved aside, not deleted.
	aside, err := filepath.Glob(data + ".broken-*")
	if err != nil || len(aside) != 1 {
		t.Fatalf("moved aside: %v, %v; want the old directory", aside, err)
	}
	if _, err := os.Stat(filepath.Join(aside[0], "PG_VERSION")); err != nil {
		t.Errorf("the old directory's contents: %v", err)
	}
}

// clusterDir is a directory for a cluster's files that the server's user
// may enter (the server runs as postgres when the tests run as root).
func clusterDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pgcluster-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
