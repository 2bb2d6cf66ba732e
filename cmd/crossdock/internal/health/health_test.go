package health_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	grpchealth "google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/health"
)

// grpcServer serves the standard health service on a loopback port.
func grpcServer(t *testing.T) (string, *grpchealth.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := grpchealth.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	go srv.Serve(ln)
	t.Cleanup(srv.Stop)
	return ln.Addr().String(), hs
}

func grpcProbe(t *testing.T, name, addr string) health.Probe {
	t.Helper()
	check, closer, err := health.GRPC(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closer() })
	return health.Probe{Name: name, Check: check}
}

func TestWaitPassesWhenEveryProbeBecomesHealthy(t *testing.T) {
	addr, hs := grpcServer(t)
	hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	var ready atomic.Bool
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" || !ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer web.Close()
	time.AfterFunc(300*time.Millisecond, func() {
		hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
		ready.Store(true)
	})

	results, err := health.Wait(context.Background(), []health.Probe{
		grpcProbe(t, "users", addr),
		{Name: "gateway", Check: health.HTTP(web.URL + "/readyz")},
	}, 10*time.Second, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if results[0].Name != "users" || results[0].Status != "SERVING" || results[1].Status != "200 OK" {
		t.Fatalf("results %+v", results)
	}
}

func TestWaitNamesWhatIsNotHealthy(t *testing.T) {
	addr, hs := grpcServer(t)
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	// Nothing listens on a port just released.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer web.Close()

	results, err := health.Wait(context.Background(), []health.Probe{
		grpcProbe(t, "users", addr),
		grpcProbe(t, "orders", dead),
		{Name: "gateway", Check: health.HTTP(web.URL + "/readyz")},
	}, 700*time.Millisecond, 50*time.Millisecond)
	if !health.IsNotHealthy(err) {
		t.Fatalf("err %v", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "users") || !strings.Contains(msg, "orders (") || !strings.Contains(msg, "gateway (GET "+web.URL+"/readyz: 503") {
		t.Fatalf("message %q", msg)
	}
	if results[0].Err != nil || results[1].Err == nil || results[2].Err == nil {
		t.Fatalf("results %+v", results)
	}
}

func TestWaitReportsTheCauseWhenCancelled(t *testing.T) {
	addr, hs := grpcServer(t)
	hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	ctx, cancel := context.WithCancelCause(context.Background())
	crashed := errors.New("orders exited unexpectedly")
	time.AfterFunc(200*time.Millisecond, func() { cancel(crashed) })
	_, err := health.Wait(ctx, []health.Probe{grpcProbe(t, "orders", addr)}, time.Minute, 50*time.Millisecond)
	if !errors.Is(err, crashed) {
		t.Fatalf("err %v, want the cause", err)
	}
}
