package main

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/inventory/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// The service starts from its environment like in production, migrates its
// database, becomes SERVING, answers the public method, refuses a protected
// one without a token, and stops cleanly.
func TestServiceStartsServesAndStops(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "inventory", FS: migrations.FS})
	n, _, _ := testkit.JetStream(t)
	grpcAddr := freeAddr(t)
	t.Setenv("DATABASE_URL", pool.Config().ConnString())
	t.Setenv("NATS_URL", n.URL())
	t.Setenv("GRPC_ADDR", grpcAddr)
	t.Setenv("ADMIN_ADDR", freeAddr(t))
	t.Setenv("READINESS_INTERVAL", "100ms")
	t.Setenv("LOG_LEVEL", "error")
	t.Setenv("USERS_ADDR", freeAddr(t)) // nobody there: public methods need no keys

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("the service did not stop")
		}
	}()

	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not serving: %v, %v", resp, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

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
}
