package load

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A journey whose buyer's token is due for renewal counts the renewal: the
// journey's latency runs from its start, not from the browse call after
// the token came back, so a slow refresh (every buyer renewing at once in a
// long run, each buyer's other journeys waiting for it) shows in the report.
func TestAJourneyCountsTheWaitForItsToken(t *testing.T) {
	const refreshTook = 300 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/auth/refresh":
			time.Sleep(refreshTook)
			_, _ = w.Write([]byte(`{"tokens":{"accessToken":"fresh","refreshToken":"r2","expiresIn":"900"}}`))
		case "/v1/listings":
			_, _ = w.Write([]byte(`{}`))
		case "/v1/checkouts":
			_, _ = w.Write([]byte(`{"order":{"orderId":"o-1","status":"` + statusPendingPayment + `"}}`))
		case "/v1/orders/o-1/pay":
			_, _ = w.Write([]byte(`{"order":{"orderId":"o-1","status":"` + statusPaid + `"}}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	b := &Buyer{API: &API{Base: srv.URL, HTTP: newHTTPClient(nil, 1), Timeout: 5 * time.Second},
		access: "stale", refresh: "r1", renewAt: time.Now().Add(-time.Second)}
	j := &Journeys{RunID: "t", Currency: "USD", Buyers: []*Buyer{b}, SKUs: []SKU{{ID: "sku-1"}},
		Plan: []Arrival{{Buyer: 0, SKUs: []int{0}, Locale: "en"}}}
	o := j.Run(context.Background(), 0, time.Time{})
	var journey time.Duration
	for _, s := range o.Samples {
		if s.Err != nil {
			t.Fatalf("step %s: %v", s.Step, s.Err)
		}
		if s.Step == StepJourney {
			journey = s.Took
		}
	}
	if journey < refreshTook {
		t.Errorf("the journey took %v by the report, less than the %v its token's renewal alone took", journey, refreshTook)
	}
}

// A journey counts from when its arrival was due, not from when its
// goroutine got going: a generator late to fire it (a saturated machine)
// shows in the journey's latency instead of being left out.
func TestAJourneyCountsFromWhenItWasDue(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/listings":
			_, _ = w.Write([]byte(`{}`))
		case "/v1/checkouts":
			_, _ = w.Write([]byte(`{"order":{"orderId":"o-1","status":"` + statusPendingPayment + `"}}`))
		case "/v1/orders/o-1/pay":
			_, _ = w.Write([]byte(`{"order":{"orderId":"o-1","status":"` + statusPaid + `"}}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	b := &Buyer{API: &API{Base: srv.URL, HTTP: newHTTPClient(nil, 1), Timeout: 5 * time.Second},
		access: "token", refresh: "r1", renewAt: time.Now().Add(time.Hour)}
	j := &Journeys{RunID: "t", Currency: "USD", Buyers: []*Buyer{b}, SKUs: []SKU{{ID: "sku-1"}},
		Plan: []Arrival{{Buyer: 0, SKUs: []int{0}, Locale: "en"}}}
	const late = 250 * time.Millisecond
	o := j.Run(context.Background(), 0, time.Now().Add(-late))
	var journey time.Duration
	for _, s := range o.Samples {
		if s.Err != nil {
			t.Fatalf("step %s: %v", s.Step, s.Err)
		}
		if s.Step == StepJourney {
			journey = s.Took
		}
	}
	if journey < late {
		t.Errorf("the journey took %v by the report, less than the %v it was fired late", journey, late)
	}
}
