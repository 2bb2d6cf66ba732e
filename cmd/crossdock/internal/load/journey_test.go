package load

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// oneJourney runs one journey against a gateway that answers every call at
// once but a token refresh, which takes refreshTook, for a buyer whose
// token is due for renewal (stale) or not, from due, and returns the
// journey's latency as reported.
func oneJourney(t *testing.T, refreshTook time.Duration, stale bool, due time.Time) time.Duration {
	t.Helper()
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
	renewAt := time.Now().Add(time.Hour)
	if stale {
		renewAt = time.Now().Add(-time.Second)
	}
	b := &Buyer{API: &API{Base: srv.URL, HTTP: newHTTPClient(nil, 1), Timeout: 5 * time.Second},
		access: "token", refresh: "r1", renewAt: renewAt}
	j := &Journeys{RunID: "t", Currency: "USD", Buyers: []*Buyer{b}, SKUs: []SKU{{ID: "sku-1"}},
		Plan: []Arrival{{Buyer: 0, SKUs: []int{0}, Locale: "en"}}}
	o := j.Run(context.Background(), 0, due)
	var journey time.Duration
	for _, s := range o.Samples {
		if s.Err != nil {
			t.Fatalf("step %s: %v", s.Step, s.Err)
		}
		if s.Step == StepJourney {
			journey = s.Took
		}
	}
	return journey
}

// A journey whose buyer's token is due for renewal counts the renewal: the
// journey's latency runs from its start, not from the browse call after
// the token came back, so a slow refresh (every buyer renewing at once in a
// long run, each buyer's other journeys waiting for it) shows in the report.
func TestAJourneyCountsTheWaitForItsToken(t *testing.T) {
	const refreshTook = 300 * time.Millisecond
	if journey := oneJourney(t, refreshTook, true, time.Time{}); journey < refreshTook {
		t.Errorf("the journey took %v by the report, less than the %v its token's renewal alone took", journey, refreshTook)
	}
}

// A journey counts from when its arrival was due, not from when its
// goroutine got going: a generator late to fire it (a saturated machine)
// shows in the journey's latency instead of being left out.
func TestAJourneyCountsFromWhenItWasDue(t *testing.T) {
	const late = 250 * time.Millisecond
	if journey := oneJourney(t, 0, false, time.Now().Add(-late)); journey < late {
		t.Errorf("the journey took %v by the report, less than the %v it was fired late", journey, late)
	}
}
