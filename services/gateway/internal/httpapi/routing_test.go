package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestWrongMethodAnswers405 sends methods a path has no route for. The
// default answered 501 "Method Not Allowed", which clients read as a
// feature the server lacks; the answer is 405 with the Allow header HTTP
// requires and the usual error body, and an unknown path stays 404. No
// service is asked (the upstream serves nothing).
func TestWrongMethodAnswers405(t *testing.T) {
	h := routerOverIdleUpstreams(t)
	for _, tt := range []struct {
		name, method, target string
		status               int
		allow                string
	}{
		{"PUT on the caller's account", "PUT", "/v1/me", http.StatusMethodNotAllowed, "GET, PATCH"},
		{"DELETE on a collection", "DELETE", "/v1/categories", http.StatusMethodNotAllowed, "GET, POST"},
		{"POST on an object", "POST", "/v1/me/addresses/a1", http.StatusMethodNotAllowed, "GET, PUT, DELETE"},
		{"GET on a webhook", "GET", "/v1/webhooks/payment-provider", http.StatusMethodNotAllowed, "POST"},
		{"unknown path", "GET", "/v1/no-such-route", http.StatusNotFound, ""},
		{"unknown path, other method", "PUT", "/v1/no-such-route", http.StatusNotFound, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := serveRecovering(t, h, httptest.NewRequest(tt.method, tt.target, nil))
			if rec.Code != tt.status || rec.Header().Get("Allow") != tt.allow {
				t.Errorf("status %d, Allow %q; want %d, %q: %s", rec.Code, rec.Header().Get("Allow"), tt.status, tt.allow, rec.Body)
			}
			var body struct {
				Code    *int            `json:"code"`
				Message string          `json:"message"`
				Details json.RawMessage `json:"details"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Code == nil || body.Message == "" || body.Details == nil {
				t.Errorf("body %s (%v): want {code, message, details}", rec.Body, err)
			}
		})
	}
}
