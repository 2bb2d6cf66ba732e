package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The binary's wiring: settings from the environment, faults from flags
// that win over it, the API behind the key, and a clean stop.
func TestServe(t *testing.T) {
	t.Setenv("PAYMENT_SANDBOX_ADDR", "127.0.0.1:0")
	t.Setenv("PAYMENT_SANDBOX_API_KEY", "sk_test_main")
	t.Setenv("FAIL_RATE", "0")
	t.Setenv("LOG_LEVEL", "error")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, []string{"-fail-rate", "1"}, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve stopped at once: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("not listening within 10s")
	}

	tests := []struct {
		method, path, key string
		status            int
	}{
		{"GET", "/healthz", "", http.StatusOK},
		{"GET", "/v1/payouts/po_x", "sk_test_main", http.StatusServiceUnavailable}, // -fail-rate 1 won over FAIL_RATE=0
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, "http://"+addr+tt.path, nil)
		if tt.key != "" {
			req.Header.Set("Authorization", "Bearer "+tt.key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.status {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, res.StatusCode, tt.status)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve after a stop: %v", err)
	}
}

func TestServeRefusesBadSettings(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no API key", map[string]string{}, nil, "PAYMENT_SANDBOX_API_KEY"},
		{"webhook URL without a secret", map[string]string{"PAYMENT_SANDBOX_API_KEY": "k", "PAYMENT_SANDBOX_WEBHOOK_URL": "http://x"}, nil, "PAYMENT_SANDBOX_WEBHOOK_SECRET"},
		{"rate over 1", map[string]string{"PAYMENT_SANDBOX_API_KEY": "k"}, []string{"-fail-rate", "2"}, "fail rate"},
		{"unknown flag", map[string]string{"PAYMENT_SANDBOX_API_KEY": "k"}, []string{"-fast"}, "fast"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"PAYMENT_SANDBOX_API_KEY", "PAYMENT_SANDBOX_WEBHOOK_URL", "PAYMENT_SANDBOX_WEBHOOK_SECRET"} {
				t.Setenv(k, tt.env[k])
			}
			t.Setenv("PAYMENT_SANDBOX_ADDR", "127.0.0.1:0")
			err := serve(context.Background(), tt.args, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("serve = %v, want an error naming %s", err, tt.want)
			}
		})
	}
}
