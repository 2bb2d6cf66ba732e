package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/users/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestConfig(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://u:p@localhost/users"}
	var cfg Config
	if err := config.LoadFrom(&cfg, config.MapLookup(base)); err != nil {
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
		err := config.LoadFrom(&cfg, config.MapLookup(vars))
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "short") {
			t.Errorf("%s: the error echoes a secret: %v", name, err)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// The binary's wiring: it migrates, bootstraps the admin and the service
// accounts, serves the API behind authentication and stops cleanly.
func TestRunServesAndBootstraps(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "users", FS: migrations.FS})
	ns, _, _ := testkit.JetStream(t)
	grpcAddr := freeAddr(t)
	for k, v := range map[string]string{
		"DATABASE_URL": pool.Config().ConnString(), "NATS_URL": ns.URL(),
		"GRPC_ADDR": grpcAddr, "ADMIN_ADDR": freeAddr(t), "LOG_LEVEL": "error", "READINESS_INTERVAL": "100ms",
		"BOOTSTRAP_ADMIN_EMAIL": "root@example.com", "BOOTSTRAP_ADMIN_PASSWORD": "an admin passphrase",
		"BOOTSTRAP_SERVICE_CLIENTS": "orders:orders-secret-0123456789",
	} {
		t.Setenv(k, v)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()

	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	users := usersv1.NewUsersServiceClient(conn)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never SERVING: %v %v", resp, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Bootstrap runs as a worker right after the migrations.
	var login *usersv1.LoginResponse
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
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not stop")
	}
}
