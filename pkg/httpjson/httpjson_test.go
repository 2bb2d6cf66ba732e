package httpjson_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/httpjson"
)

func TestNewRequest(t *testing.T) {
	var got *http.Request
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, body = r, string(b)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	send := func(method, key string, in any) {
		t.Helper()
		req, err := httpjson.NewRequest(context.Background(), method, srv.URL+"/v1/things", "sk_test", key, in)
		if err != nil {
			t.Fatal(err)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}

	send(http.MethodPost, "k-1", map[string]int{"amount": 5})
	if got.Header.Get("Authorization") != "Bearer sk_test" || got.Header.Get("Idempotency-Key") != "k-1" ||
		got.Header.Get("Content-Type") != "application/json" || got.Header.Get("Accept") != "application/json" || body != `{"amount":5}` {
		t.Errorf("POST sent headers %v and body %q", got.Header, body)
	}
	send(http.MethodGet, "", nil)
	if got.Header.Get("Idempotency-Key") != "" || got.Header.Get("Content-Type") != "" || body != "" {
		t.Errorf("GET sent headers %v and body %q, want no key, no content type, no body", got.Header, body)
	}
	if _, err := httpjson.NewRequest(context.Background(), http.MethodPost, srv.URL, "k", "", map[string]any{"f": func() {}}); err == nil {
		t.Error("a body that cannot be encoded = nil error")
	}
}

func TestReadBodyStopsAtTheLimit(t *testing.T) {
	res := &http.Response{Body: io.NopCloser(strings.NewReader("0123456789"))}
	b, err := httpjson.ReadBody(res, 4)
	if err != nil || string(b) != "0123" {
		t.Errorf("ReadBody = %q, %v; want the first 4 bytes", b, err)
	}
}

func TestParseError(t *testing.T) {
	e := httpjson.ParseError([]byte(`{"error":{"type":"card_error","code":"card_declined","message":"declined","param":"source"}}`))
	if e != (httpjson.Error{Type: "card_error", Code: "card_declined", Message: "declined", Param: "source"}) {
		t.Errorf("ParseError = %+v", e)
	}
	if e := httpjson.ParseError([]byte("<html>bad gateway</html>")); e != (httpjson.Error{}) {
		t.Errorf("ParseError of HTML = %+v, want zero", e)
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tt := range []struct {
		header string
		want   time.Duration
	}{
		{"30", 30 * time.Second},
		{" 2 ", 2 * time.Second},
		{"", 0},
		{"-1", 0},
		{"86400", 24 * time.Hour},
		{"2592000", 24 * time.Hour}, // a month: a day at most
		{"Wed, 21 Oct 2026 07:28:00 GMT", 0},
	} {
		res := &http.Response{Header: http.Header{"Retry-After": {tt.header}}}
		if got := httpjson.RetryAfter(res); got != tt.want {
			t.Errorf("Retry-After %q = %v, want %v", tt.header, got, tt.want)
		}
	}
}
