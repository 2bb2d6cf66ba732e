package main

import (
	"context"
	"strings"
	"testing"
	"time"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/users/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestConfig(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://u:p@localhost/users"}
	var cfg Config
	if err := config.LoadFrom(&cfg, base); err != nil {
		t.Fatal(err)
	}
	if cfg.SigningKeyRotation != 720*time.Hour || cfg.RefreshTokenTTL != 720*time.Hour {
		t.Errorf("defaults = %v, %v", cfg.SigningKeyRotation, cfg.RefreshTokenTTL)
	}
	for name, extra := range map[string]map[string]string{
		"admin e-mail without password": {"BOOTSTRAP_ADMIN_EMAIL": "root@example.com"},
		"bad service clients":           {"BOOTSTRAP_SERVICE_CLIENTS": "orders:short"},
		"tiny rotation":                 {"SIGNING_KEY_ROTATION": "1m"},
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
		"BOOTSTRAP_SERVICE_CLIENTS": "orders:orders-secret-0123456789",
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
