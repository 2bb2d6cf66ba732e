package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/users/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestConfig(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://u:p@localhost/users", "SIGNING_KEY_ENCRYPTION_KEY": kek.Generate("k1")}
	var cfg Config
	if err := config.LoadFrom(&cfg, base); err != nil {
		t.Fatal(err)
	}
	if cfg.SigningKeyRotation != 720*time.Hour || cfg.RefreshTokenTTL != 720*time.Hour || cfg.RefreshReuseGrace != 10*time.Second {
		t.Errorf("defaults = %v, %v, %v", cfg.SigningKeyRotation, cfg.RefreshTokenTTL, cfg.RefreshReuseGrace)
	}
	for name, extra := range map[string]map[string]string{
		"admin e-mail without password": {"BOOTSTRAP_ADMIN_EMAIL": "root@example.com"},
		"bad service clients":           {"BOOTSTRAP_SERVICE_CLIENTS": "orders:short"},
		"tiny rotation":                 {"SIGNING_KEY_ROTATION": "1m"},
		"negative reuse grace":          {"REFRESH_REUSE_GRACE": "-1s"},
		"reuse grace over a minute":     {"REFRESH_REUSE_GRACE": "2m"},
		"no key-encryption key":         {"SIGNING_KEY_ENCRYPTION_KEY": ""},
		"short key-encryption key":      {"SIGNING_KEY_ENCRYPTION_KEY": "k1:short"},
	} {
		vars := map[string]string{}
		for k, v := range base {
			vars[k] = v
		}
		for k, v := range extra {
			vars[k] = v
		}
		var cfg Config
		err := config.LoadFrom(&cfg, vars)
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "short") {
			t.Errorf("%s: the error echoes a secret: %v", name, err)
		}
	}
}

// The binary's wiring: it migrates, bootstraps the admin and the service
// accounts, serves the API behind authentication and stops cleanly.
func TestRunServesAndBootstraps(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "users", FS: migrations.FS})
	ns, _, _ := testkit.JetStream(t)
	bin := testkit.StartBinary(t, run, map[string]string{
		"DATABASE_URL": pool.Config().ConnString(), "NATS_URL": ns.URL(),
		"BOOTSTRAP_ADMIN_EMAIL": "root@example.com", "BOOTSTRAP_ADMIN_PASSWORD": "an admin passphrase",
		"BOOTSTRAP_SERVICE_CLIENTS": "orders:orders-secret-0123456789", "SIGNING_KEY_ENCRYPTION_KEY": kek.Generate("k1"),
	})
	conn, ctx := bin.Conn, context.Background()
	users := usersv1.NewUsersServiceClient(conn)
	deadline := time.Now().Add(20 * time.Second)
	// Bootstrap runs as a worker right after the migrations.
	var login *usersv1.LoginResponse
	var err error
	for {
		login, err = users.Login(ctx, &usersv1.LoginRequest{Email: "root@example.com", Password: "an admin passphrase"})
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("bootstrap admin login: %v", err)
	}
	if _, err := users.IssueServiceToken(ctx, &usersv1.IssueServiceTokenRequest{ClientId: "orders", ClientSecret: "orders-secret-0123456789"}); err != nil {
		t.Errorf("bootstrap service account: %v", err)
	}
	if _, err := users.ListOrganizations(ctx, &usersv1.ListOrganizationsRequest{}); err == nil {
		t.Error("a protected method answered without a token")
	}
	_ = login
	bin.Stop()
}

// kekOfKeys waits until the service has stored signing keys, all sealed under
// the key-encryption key want, and returns their ids.
func kekOfKeys(t *testing.T, pool *pgxpool.Pool, want string) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var kids []string
		var other int
		err := pool.QueryRow(context.Background(), `SELECT coalesce(array_agg(kid ORDER BY kid), '{}'),
			count(*) FILTER (WHERE kek_id IS DISTINCT FROM $1) FROM signing_keys`, want).Scan(&kids, &other)
		if err != nil {
			t.Fatal(err)
		}
		if len(kids) > 0 && other == 0 {
			return kids
		}
		if time.Now().After(deadline) {
			t.Fatalf("signing keys %v: %d not sealed under %s after 20 s", kids, other, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A rotation of the key-encryption key: started with "k2,k1" over keys
// sealed under k1, the service opens them and seals them again under k2,
// keeping the same signing keys; started without the key they are sealed
// under, it stops with an error that names it.
func TestRunResealsSigningKeysUnderTheNewestKEK(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "users", FS: migrations.FS})
	ns, _, _ := testkit.JetStream(t)
	k1, k2 := kek.Generate("k1"), kek.Generate("k2")
	env := func(keys string) map[string]string {
		return map[string]string{"DATABASE_URL": pool.Config().ConnString(), "NATS_URL": ns.URL(), "SIGNING_KEY_ENCRYPTION_KEY": keys}
	}
	first := testkit.StartBinary(t, run, env(k1))
	before := kekOfKeys(t, pool, "k1")
	jwks := func(conn *grpc.ClientConn) []string {
		t.Helper()
		set, err := usersv1.NewUsersServiceClient(conn).GetJwks(context.Background(), &usersv1.GetJwksRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var kids []string
		for _, k := range set.GetKeys() {
			kids = append(kids, k.GetKid())
		}
		slices.Sort(kids)
		return kids
	}
	published := jwks(first.Conn)
	first.Stop()

	second := testkit.StartBinary(t, run, env(k2+","+k1))
	if after := kekOfKeys(t, pool, "k2"); !slices.Equal(after, before) {
		t.Fatalf("keys after the rotation %v, want the same keys %v", after, before)
	}
	if got := jwks(second.Conn); !slices.Equal(got, published) {
		t.Fatalf("JWKS after the rotation %v, want %v", got, published)
	}
	second.Stop()

	for k, v := range env(kek.Generate("k3")) {
		t.Setenv(k, v)
	}
	t.Setenv("GRPC_ADDR", testkit.FreeAddr(t))
	t.Setenv("ADMIN_ADDR", testkit.FreeAddr(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := run(ctx)
	if err == nil || !strings.Contains(err.Error(), `"k2"`) || !strings.Contains(err.Error(), "SIGNING_KEY_ENCRYPTION_KEY") {
		t.Fatalf("start without the key the signing keys are sealed under: %v; want an error naming k2", err)
	}
}
