package carriersim_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/crossdock/crossdock/simulators/carriersim"
)

func TestBookingRefused(t *testing.T) {
	_, base := start(t, fastConfig(""))
	tests := []struct {
		name   string
		change func(b map[string]any)
		status int
		typ    string
		code   string
		param  string
	}{
		{"missing weight", func(b map[string]any) { delete(b, "weight_g") }, 400, "invalid_request_error", "parameter_invalid", "weight_g"},
		{"negative volume", func(b map[string]any) { b["volume_cm3"] = -1 }, 400, "invalid_request_error", "parameter_invalid", "volume_cm3"},
		{"unknown service", func(b map[string]any) { b["service"] = "rocket" }, 400, "invalid_request_error", "parameter_invalid", "service"},
		{"no reference", func(b map[string]any) { b["reference"] = " " }, 400, "invalid_request_error", "parameter_invalid", "reference"},
		{"bad destination country", func(b map[string]any) { b["to"].(map[string]any)["country_code"] = "XX" }, 400, "invalid_request_error", "parameter_invalid", "to.country_code"},
		{"lower-case origin country", func(b map[string]any) { b["from"].(map[string]any)["country_code"] = "cn" }, 400, "invalid_request_error", "parameter_invalid", "from.country_code"},
		{"latitude without longitude", func(b map[string]any) { delete(b["to"].(map[string]any), "lng") }, 400, "invalid_request_error", "parameter_invalid", "to.lat"},
		{"bad currency", func(b map[string]any) { b["charge_currency"] = "EURO" }, 400, "invalid_request_error", "parameter_invalid", "charge_currency"},
		{"unknown field", func(b map[string]any) { b["insurance"] = true }, 400, "invalid_request_error", "parameter_invalid", ""},
		{"unserved destination", func(b map[string]any) { b["to"].(map[string]any)["country_code"] = "KP" }, 422, "invalid_request_error", "unserved_destination", "to.country_code"},
		{"unserved destination, Antarctica", func(b map[string]any) {
			to := b["to"].(map[string]any)
			to["country_code"], to["lat"], to["lng"] = "AQ", nil, nil
		}, 422, "invalid_request_error", "unserved_destination", "to.country_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := booking("ref-" + tt.name)
			tt.change(body)
			var e apiError
			status := call(t, "POST", base+"/v1/shipments", "", body, &e)
			if status != tt.status || e.Error.Type != tt.typ || e.Error.Code != tt.code || e.Error.Param != tt.param {
				t.Fatalf("%d %+v, want %d %s/%s param %q", status, e.Error, tt.status, tt.typ, tt.code, tt.param)
			}
			// Nothing was booked: the reference is still free.
			book(t, base, booking("ref-"+tt.name))
		})
	}
}

func TestAuthentication(t *testing.T) {
	_, base := start(t, fastConfig(""))
	for _, key := range []string{"", "Bearer wrong", apiKey} {
		req, _ := http.NewRequest("GET", base+"/v1/events", nil)
		if key != "" {
			req.Header.Set("Authorization", key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d, want 401", key, res.StatusCode)
		}
	}
	res, err := http.Get(base + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("healthz without a key: %v %v", res, err)
	}
	res.Body.Close()
}

func TestFailRateAnswers503AndDoesNothing(t *testing.T) {
	cfg := fastConfig("")
	cfg.FailRate = 1
	_, base := start(t, cfg)
	var e apiError
	if status := call(t, "POST", base+"/v1/shipments", "", booking("r1"), &e); status != http.StatusServiceUnavailable || e.Error.Type != "api_error" {
		t.Fatalf("%d %+v, want 503 api_error", status, e)
	}
	res, err := http.Get(base + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("healthz is faulted: %v %v", res, err)
	}
	res.Body.Close()
}

func TestIdempotencyAndReferenceDedup(t *testing.T) {
	_, base := start(t, fastConfig(""))
	var first, again, other shipment
	if status := call(t, "POST", base+"/v1/shipments", "key-1", booking("order-1"), &first); status != http.StatusCreated {
		t.Fatalf("first: %d", status)
	}
	if status := call(t, "POST", base+"/v1/shipments", "key-1", booking("order-1"), &again); status != http.StatusCreated || again.Waybill != first.Waybill {
		t.Fatalf("replayed key: %d %s, want 201 %s", status, again.Waybill, first.Waybill)
	}
	var e apiError
	if status := call(t, "POST", base+"/v1/shipments", "key-1", booking("order-2"), &e); status != http.StatusConflict || e.Error.Type != "idempotency_error" {
		t.Fatalf("key reused with another body: %d %+v", status, e)
	}
	// Without a key the shipper's reference deduplicates: the same parcel.
	if status := call(t, "POST", base+"/v1/shipments", "", booking("order-1"), &other); status != http.StatusOK || other.Waybill != first.Waybill {
		t.Fatalf("same reference: %d %s, want 200 %s", status, other.Waybill, first.Waybill)
	}
	if second := book(t, base, booking("order-2")); second.Waybill == first.Waybill || len(second.Waybill) != 12 || second.Waybill[:2] != "CS" {
		t.Fatalf("second waybill %q (first %q)", second.Waybill, first.Waybill)
	}
}

func TestCancel(t *testing.T) {
	tests := []struct {
		name      string
		timeScale float64 // 1: pickup a simulated day away; huge: picked up at once
		status    int
		code      string
	}{
		{"before pickup", 1, http.StatusOK, ""},
		{"after pickup", 4e6, http.StatusConflict, "already_picked_up"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fastConfig("")
			cfg.TimeScale = tt.timeScale
			s, base := start(t, cfg)
			sh := book(t, base, booking("c-1"))
			if sh.Status != "booked" || sh.Events != 0 {
				t.Fatalf("booked %+v", sh)
			}
			if tt.timeScale > 1 {
				waitQuiet(t, s)
			}
			var got shipment
			var e apiError
			out := any(&got)
			if tt.code != "" {
				out = &e
			}
			status := call(t, "POST", base+"/v1/shipments/"+sh.Waybill+"/cancel", "", nil, out)
			if status != tt.status || e.Error.Code != tt.code {
				t.Fatalf("cancel: %d %+v", status, e)
			}
			if tt.code != "" {
				return
			}
			if got.Status != "cancelled" {
				t.Fatalf("cancelled shipment %+v", got)
			}
			// A second cancel answers the same; no event ever comes.
			if status := call(t, "POST", base+"/v1/shipments/"+sh.Waybill+"/cancel", "", nil, &got); status != http.StatusOK || got.Status != "cancelled" {
				t.Fatalf("second cancel: %d %+v", status, got)
			}
			time.Sleep(3 * cfg.Tick)
			if !s.Quiet() || len(feed(t, base)) != 0 {
				t.Fatal("a cancelled shipment still has events")
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	_, base := start(t, fastConfig(""))
	for _, path := range []string{"/v1/shipments/CS0000000000", "/v1/shipments/CS0000000000/events", "/v1/nothing"} {
		var e apiError
		if status := call(t, "GET", base+path, "", nil, &e); status != http.StatusNotFound || e.Error.Code != "resource_missing" {
			t.Errorf("GET %s: %d %+v", path, status, e)
		}
	}
	var e apiError
	if status := call(t, "GET", base+"/v1/events?limit=1001", "", nil, &e); status != http.StatusBadRequest || e.Error.Param != "limit" {
		t.Errorf("limit 1001: %d %+v", status, e)
	}
}

func TestConfigRefused(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *carriersim.Config)
	}{
		{"no API key", func(c *carriersim.Config) { c.APIKey = "" }},
		{"webhook without secret", func(c *carriersim.Config) { c.WebhookSecret = nil }},
		{"rate over 1", func(c *carriersim.Config) { c.LoseRate = 1.5 }},
		{"negative rate", func(c *carriersim.Config) { c.CustomsHoldRate = -0.1 }},
		{"negative time scale", func(c *carriersim.Config) { c.TimeScale = -1 }},
		{"unknown unserved country", func(c *carriersim.Config) { c.UnservedCountries = []string{"ZZ"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fastConfig("http://127.0.0.1:1/hook")
			tt.change(&cfg)
			if _, err := carriersim.New(cfg); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
