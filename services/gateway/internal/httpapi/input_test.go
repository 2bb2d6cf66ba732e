package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/crossdock/crossdock/pkg/server"
	"github.com/crossdock/crossdock/services/gateway/internal/httpapi"
	"github.com/crossdock/crossdock/services/gateway/internal/upstream"
)

// errorJSON is the gateway's error body.
type errorJSON struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Details []struct {
		Type            string `json:"@type"`
		FieldViolations []struct {
			Field       string `json:"field"`
			Description string `json:"description"`
		} `json:"fieldViolations"`
	} `json:"details"`
}

// routerOverIdleUpstreams is the gateway's router over connections to a kit
// gRPC server with no services: what these tests send must be refused by the
// gateway before any service is asked.
func routerOverIdleUpstreams(t *testing.T) http.Handler {
	t.Helper()
	return routerOver(t, func(grpc.ServiceRegistrar) {})
}

// routerOver is the gateway's router with every upstream connected to one
// kit gRPC server (no authentication) serving what register adds, with the
// default UPSTREAM_TIMEOUT.
func routerOver(t *testing.T, register func(grpc.ServiceRegistrar)) http.Handler {
	t.Helper()
	return routerWithTimeout(t, 30*time.Second, register)
}

// routerWithTimeout is routerOver with calls to the upstream bounded by
// timeout.
func routerWithTimeout(t *testing.T, timeout time.Duration, register func(grpc.ServiceRegistrar)) http.Handler {
	t.Helper()
	srv := server.New("upstream", server.Config{GRPCAddr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0"}, nil, nil)
	register(srv.GRPC())
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	addr := srv.GRPCAddr().String()
	conns, err := upstream.Dial(upstream.Addresses{Users: addr, Catalog: addr, Inventory: addr, Orders: addr,
		Logistics: addr, Finance: addr, FreightEstimator: addr, PlatformDocking: addr}, timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conns.Close)
	h, err := httpapi.NewRouter(context.Background(), httpapi.Routes(conns)...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestBadInputNamesTheFieldWithoutParserText sends input the gateway cannot
// read: each answer names the field by its JSON name, as the client wrote it,
// and says why without the parser's text.
func TestBadInputNamesTheFieldWithoutParserText(t *testing.T) {
	h := routerOverIdleUpstreams(t)
	for _, tt := range []struct {
		name, method, target, body string
		field, desc                string
	}{
		{"invalid UTF-8 in a path", "GET", "/v1/listings/%ff", "", "productId", "must be valid UTF-8"},
		{"invalid UTF-8 in a query", "GET", "/v1/listings?query=head%ffphones", "", "query", "must be valid UTF-8"},
		{"wrong type in a query", "GET", "/v1/listings?page.page_size=ten", "", "page.pageSize", "want integer"},
		{"wrong type in a query by JSON name", "GET", "/v1/listings?page.pageSize=ten", "", "page.pageSize", "want integer"},
		{"a parameter the call does not take", "GET", "/v1/listings?pageSize=10", "", "pageSize", "is not a parameter of this call"},
		{"a misspelled filter", "GET", "/v1/supplier/sub-orders?status=SUB_ORDER_STATUS_PAID", "", "status", "is not a parameter of this call"},
		{"broken JSON", "POST", "/v1/auth/login", `{"email":"a@b.test","password":`, "password", "is not valid JSON"},
		{"not an object", "POST", "/v1/auth/login", `[1,2]`, "body", "want object"},
		{"string where an integer goes", "POST", "/v1/freight/estimates",
			`{"parcel":{"volumeCm3":3000,"declaredValue":{"currencyCode":"USD","amountMinor":"lots"}}}`,
			"parcel.declaredValue.amountMinor", "want integer"},
		{"integer too large", "POST", "/v1/freight/estimates", `{"parcel":{"weightG":123456789012345678901234567890}}`,
			"parcel.weightG", "integer out of range"},
		{"number where a string goes", "POST", "/v1/auth/login", `{"email":5}`, "email", "want string"},
		{"unknown field", "POST", "/v1/auth/login", `{"emial":"a@b.test"}`, "emial", "unknown field"},
		{"invalid UTF-8 in a body string", "POST", "/v1/auth/login", "{\"email\":\"a\xffb\"}", "email", "must be valid UTF-8"},
		{"object where a string goes", "POST", "/v1/auth/login", `{"email":{"deep":[[[1]]]}}`, "email", "want string"},
		{"body that is one field of the request", "PUT", "/v1/me/addresses/a1", `{"countryCode":7}`,
			"address.countryCode", "want string"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", rec.Code, rec.Body)
			}
			var body errorJSON
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("error body %q: %v", rec.Body, err)
			}
			if body.Code != 3 || len(body.Details) == 0 || len(body.Details[0].FieldViolations) == 0 {
				t.Fatalf("body %s: want code 3 with a field violation", rec.Body)
			}
			fv := body.Details[0].FieldViolations[0]
			if body.Details[0].Type != "type.googleapis.com/google.rpc.BadRequest" || fv.Field != tt.field || fv.Description != tt.desc {
				t.Errorf("violation %s %q: %q, want %q: %q", body.Details[0].Type, fv.Field, fv.Description, tt.field, tt.desc)
			}
			for _, leak := range []string{"proto:", "syntax error", "line 1", "strconv", "grpc:", "\x00"} {
				if strings.Contains(rec.Body.String(), leak) {
					t.Errorf("body leaks %q: %s", leak, rec.Body)
				}
			}
		})
	}
}

// serveRecovering serves req, failing the test (rather than the whole
// binary) when the handler panics.
func serveRecovering(t *testing.T, h http.Handler, req *http.Request) (rec *httptest.ResponseRecorder) {
	t.Helper()
	rec = httptest.NewRecorder()
	defer func() {
		if v := recover(); v != nil {
			t.Fatalf("%s %s panicked: %v", req.Method, req.URL, v)
		}
	}()
	h.ServeHTTP(rec, req)
	return rec
}

// violations are the fields an error body's BadRequest detail names.
func violations(t *testing.T, rec *httptest.ResponseRecorder) []string {
	t.Helper()
	var body errorJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body %q: %v", rec.Body, err)
	}
	var out []string
	for _, d := range body.Details {
		for _, fv := range d.FieldViolations {
			out = append(out, fv.Field)
		}
	}
	return out
}
