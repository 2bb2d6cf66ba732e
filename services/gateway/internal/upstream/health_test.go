package upstream_test

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/crossdock/crossdock/services/gateway/internal/upstream"
)

func healthServer(t *testing.T, status healthpb.HealthCheckResponse_ServingStatus) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	h := health.NewServer()
	h.SetServingStatus("", status)
	healthpb.RegisterHealthServer(srv, h)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

func TestHealthReportsEachUpstream(t *testing.T) {
	serving := healthServer(t, healthpb.HealthCheckResponse_SERVING)
	notServing := healthServer(t, healthpb.HealthCheckResponse_NOT_SERVING)
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	unreachable := closed.Addr().String()
	closed.Close()

	conns, err := upstream.Dial(upstream.Addresses{
		Users: serving, Catalog: notServing, Inventory: unreachable, Orders: serving,
		Logistics: serving, Finance: serving, FreightEstimator: serving, PlatformDocking: serving,
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer conns.Close()
	got := conns.Health(context.Background())
	want := map[string]string{"users": "SERVING", "catalog": "NOT_SERVING", "inventory": "UNREACHABLE", "orders": "SERVING",
		"logistics": "SERVING", "finance": "SERVING", "freight-estimator": "SERVING", "platform-docking": "SERVING"}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s = %q, want %q", name, got[name], w)
		}
	}
}
