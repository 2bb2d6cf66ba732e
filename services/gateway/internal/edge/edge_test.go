package edge_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/services/gateway/internal/edge"
)

func handler(t *testing.T) http.Handler {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read body: %v", err)
		}
		_, _ = w.Write([]byte(edge.RequestIDFrom(r.Context()) + "|" + string(body)))
	})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return edge.Chain(echo, edge.Recover(log), edge.RequestID, edge.AccessLog(log),
		edge.CORS([]string{"https://shop.example"}), edge.MaxBody(16))
}

func TestRequestID(t *testing.T) {
	tests := []struct {
		name, given string
		kept        bool
	}{
		{"accepted", "abc-123", true},
		{"generated when missing", "", false},
		{"replaced when unsafe", "a b\nc", false},
		{"replaced when too long", strings.Repeat("x", 200), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/x", nil)
			if tt.given != "" {
				req.Header.Set(edge.HeaderRequestID, tt.given)
			}
			rec := httptest.NewRecorder()
			handler(t).ServeHTTP(rec, req)
			got := rec.Header().Get(edge.HeaderRequestID)
			if tt.kept && got != tt.given || !tt.kept && (got == "" || got == tt.given) {
				t.Errorf("response id %q for given %q", got, tt.given)
			}
			if !strings.HasPrefix(rec.Body.String(), got+"|") {
				t.Errorf("handler saw %q, response header %q", rec.Body.String(), got)
			}
		})
	}
}

func TestCORS(t *testing.T) {
	tests := []struct {
		name, origin, method string
		wantAllow            string
		wantStatus           int
	}{
		{"allowed origin", "https://shop.example", http.MethodGet, "https://shop.example", 200},
		{"other origin gets no grant", "https://evil.example", http.MethodGet, "", 200},
		{"preflight", "https://shop.example", http.MethodOptions, "https://shop.example", 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "/x", nil)
			req.Header.Set("Origin", tt.origin)
			if tt.method == http.MethodOptions {
				req.Header.Set("Access-Control-Request-Method", "POST")
			}
			rec := httptest.NewRecorder()
			handler(t).ServeHTTP(rec, req)
			if got := rec.Header().Get("Access-Control-Allow-Origin"); got != tt.wantAllow {
				t.Errorf("Allow-Origin = %q, want %q", got, tt.wantAllow)
			}
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Header().Get("Vary"); got != "Origin" {
				t.Errorf("Vary = %q, want Origin, granted or not", got)
			}
		})
	}
}

// TestCORSLetsBrowsersUseTheDocumentedHeaders: a preflight for the headers
// the API document offers (Grpc-Timeout for a shorter deadline) and the W3C
// trace context a page's tracing sends is granted,
// and the headers it answers with (Allow on 405, WWW-Authenticate on 401 and
// 403) are readable by the page.
func TestCORSLetsBrowsersUseTheDocumentedHeaders(t *testing.T) {
	req := httptest.NewRequest(http.MethodOptions, "/x", nil)
	req.Header.Set("Origin", "https://shop.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "authorization, grpc-timeout")
	rec := httptest.NewRecorder()
	handler(t).ServeHTTP(rec, req)
	allowed := strings.Split(strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers")), ", ")
	for _, h := range []string{"authorization", "grpc-timeout", "idempotency-key", "traceparent", "tracestate", "baggage"} {
		if !slices.Contains(allowed, h) {
			t.Errorf("Allow-Headers %v lacks %s", allowed, h)
		}
	}
	exposed := strings.Split(strings.ToLower(rec.Header().Get("Access-Control-Expose-Headers")), ", ")
	for _, h := range []string{"allow", "www-authenticate", "retry-after"} {
		if !slices.Contains(exposed, h) {
			t.Errorf("Expose-Headers %v lacks %s", exposed, h)
		}
	}
}

// TestCORSVariesByOriginWithoutOne: with origins configured, a cacheable
// answer to a request without Origin still varies by it, so a shared cache
// does not serve that grant-less copy to a browser on an allowed origin.
func TestCORSVariesByOriginWithoutOne(t *testing.T) {
	rec := httptest.NewRecorder()
	handler(t).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
	if got := rec.Header().Get("Vary"); got != "Origin" {
		t.Errorf("Vary = %q, want Origin", got)
	}
}

func TestMaxBody(t *testing.T) {
	for _, tt := range []struct {
		name       string
		body       string
		chunked    bool
		wantStatus int
	}{
		{"small", "hello", false, 200},
		{"declared too large", strings.Repeat("x", 17), false, 400},
		{"streamed too large", strings.Repeat("x", 64), true, 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/x", bytes.NewBufferString(tt.body))
			if tt.chunked {
				req.ContentLength = -1
			}
			rec := httptest.NewRecorder()
			handler(t).ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if tt.wantStatus == 400 && !strings.Contains(rec.Body.String(), `"field":"body"`) {
				t.Errorf("no field violation on body: %s", rec.Body)
			}
			if tt.wantStatus == 200 && !strings.HasSuffix(rec.Body.String(), "|"+tt.body) {
				t.Errorf("handler saw %q", rec.Body)
			}
		})
	}
}

func TestRecoverAnswersGenericError(t *testing.T) {
	rec := httptest.NewRecorder()
	handler(t).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/panic", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d", rec.Code)
	}
	var body struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Message != "internal error" || body.Code != 13 {
		t.Errorf("body %s (%v)", rec.Body.String(), err)
	}
	if strings.Contains(rec.Body.String(), "boom") {
		t.Error("panic value leaked to the client")
	}
}

func TestLimitFromText(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want edge.Limit
		ok   bool
	}{
		{"2:10", edge.Limit{Rate: 2, Burst: 10}, true},
		{"0.5:1", edge.Limit{Rate: 0.5, Burst: 1}, true},
		{"2", edge.Limit{}, false},
		{"-1:5", edge.Limit{}, false},
		{"2:0", edge.Limit{}, false},
	} {
		var l edge.Limit
		err := l.UnmarshalText([]byte(tt.in))
		if (err == nil) != tt.ok || tt.ok && l != tt.want {
			t.Errorf("%q → %+v, %v", tt.in, l, err)
		}
	}
}

func TestClientAddr(t *testing.T) {
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "10.0.0.9:5555"
	req.Header.Set("X-Forwarded-For", "1.2.3.4, 198.51.100.20")
	if got := edge.ClientAddr(req, false); got != "10.0.0.9" {
		t.Errorf("untrusted: %q", got)
	}
	if got := edge.ClientAddr(req, true); got != "198.51.100.20" {
		t.Errorf("trusted proxy: %q, want the proxy-appended entry", got)
	}
	// A proxy that adds its own header line after the client's forged one.
	req.Header.Set("X-Forwarded-For", "6.6.6.6")
	req.Header.Add("X-Forwarded-For", "203.0.113.7")
	if got := edge.ClientAddr(req, true); got != "203.0.113.7" {
		t.Errorf("a second header line: %q, want the proxy's, not the client's forged first line", got)
	}
}
