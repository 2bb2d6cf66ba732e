package jsonapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/simulators/jsonapi"
)

// ServeAll serves every listener until the context ends, tells their
// addresses in order once all listen, and stops them all when one cannot
// serve, naming it.
func TestServeAll(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 2)
	done := make(chan error, 1)
	go func() {
		done <- jsonapi.ServeAll(ctx, log, ready, jsonapi.Listener{Name: "api", Addr: "127.0.0.1:0", Handler: ok},
			jsonapi.Listener{Name: "admin", Addr: "127.0.0.1:0", Handler: ok})
	}()
	for range 2 {
		select {
		case addr := <-ready:
			resp, err := http.Get("http://" + addr)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %v %v", addr, resp, err)
			}
			resp.Body.Close()
		case <-time.After(5 * time.Second):
			t.Fatal("not ready")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("stopped with %v", err)
	}

	err := jsonapi.ServeAll(context.Background(), log, nil, jsonapi.Listener{Name: "api", Addr: "127.0.0.1:0", Handler: ok},
		jsonapi.Listener{Name: "admin", Addr: "not an address", Handler: ok})
	if err == nil || !strings.Contains(err.Error(), "admin") {
		t.Fatalf("a listener that cannot listen: %v, want an error naming it", err)
	}
}
