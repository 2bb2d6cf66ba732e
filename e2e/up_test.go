package e2e

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/crossdock/crossdock/pkg/pgcluster"
)

// firstStartTimeout covers building the nine service binaries and the
// payment sandbox from a cold cache on a small machine.
const firstStartTimeout = 4 * time.Minute

// TestUpRunsTheMeshAndKeepsItsData runs `crossdock up` three times on one
// directory: a first start that is probed from outside and writes a row, a
// restart that must find the row, and a `--check` run that must stop by
// itself. After each stop no process of the mesh may remain.
func TestUpRunsTheMeshAndKeepsItsData(t *testing.T) {
	if _, err := pgcluster.BinDir(); err != nil {
		t.Fatalf("the end-to-end tests need PostgreSQL: %v", err)
	}
	dir := meshDir(t)
	offset := freeOffset(t)
	marker := rand.Text()

	t.Run("first start", func(t *testing.T) {
		up := startUp(t, dir, offset)
		up.waitReady(firstStartTimeout)
		requireHealthy(t, offset)
		requireOpenAPI(t, offset)
		requirePaymentSandbox(t, dir, offset)
		execSQL(t, dbURL(t, dir, offset, "users"),
			`CREATE TABLE IF NOT EXISTS crossdock_e2e_marker (token text PRIMARY KEY)`,
			`INSERT INTO crossdock_e2e_marker VALUES ('`+marker+`')`)
		// As if this first start had stopped before listing the gift card.
		catalog := connect(t, dbURL(t, dir, offset, "catalog"))
		tag, err := catalog.Exec(context.Background(),
			`UPDATE products SET status = 'approved' WHERE id = (SELECT product_id FROM skus WHERE sku_code = 'GC-25') AND status = 'listed'`)
		catalog.Close(context.Background())
		if err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("unlisting the seeded gift card: %v, %d rows", err, tag.RowsAffected())
		}
		up.interrupt()
		requireNoProcesses(t, dir)
	})
	if t.Failed() {
		return
	}

	// The restart is on other ports: the partners and the supply platform
	// registered before follow their simulators there.
	moved := freeOffsetFrom(t, offset+20)
	t.Run("restart keeps the data", func(t *testing.T) {
		up := startUp(t, dir, moved)
		up.waitReady(firstStartTimeout)
		requireHealthy(t, moved)
		requireDockedAt(t, dir, moved)
		// The password in secrets.json still works: it was reused, not regenerated.
		conn := connect(t, dbURL(t, dir, moved, "users"))
		var n int
		err := conn.QueryRow(context.Background(),
			`SELECT count(*) FROM crossdock_e2e_marker WHERE token = $1`, marker).Scan(&n)
		if err != nil || n != 1 {
			t.Fatalf("marker row after restart: count=%d err=%v", n, err)
		}
		conn.Close(context.Background())
		requireSeedFinished(t, dir, moved)
		up.interrupt()
		requireNoProcesses(t, dir)
	})
	if t.Failed() {
		return
	}

	t.Run("check stops by itself", func(t *testing.T) {
		up := startUp(t, dir, offset, "--check")
		if code := up.waitExit(firstStartTimeout); code != 0 {
			t.Fatalf("crossdock up --check exited with status %d; last output:\n%s", code, up.output(80))
		}
		out := up.output(1000)
		for _, want := range []string{"SERVICE", "platform-docking", readyLine} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q", want)
			}
		}
		requireNoProcesses(t, dir)
	})
}

// requireDockedAt checks that docking calls the demo partners and the supply
// platform where this start's simulators listen.
func requireDockedAt(t *testing.T, dir string, offset int) {
	t.Helper()
	ctx := context.Background()
	docking := connect(t, dbURL(t, dir, offset, "platform-docking"))
	defer docking.Close(ctx)
	for _, want := range []struct{ query, code, endpoint string }{
		{`SELECT endpoint FROM partners WHERE code = $1`, "demo-partner", addr(9302, offset)},
		{`SELECT endpoint FROM partners WHERE code = $1`, "demo-rest-market", "http://" + addr(9303, offset)},
		{`SELECT endpoint FROM supply_platforms WHERE code = $1`, "demo-supply", "http://" + addr(9304, offset)},
	} {
		var endpoint string
		if err := docking.QueryRow(ctx, want.query, want.code).Scan(&endpoint); err != nil || endpoint != want.endpoint {
			t.Errorf("%s's endpoint: %q, %v; want %q, its simulator's at offset %d", want.code, endpoint, err, want.endpoint, offset)
		}
	}
}

// requireSeedFinished checks that a start finished the demo catalogue an
// earlier one left part way (the gift card approved, not listed), and that
// the stock the earlier start received was not received again.
func requireSeedFinished(t *testing.T, dir string, offset int) {
	t.Helper()
	ctx := context.Background()
	catalog := connect(t, dbURL(t, dir, offset, "catalog"))
	defer catalog.Close(ctx)
	var skuID, status string
	if err := catalog.QueryRow(ctx, `SELECT s.id::text, p.status FROM skus s JOIN products p ON p.id = s.product_id WHERE s.sku_code = 'GC-25'`).
		Scan(&skuID, &status); err != nil || status != "listed" {
		t.Errorf("the gift card after a restart: %q, %v; want listed", status, err)
	}
	inventory := connect(t, dbURL(t, dir, offset, "inventory"))
	defer inventory.Close(ctx)
	var onHand int64
	if err := inventory.QueryRow(ctx, `SELECT coalesce(sum(on_hand), 0) FROM stock WHERE sku_id = $1`, skuID).Scan(&onHand); err != nil || onHand != 1000 {
		t.Errorf("the gift card's stock after a restart: %d, %v; want the 1000 seeded once", onHand, err)
	}
}

// meshDir is a fresh directory other users can enter: as root, PostgreSQL runs
// as the postgres user and must reach its data inside.
func meshDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "crossdock-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if left, _ := processesMentioning(dir); len(left) == 0 {
			os.RemoveAll(dir)
		}
	})
	return dir
}

func requireHealthy(t *testing.T, offset int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, b := range backends {
		conn, err := grpc.NewClient(addr(b.grpc, offset), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		conn.Close()
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("%s health: %v %v", b.name, resp.GetStatus(), err)
		}
	}
	resp := get(t, "http://"+addr(gatewayAdminPort, offset)+"/readyz")
	if resp.status != http.StatusOK {
		t.Errorf("gateway /readyz: %d %s", resp.status, resp.body)
	}
	if resp := get(t, "http://"+addr(paymentSandboxPort, offset)+"/healthz"); resp.status != http.StatusOK {
		t.Errorf("payment sandbox /healthz: %d %s", resp.status, resp.body)
	}
}

// requirePaymentSandbox creates a payment intent with the API key the mesh
// generated for finance, and is refused without it.
func requirePaymentSandbox(t *testing.T, dir string, offset int) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		PaymentSandbox struct {
			APIKey string `json:"api_key"`
		} `json:"payment_sandbox"`
	}
	if err := json.Unmarshal(raw, &f); err != nil || f.PaymentSandbox.APIKey == "" {
		t.Fatalf("secrets.json has no payment sandbox API key (%v)", err)
	}
	url := "http://" + addr(paymentSandboxPort, offset) + "/v1/payment_intents"
	for _, tt := range []struct {
		key    string
		status int
	}{{f.PaymentSandbox.APIKey, http.StatusOK}, {"", http.StatusUnauthorized}} {
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"amount":100,"currency":"EUR","reference":"e2e"}`))
		if err != nil {
			t.Fatal(err)
		}
		if tt.key != "" {
			req.Header.Set("Authorization", "Bearer "+tt.key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tt.status {
			t.Errorf("create intent with key %t: %d %s, want %d", tt.key != "", res.StatusCode, body, tt.status)
		}
	}
}

func requireOpenAPI(t *testing.T, offset int) {
	t.Helper()
	resp := get(t, "http://"+addr(gatewayHTTPPort, offset)+"/openapi.json")
	if resp.status != http.StatusOK {
		t.Fatalf("GET /openapi.json: %d", resp.status)
	}
	var doc map[string]any
	if err := json.Unmarshal(resp.body, &doc); err != nil {
		t.Fatalf("/openapi.json is not a JSON object: %v", err)
	}
	// Both OpenAPI 2 ("swagger") and 3 ("openapi") name their version first.
	if doc["openapi"] == nil && doc["swagger"] == nil {
		t.Fatalf("/openapi.json has no openapi or swagger version field: keys %v", keys(doc))
	}
}

type rawResponse struct {
	status int
	body   []byte
}

func get(t *testing.T, url string) rawResponse {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResponse{resp.StatusCode, body}
}

// dbURL reads a service's database login from the mesh's secrets file, the
// way a developer connects to a service's database.
func dbURL(t *testing.T, dir string, offset int, service string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Databases map[string]struct {
			Database, Role, Password string
		} `json:"databases"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	d, ok := f.Databases[service]
	if !ok || d.Password == "" {
		t.Fatalf("secrets.json has no %s login: %s", service, keys(f.Databases))
	}
	return fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", d.Role, d.Password, addr(postgresPort, offset), d.Database)
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to the database: %v", err)
	}
	return conn
}

func execSQL(t *testing.T, url string, statements ...string) {
	t.Helper()
	conn := connect(t, url)
	defer conn.Close(context.Background())
	for _, s := range statements {
		if _, err := conn.Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
