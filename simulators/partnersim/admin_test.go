package partnersim_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crossdock/crossdock/simulators/partnersim"
)

func TestAdminHandler(t *testing.T) {
	clk := newClock()
	m := liveMarket(t, clk, partnersim.MarketConfig{}, 1)
	srv := httptest.NewServer(partnersim.AdminHandler(m))
	t.Cleanup(srv.Close)
	call := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, bytes.NewBufferString(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	placed := `{"buyer":"anna","address":{"recipient":"Anna","country_code":"DE","city":"Berlin","lines":["Invalidenstraße 12"]},
		"items":[{"marker":"crossdock:sku-0","quantity":2},{"quantity":1}],"paid":false}`
	status, order := call("POST", "/admin/orders", placed)
	if status != http.StatusCreated || order["status"] != float64(10) || len(order["items"].([]any)) != 2 {
		t.Fatalf("place = %d %v", status, order)
	}
	id := order["order_id"].(string)
	clk.Advance(time.Minute)
	tests := []struct {
		name, method, path, body string
		want                     int
		check                    func(map[string]any) bool
	}{
		{"pay", "POST", "/admin/orders/" + id + "/pay", "", http.StatusOK,
			func(o map[string]any) bool { return o["status"] == float64(20) && o["paid_at"] != nil }},
		{"pay again", "POST", "/admin/orders/" + id + "/pay", "", http.StatusConflict, nil},
		{"complete before it shipped", "POST", "/admin/orders/" + id + "/complete", "", http.StatusConflict, nil},
		{"one order", "GET", "/admin/orders/" + id, "", http.StatusOK,
			func(o map[string]any) bool { return o["address"].(map[string]any)["country_code"] == "DE" }},
		{"an unknown order", "GET", "/admin/orders/po-nope", "", http.StatusNotFound, nil},
		{"every order", "GET", "/admin/orders", "", http.StatusOK,
			func(o map[string]any) bool { return len(o["orders"].([]any)) == 1 }},
		{"listings", "GET", "/admin/listings", "", http.StatusOK,
			func(o map[string]any) bool { return o["listings"].([]any)[0].(map[string]any)["stock"] == float64(98) }},
		{"settlements", "GET", "/admin/settlements", "", http.StatusOK,
			func(o map[string]any) bool { return len(o["settlements"].([]any)) == 0 }},
		{"an unknown field", "POST", "/admin/orders", `{"buyer":"x","colour":"red"}`, http.StatusBadRequest, nil},
		{"an unknown listing", "POST", "/admin/orders", `{"items":[{"marker":"crossdock:nope","quantity":1}]}`, http.StatusNotFound, nil},
		{"an unknown route", "GET", "/admin/nothing", "", http.StatusNotFound, nil},
		{"faults", "GET", "/admin/faults", "", http.StatusOK,
			func(o map[string]any) bool {
				return o["rate_limit"] == float64(0) && o["retry_after_ms"] == float64(1000)
			}},
		{"rate limit everything", "PUT", "/admin/faults", `{"rate_limit":1,"retry_after_ms":250}`, http.StatusOK,
			func(o map[string]any) bool {
				return o["rate_limit"] == float64(1) && o["retry_after_ms"] == float64(250)
			}},
		{"a share above one", "PUT", "/admin/faults", `{"server_error":1.5}`, http.StatusBadRequest, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(tt.method, tt.path, tt.body)
			if status != tt.want || (tt.check != nil && !tt.check(body)) {
				t.Errorf("= %d %v, want %d", status, body, tt.want)
			}
		})
	}
	// The rate limit set above refuses every call now.
	var fe *partnersim.FaultError
	if err := m.Fault(); !errors.As(err, &fe) || fe.Kind != partnersim.FaultRateLimited || fe.RetryAfter != 250*time.Millisecond {
		t.Fatalf("a call after the rate limit was set: %v", err)
	}
	// Its seller's items shipped, the order is closed as delivered.
	var itemIDs []string
	for _, it := range order["items"].([]any) {
		if item := it.(map[string]any); item["marker"] != "" && item["marker"] != nil {
			itemIDs = append(itemIDs, item["item_id"].(string))
		}
	}
	if _, err := m.ConfirmShipment(id, itemIDs, "dhl", "WB-1"); err != nil {
		t.Fatal(err)
	}
	if status, done := call("POST", "/admin/orders/"+id+"/complete", ""); status != http.StatusOK || done["status"] != float64(40) {
		t.Errorf("complete a shipped order = %d %v, want 200 and status 40", status, done)
	}
	if status, _ := call("POST", "/admin/orders/po-nope/complete", ""); status != http.StatusNotFound {
		t.Errorf("complete an unknown order = %d, want 404", status)
	}
}

// The back office forces a payout of what is booked and not paid out, once.
func TestAdminPayouts(t *testing.T) {
	clk := newClock()
	m := liveMarket(t, clk, partnersim.MarketConfig{FeeBps: 1000}, 1)
	o := place(t, m, 0)
	if _, err := m.ConfirmShipment(o.OrderID, nil, "dhl", "WB1"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(partnersim.AdminHandler(m))
	t.Cleanup(srv.Close)
	tests := []struct {
		name, method string
		wantPayouts  int
		wantUnpaid   any
	}{
		{"forced", "POST", 1, nil},
		{"forced again: nothing left", "POST", 0, nil},
		{"listed", "GET", 1, map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+"/admin/payouts", nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out struct {
				Payouts []struct {
					PayoutID    string `json:"payout_id"`
					Currency    string `json:"currency"`
					AmountMinor int64  `json:"amount_minor"`
				} `json:"payouts"`
				Unpaid map[string]any `json:"unpaid_minor"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("= %d, %v", resp.StatusCode, err)
			}
			if len(out.Payouts) != tt.wantPayouts {
				t.Fatalf("payouts %+v, want %d", out.Payouts, tt.wantPayouts)
			}
			// 1999 less 10% (200).
			if tt.wantPayouts == 1 && (out.Payouts[0].Currency != "EUR" || out.Payouts[0].AmountMinor != 1799 || out.Payouts[0].PayoutID == "") {
				t.Errorf("payout %+v", out.Payouts[0])
			}
			if tt.wantUnpaid != nil && (out.Unpaid == nil || len(out.Unpaid) != 0) {
				t.Errorf("unpaid %v, want none", out.Unpaid)
			}
		})
	}
}
