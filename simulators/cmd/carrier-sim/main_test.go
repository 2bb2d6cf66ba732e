package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The binary's wiring: settings from the environment, the faults among
// them, the API behind the key, and a clean stop.
func TestServe(t *testing.T) {
	t.Setenv("CARRIER_SIM_ADDR", "127.0.0.1:0")
	t.Setenv("CARRIER_SIM_API_KEY", "ck_test_main")
	t.Setenv("CARRIER_SIM_TIME_SCALE", "8640")
	t.Setenv("CARRIER_SIM_FAIL_RATE", "1")
	t.Setenv("LOG_LEVEL", "error")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ready) }()
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
		{"GET", "/v1/events", "ck_test_main", http.StatusServiceUnavailable}, // CARRIER_SIM_FAIL_RATE=1
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
		want string
	}{
		{"no API key", map[string]string{}, "CARRIER_SIM_API_KEY"},
		{"webhook URL without a secret", map[string]string{"CARRIER_SIM_API_KEY": "k", "CARRIER_SIM_WEBHOOK_URL": "http://127.0.0.1:1"}, "CARRIER_SIM_WEBHOOK_SECRET"},
		{"rate over 1", map[string]string{"CARRIER_SIM_API_KEY": "k", "CARRIER_SIM_LOSE_RATE": "2"}, "lose rate"},
		{"unknown unserved country", map[string]string{"CARRIER_SIM_API_KEY": "k", "CARRIER_SIM_UNSERVED_COUNTRIES": "KP,XX"}, "XX"},
		{"time scale zero", map[string]string{"CARRIER_SIM_API_KEY": "k", "CARRIER_SIM_TIME_SCALE": "0"}, "CARRIER_SIM_TIME_SCALE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"CARRIER_SIM_API_KEY", "CARRIER_SIM_WEBHOOK_URL", "CARRIER_SIM_WEBHOOK_SECRET",
				"CARRIER_SIM_LOSE_RATE", "CARRIER_SIM_UNSERVED_COUNTRIES", "CARRIER_SIM_TIME_SCALE"} {
				if v, ok := tt.env[k]; ok {
					t.Setenv(k, v)
				} else {
					t.Setenv(k, "")
				}
			}
			t.Setenv("CARRIER_SIM_ADDR", "127.0.0.1:0")
			err := serve(context.Background(), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("serve = %v, want an error naming %s", err, tt.want)
			}
		})
	}
}
