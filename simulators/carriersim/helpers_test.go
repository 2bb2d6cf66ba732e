package carriersim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/webhook"
	"github.com/crossdock/crossdock/simulators/carriersim"
)

const (
	apiKey = "ck_test_carrier"
	secret = "whsec_carrier"
)

// event is an event as the feed and the webhooks carry it.
type event struct {
	ID            string    `json:"id"`
	Seq           int64     `json:"seq"`
	SeqInShipment int       `json:"seq_in_shipment"`
	Type          string    `json:"type"`
	Waybill       string    `json:"waybill"`
	Reference     string    `json:"reference"`
	OccurredAt    time.Time `json:"occurred_at"`
	Status        string    `json:"status"`
	Leg           string    `json:"leg"`
	Location      point     `json:"location"`
	Description   string    `json:"description"`
	Charge        *struct {
		LegID    string `json:"leg_id"`
		Kind     string `json:"kind"`
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
	} `json:"charge"`
}

type point struct {
	Name string  `json:"name"`
	Lat  float64 `json:"lat"`
	Lng  float64 `json:"lng"`
}

// shipment is the Shipment object.
type shipment struct {
	Waybill   string  `json:"waybill"`
	Reference string  `json:"reference"`
	Service   string  `json:"service"`
	Status    string  `json:"status"`
	Route     []point `json:"route"`
	Legs      []struct {
		LegID      string  `json:"leg_id"`
		Kind       string  `json:"kind"`
		DistanceKm float64 `json:"distance_km"`
	} `json:"legs"`
	Position    point      `json:"position"`
	DeliveredAt *time.Time `json:"delivered_at"`
	Events      int        `json:"events"`
}

// receiver is a shipper's webhook endpoint: it verifies every signature and
// records what it accepted; answer (nil: always 200) decides each answer.
type receiver struct {
	mu       sync.Mutex
	accepted []event
	bodies   map[string]string // by event id
	attempts map[string]int
	badSigs  int
}

func newReceiver(t *testing.T, answer func(id string, attempt int) int) (*receiver, string) {
	t.Helper()
	rc := &receiver{bodies: map[string]string{}, attempts: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev event
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("webhook body %s: %v", body, err)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if _, err := webhook.Verify(r.Header.Get(carriersim.SignatureHeader), body, time.Now(), webhook.DefaultTolerance, []byte(secret)); err != nil {
			rc.badSigs++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if prev, ok := rc.bodies[ev.ID]; ok && prev != string(body) {
			t.Errorf("event %s delivered with two bodies:\n%s\n%s", ev.ID, prev, body)
		}
		rc.attempts[ev.ID]++
		status := http.StatusOK
		if answer != nil {
			status = answer(ev.ID, rc.attempts[ev.ID])
		}
		if status/100 == 2 {
			rc.accepted = append(rc.accepted, ev)
			rc.bodies[ev.ID] = string(body)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

func (rc *receiver) snapshot() []event {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]event(nil), rc.accepted...)
}

// fastConfig is a carrier whose journeys take milliseconds and whose
// retries come quickly.
func fastConfig(url string) carriersim.Config {
	return carriersim.Config{
		APIKey:        apiKey,
		WebhookURL:    url,
		WebhookSecret: []byte(secret),
		TimeScale:     4e6,
		Tick:          5 * time.Millisecond,
		LateDelay:     30 * time.Millisecond,
		RetryInitial:  time.Millisecond,
		RetryMax:      5 * time.Millisecond,
		MaxAttempts:   50,
		Seed:          42,
	}
}

// start runs a carrier with cfg and returns it and its base URL.
func start(t *testing.T, cfg carriersim.Config) (*carriersim.Server, string) {
	t.Helper()
	s, err := carriersim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		srv.Close()
		s.Close()
	})
	return s, srv.URL
}

// call sends one request with the API key; idem is the Idempotency-Key
// (empty sends none). out receives the JSON answer.
func call(t *testing.T, method, url, idem string, body, out any) int {
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
	req.Header.Set("Authorization", "Bearer "+apiKey)
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, url, res.StatusCode, raw, err)
		}
	}
	return res.StatusCode
}

// apiError is the error object of a refused call.
type apiError struct {
	Error struct {
		Type, Code, Message, Param string
	} `json:"error"`
}

// booking is a valid booking body: Shenzhen to Los Angeles by air.
func booking(reference string) map[string]any {
	return map[string]any{
		"reference": reference,
		"service":   "air",
		"from": map[string]any{"name": "Shenzhen Gadgets Ltd", "phone": "+86 755 0000 0000", "country_code": "CN",
			"region_code": "CN-GD", "city": "Shenzhen", "postcode": "518000", "lines": []string{"1 Keji Road"},
			"lat": 22.5431, "lng": 114.0579},
		"to": map[string]any{"name": "Ada Buyer", "country_code": "US", "region_code": "US-CA", "city": "Los Angeles",
			"postcode": "90012", "lines": []string{"200 N Spring St"}, "lat": 34.0537, "lng": -118.2428},
		"weight_g":       1200,
		"volume_cm3":     9000,
		"declared_value": map[string]any{"amount": 4999, "currency": "USD"},
	}
}

func book(t *testing.T, base string, body map[string]any) shipment {
	t.Helper()
	var sh shipment
	if status := call(t, "POST", base+"/v1/shipments", "", body, &sh); status != http.StatusCreated {
		t.Fatalf("book %v: %d %+v", body["reference"], status, sh)
	}
	return sh
}

// feed reads the whole feed, page by page, retrying the pages FailRate
// failed.
func feed(t *testing.T, base string) []event {
	t.Helper()
	return feedAfter(t, base, 0)
}

// feedAfter reads the feed after the position after, page by page.
func feedAfter(t *testing.T, base string, after int64) []event {
	t.Helper()
	var all []event
	for {
		var page struct {
			Events  []event `json:"events"`
			HasMore bool    `json:"has_more"`
		}
		status := call(t, "GET", base+"/v1/events?limit=1000&after="+strconv.FormatInt(after, 10), "", nil, &page)
		if status == http.StatusServiceUnavailable {
			continue
		}
		if status != http.StatusOK {
			t.Fatalf("feed after %d: %d", after, status)
		}
		all = append(all, page.Events...)
		if !page.HasMore {
			return all
		}
		after = page.Events[len(page.Events)-1].Seq
	}
}

// waitQuiet waits until the carrier has nothing more to do.
func waitQuiet(t *testing.T, s *carriersim.Server) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !s.Quiet() {
		if time.Now().After(deadline) {
			t.Fatal("the carrier is still busy after 60s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
