package paymentsandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crossdock/crossdock/simulators/paymentsandbox"
)

const (
	apiKey = "sk_test_sandbox"
	secret = "whsec_sandbox"
)

// delivery is one webhook request the receiver got.
type delivery struct {
	Signature string
	Body      []byte
	Event     struct {
		ID      string `json:"id"`
		Type    string `json:"type"`
		Created int64  `json:"created"`
		Data    struct {
			Object map[string]any `json:"object"`
		} `json:"data"`
	}
	At time.Time
}

// receiver records every delivery; answer decides the status of the nth
// (from 1) request.
type receiver struct {
	got chan delivery
	n   atomic.Int64
}

func newReceiver(t *testing.T, answer func(n int64) int) (*receiver, string) {
	t.Helper()
	rc := &receiver{got: make(chan delivery, 100)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		d := delivery{Signature: r.Header.Get("Sandbox-Signature"), Body: body, At: time.Now()}
		if err := json.Unmarshal(body, &d.Event); err != nil {
			t.Errorf("webhook body %s: %v", body, err)
		}
		n := rc.n.Add(1)
		status := http.StatusOK
		if answer != nil {
			status = answer(n)
		}
		w.WriteHeader(status)
		rc.got <- d
	}))
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

// next waits for the next delivery.
func (rc *receiver) next(t *testing.T) delivery {
	t.Helper()
	select {
	case d := <-rc.got:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook delivered within 10s")
		return delivery{}
	}
}

// eventTypes waits for the next n deliveries and returns their event types
// sorted: deliveries race each other, as a real provider's do.
func (rc *receiver) eventTypes(t *testing.T, n int) []string {
	t.Helper()
	var types []string
	for range n {
		types = append(types, rc.next(t).Event.Type)
	}
	slices.Sort(types)
	return types
}

// fastConfig is a sandbox that delivers to url without waiting long.
func fastConfig(url string) paymentsandbox.Config {
	return paymentsandbox.Config{
		APIKey:          apiKey,
		WebhookURL:      url,
		WebhookSecret:   []byte(secret),
		ProcessingDelay: 20 * time.Millisecond,
		PayoutDelay:     time.Millisecond,
		LateDelay:       200 * time.Millisecond,
		RetryInitial:    time.Millisecond,
		RetryMax:        5 * time.Millisecond,
	}
}

// start runs a sandbox with cfg and returns its base URL.
func start(t *testing.T, cfg paymentsandbox.Config) string {
	t.Helper()
	s, err := paymentsandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		srv.Close()
		s.Close()
	})
	return srv.URL
}

// call sends one request; key is the API key (empty sends none), idem the
// Idempotency-Key (empty sends none).
func call(t *testing.T, method, url, key, idem string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: decode: %v", method, url, err)
	}
	return res.StatusCode, out
}

func createIntent(t *testing.T, base string) map[string]any {
	t.Helper()
	status, pi := call(t, "POST", base+"/v1/payment_intents", apiKey, "", map[string]any{
		"amount": 2500, "currency": "EUR", "reference": "topup-1", "description": "wallet top-up",
	})
	if status != http.StatusOK {
		t.Fatalf("create intent: %d %v", status, pi)
	}
	return pi
}

func errorCode(out map[string]any) (typ, code string) {
	e, _ := out["error"].(map[string]any)
	typ, _ = e["type"].(string)
	code, _ = e["code"].(string)
	return typ, code
}

// newAPI serves s, whose Close the test calls itself.
func newAPI(t *testing.T, s *paymentsandbox.Server) string {
	t.Helper()
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		srv.Close()
		s.Close()
	})
	return srv.URL
}
