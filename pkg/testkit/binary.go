package testkit

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// FreeAddr returns a loopback address with a port nobody listens on.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Binary is a service's run function started by StartBinary.
type Binary struct {
	// Conn is a plaintext connection to its gRPC server.
	Conn *grpc.ClientConn
	// Stop cancels run's context and fails the test unless run returns nil
	// within 20 s. It is also called when the test ends.
	Stop func()
}

// StartBinary tests a service's wiring the way its main runs it: it sets
// env (plus GRPC_ADDR and ADMIN_ADDR on free ports, LOG_LEVEL=error and a
// fast READINESS_INTERVAL unless env has them) for the test, starts run, and
// waits up to 20 s until the gRPC health check reports SERVING, which the kit
// does only once the database and NATS answer and migrations ran.
func StartBinary(t testing.TB, run func(context.Context) error, env map[string]string) Binary {
	t.Helper()
	vars := map[string]string{
		"GRPC_ADDR": FreeAddr(t), "ADMIN_ADDR": FreeAddr(t), "LOG_LEVEL": "error", "READINESS_INTERVAL": "100ms",
	}
	for k, v := range env {
		vars[k] = v
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()

	conn, err := grpc.NewClient(vars["GRPC_ADDR"], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		cancel()
		_ = conn.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run = %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("run did not stop within 20 s")
		}
	}
	t.Cleanup(stop)

	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case err := <-done:
			t.Fatalf("run returned before serving: %v", err)
		default:
		}
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never SERVING: %v %v", resp, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return Binary{Conn: conn, Stop: stop}
}
