package load

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Call turns each kind of answer into what the report counts by.
func TestCallErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		header  map[string]string
		body    string
		class   string
		message string // the error's text, when it matters
		retry   time.Duration
	}{
		{name: "a service's refusal with a reason", status: 400,
			body:  `{"code":9,"message":"only 2 available","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"INSUFFICIENT_STOCK","domain":"orders"}]}`,
			class: "HTTP 400 FAILED_PRECONDITION INSUFFICIENT_STOCK", message: "POST /x: HTTP 400 FAILED_PRECONDITION (INSUFFICIENT_STOCK): only 2 available"},
		{name: "the gateway's rate limit", status: 429, header: map[string]string{"Retry-After": "2"},
			body: `{"code":8,"message":"too many requests","details":[]}`, class: "HTTP 429 RESOURCE_EXHAUSTED", retry: 2 * time.Second},
		{name: "a code written as a name", status: 404, body: `{"code":"NOT_FOUND","message":"no such order"}`, class: "HTTP 404 NOT_FOUND"},
		{name: "the sandbox's error", status: 402, body: `{"error":{"type":"card_error","code":"card_declined","message":"declined"}}`,
			class: "HTTP 402 card_declined", message: "POST /x: HTTP 402 (card_declined): declined"},
		{name: "a body that is not JSON", status: 502, body: `<html>bad gateway</html>`, class: "HTTP 502", message: "POST /x: HTTP 502: <html>bad gateway</html>"},
		{name: "a redirect is not followed", status: 302, header: map[string]string{"Location": "http://example.com/"}, class: "HTTP 302"},
		{name: "a 2xx that is not JSON", status: 200, body: `nope`, class: "unexpected answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			api := &API{Base: srv.URL, HTTP: newHTTPClient(nil, 1), Timeout: 5 * time.Second}
			var out map[string]any
			err := api.Call(context.Background(), "POST", "/x", "token", map[string]any{"a": 1}, &out)
			if got := ErrorClass(err); got != tt.class {
				t.Fatalf("class %q, want %q (err %v)", got, tt.class, err)
			}
			if tt.message != "" && err.Error() != tt.message {
				t.Errorf("error %q, want %q", err, tt.message)
			}
			var ae *APIError
			if errors.As(err, &ae) && ae.RetryAfter != tt.retry {
				t.Errorf("Retry-After %v, want %v", ae.RetryAfter, tt.retry)
			}
		})
	}
}

func TestCallTimeoutAndConnection(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	api := &API{Base: srv.URL, HTTP: newHTTPClient(nil, 1), Timeout: 50 * time.Millisecond}
	if got := ErrorClass(api.Call(context.Background(), "GET", "/slow", "", nil, nil)); got != "timeout" {
		t.Errorf("a hung call is %q, want timeout", got)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	api = &API{Base: closed.URL, HTTP: newHTTPClient(nil, 1), Timeout: time.Second}
	if got := ErrorClass(api.Call(context.Background(), "GET", "/", "", nil, nil)); got != "connection" {
		t.Errorf("a refused connection is %q, want connection", got)
	}
}

// A successful call sends the token and the JSON body and decodes the answer.
func TestCallSends(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(400)
			return
		}
		_, _ = w.Write([]byte(`{"order":{"orderId":"o-1","status":"ORDER_STATUS_PAID","total":{"currencyCode":"USD","amountMinor":"1250"}}}`))
	}))
	defer srv.Close()
	api := &API{Base: srv.URL, HTTP: newHTTPClient(nil, 1)}
	var o orderJSON
	if err := api.Call(context.Background(), "POST", "/v1/orders/o-1/pay", "tok", map[string]any{}, &o); err != nil {
		t.Fatal(err)
	}
	if o.Order.OrderID != "o-1" || o.Order.Status != statusPaid || o.Order.Total.AmountMinor != 1250 {
		t.Errorf("decoded %+v", o)
	}
}

// A confirmation retried after its answer was lost (the sandbox confirmed,
// then answered 503) is sent under the same Idempotency-Key, so the
// sandbox answers it with the first answer: without the key the retry is
// a second confirmation, refused as a payment in the wrong state.
func TestARetriedCallKeepsItsIdempotencyKey(t *testing.T) {
	answered := map[string]bool{}
	confirmed := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		switch {
		case key != "" && answered[key]:
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"status":"succeeded"}`))
		case confirmed:
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":{"type":"invalid_request_error","code":"payment_intent_unexpected_state","message":"already succeeded"}}`))
		default: // confirmed, and the answer lost
			confirmed, answered[key] = true, key != ""
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"error":{"type":"api_error","code":"lost_answer","message":"lost"}}`))
		}
	}))
	defer srv.Close()
	api := &API{Base: srv.URL, HTTP: newHTTPClient(nil, 1), Timeout: 5 * time.Second}
	err := retrying(context.Background(), func() error {
		return api.CallOnce(context.Background(), "POST", "/v1/payment_intents/pi_1/confirm", "", "load-run-0-confirm", map[string]string{"a": "b"}, nil)
	})
	if err != nil {
		t.Fatalf("the retried confirmation: %v", err)
	}
}
