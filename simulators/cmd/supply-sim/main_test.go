package main

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// The process serves its API (keys required) and its back office, with the
// demo catalogue, on the ports it was given.
func TestServe(t *testing.T) {
	t.Setenv("SUPPLY_SIM_ADDR", "127.0.0.1:0")
	t.Setenv("SUPPLY_SIM_ACCOUNTS", "acc-default:k1,acc-m:k2")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ready := make(chan string, 2)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, nil, ready) }()
	api, admin := <-ready, <-ready
	get := func(url, key string) int {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := get("http://"+api+"/v1/products", "k2"); code != http.StatusOK {
		t.Errorf("products with a key: %d", code)
	}
	if code := get("http://"+api+"/v1/products", ""); code != http.StatusUnauthorized {
		t.Errorf("products without a key: %d", code)
	}
	if code := get("http://"+admin+"/admin/orders", ""); code != http.StatusOK {
		t.Errorf("admin: %d", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// Bad accounts are refused at start without quoting a key.
func TestAccountsValidated(t *testing.T) {
	for _, spec := range []string{"", "acc", "acc:", ":key", "a:k,b"} {
		if err := (Config{Accounts: spec, Currency: "CNY"}).Validate(); err == nil {
			t.Errorf("%q accepted", spec)
		}
	}
}

// The currency must be one with known decimals, and the demo catalogue,
// priced with two, needs a currency that has two.
func TestCurrencyValidated(t *testing.T) {
	for _, tc := range []struct {
		currency string
		demo     bool
		ok       bool
	}{
		{"CNY", true, true},
		{"JPY", false, true},
		{"JPY", true, false},
		{"XYZ", false, false},
		{"", false, false},
	} {
		err := (Config{Accounts: "acc:key", Currency: tc.currency, Demo: tc.demo}).Validate()
		if (err == nil) != tc.ok {
			t.Errorf("currency %q, demo %v: %v, want ok %v", tc.currency, tc.demo, err, tc.ok)
		}
	}
}
