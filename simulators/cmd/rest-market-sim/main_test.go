package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/simulators/restmarket"
)

// start runs serve with args until the test ends and returns the API's
// and the back office's addresses.
func start(t *testing.T, args []string) (api, admin string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 2)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, args, ready) }()
	for _, addr := range []*string{&api, &admin} {
		select {
		case *addr = <-ready:
		case err := <-done:
			t.Fatalf("serve stopped at once: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("not listening within 10s")
		}
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve after a stop: %v", err)
		}
	})
	return api, admin
}

// call makes a signed seller.get and returns the HTTP status and the
// answer's top-level key.
func call(t *testing.T, api string) (int, string) {
	t.Helper()
	form := url.Values{"method": {"seller.get"}, "app_key": {"ak_main"}, "sign_method": {"hmac-sha256"},
		"timestamp": {strconv.FormatInt(time.Now().UnixMilli(), 10)}, "nonce": {"n1"}}
	form.Set("sign", restmarket.Sign(form, "as_main"))
	res, err := http.PostForm("http://"+api+"/router/rest", form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]json.RawMessage
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	for k := range body {
		return res.StatusCode, k
	}
	return res.StatusCode, ""
}

// The binary's wiring: credentials from the environment, health and the
// back office on their ports, and the faults from flags winning over the
// environment.
func TestServe(t *testing.T) {
	t.Setenv("REST_MARKET_SIM_ADDR", "127.0.0.1:0")
	t.Setenv("REST_MARKET_SIM_APP_KEY", "ak_main")
	t.Setenv("REST_MARKET_SIM_APP_SECRET", "as_main")
	t.Setenv("REST_MARKET_SIM_SERVER_ERROR", "1")
	t.Setenv("LOG_LEVEL", "error")

	api, admin := start(t, []string{"-server-error", "0"})
	if status, key := call(t, api); status != http.StatusOK || key != "seller_get_response" {
		t.Errorf("seller.get: HTTP %d %s", status, key)
	}
	for _, u := range []string{"http://" + api + "/healthz", "http://" + admin + "/healthz", "http://" + admin + "/admin/orders"} {
		res, err := http.Get(u)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %v, %v", u, res, err)
		} else {
			res.Body.Close()
		}
	}

	faulty, _ := start(t, nil) // REST_MARKET_SIM_SERVER_ERROR=1 from the environment
	if status, key := call(t, faulty); status != http.StatusServiceUnavailable || key != "error_response" {
		t.Errorf("with the server error fault: HTTP %d %s", status, key)
	}
}

func TestServeRefusesBadSettings(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no app key", map[string]string{"REST_MARKET_SIM_APP_SECRET": "s"}, "REST_MARKET_SIM_APP_KEY"},
		{"no app secret", map[string]string{"REST_MARKET_SIM_APP_KEY": "k"}, "REST_MARKET_SIM_APP_SECRET"},
		{"share over 1", map[string]string{"REST_MARKET_SIM_APP_KEY": "k", "REST_MARKET_SIM_APP_SECRET": "s",
			"REST_MARKET_SIM_RATE_LIMIT": "2"}, "REST_MARKET_SIM_RATE_LIMIT"},
		{"negative buyers", map[string]string{"REST_MARKET_SIM_APP_KEY": "k", "REST_MARKET_SIM_APP_SECRET": "s",
			"REST_MARKET_SIM_BUYERS_PER_MINUTE": "-1"}, "REST_MARKET_SIM_BUYERS_PER_MINUTE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"REST_MARKET_SIM_APP_KEY", "REST_MARKET_SIM_APP_SECRET", "REST_MARKET_SIM_RATE_LIMIT",
				"REST_MARKET_SIM_BUYERS_PER_MINUTE"} {
				t.Setenv(k, tt.env[k])
			}
			t.Setenv("REST_MARKET_SIM_ADDR", "127.0.0.1:0")
			err := serve(context.Background(), nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("serve = %v, want an error naming %s", err, tt.want)
			}
		})
	}
}
