package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/inventory/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// The service starts from its environment like in production, migrates its
// database, becomes SERVING, answers the public method, refuses a protected
// one without a token, and stops cleanly.
func TestServiceStartsServesAndStops(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "inventory", FS: migrations.FS})
	n, _, js := testkit.JetStream(t)
	testkit.UsersStream(t, js)
	bin := testkit.StartBinary(t, run, map[string]string{
		"DATABASE_URL": pool.Config().ConnString(), "NATS_URL": n.URL(),
		"USERS_ADDR":        testkit.FreeAddr(t), // nobody there: public methods need no keys
		"SERVICE_CLIENT_ID": "svc-inventory", "SERVICE_CLIENT_SECRET": "inventory-test-secret",
	})
	conn, ctx := bin.Conn, context.Background()

	client := inventoryv1.NewInventoryServiceClient(conn)
	sku := uuid.NewString()
	avail, err := client.GetAvailability(ctx, &inventoryv1.GetAvailabilityRequest{SkuIds: []string{sku}})
	if err != nil || len(avail.GetAvailability()) != 1 || avail.GetAvailability()[0].GetSkuId() != sku {
		t.Fatalf("availability = %v, %v", avail, err)
	}
	_, err = client.Reserve(ctx, &inventoryv1.ReserveRequest{OrderId: "o"})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("reserve without a token: %v", err)
	}

	// Supplier ERPs sign their calls; the nonces they use live in the
	// service's database, created at start.
	signed := metadata.AppendToOutgoingContext(ctx, auth.ClientIDHeader, "erp-1", auth.TimestampHeader, "1",
		auth.NonceHeader, "nonce-0123456789abcdef", auth.SignatureHeader, "not-a-signature")
	if _, err := client.SyncStock(signed, &inventoryv1.SyncStockRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("sync with a bad signature: %v", err)
	}
	var table *string
	if err := pool.QueryRow(ctx, "SELECT to_regclass('request_nonces')::text").Scan(&table); err != nil || table == nil {
		t.Errorf("request_nonces table: %v, %v", table, err)
	}
}

// The service's own settings are checked at start: a bad one stops it with
// the variable's name.
func TestConfigValidate(t *testing.T) {
	valid := Config{ReservationTTL: 30 * time.Minute, ReservationSweepInterval: 10 * time.Second, KeyRetention: 720 * time.Hour}
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string
	}{
		{name: "the defaults", change: func(*Config) {}},
		{name: "a day's key retention", change: func(c *Config) { c.KeyRetention = 24 * time.Hour }},
		{name: "keys kept an hour", change: func(c *Config) { c.KeyRetention = time.Hour }, wantErr: "COMMAND_KEY_RETENTION"},
		{name: "a reservation of seconds", change: func(c *Config) { c.ReservationTTL = time.Second }, wantErr: "RESERVATION_TTL"},
		{name: "a sweep every millisecond", change: func(c *Config) { c.ReservationSweepInterval = time.Millisecond }, wantErr: "RESERVATION_SWEEP_INTERVAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			tt.change(&c)
			err := c.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one naming %s", err, tt.wantErr)
			}
		})
	}
}
