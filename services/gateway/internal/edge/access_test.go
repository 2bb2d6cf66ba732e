package edge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/gateway/internal/edge"
)

func accessHandler(t *testing.T, keys auth.KeySource, credentials edge.Limit) http.Handler {
	t.Helper()
	a := &edge.Access{
		Verifier:    auth.NewVerifier(keys),
		Public:      edge.NewRouteSet("POST /v1/auth/login", "GET /.well-known/jwks.json", "GET /v1/listings/{product_id}"),
		Credential:  edge.NewRouteSet("POST /v1/auth/login"),
		PerAddress:  edge.NewLimiter(edge.Limit{Rate: 1000, Burst: 1000}),
		Credentials: edge.NewLimiter(credentials),
		PerSubject:  edge.NewLimiter(edge.Limit{Rate: 1000, Burst: 1000}),
	}
	return a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := auth.CallerFrom(r.Context()); ok {
			w.Header().Set("X-Subject", c.Subject)
		}
	}))
}

func TestAccessAuthenticatesPrivateRoutes(t *testing.T) {
	key, err := auth.NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	stranger, _ := auth.NewSigningKey()
	signAs := func(k auth.SigningKey, c auth.Caller, issuedAgo time.Duration) string {
		tok, err := auth.Sign(k, c, time.Minute, time.Now().Add(-issuedAgo))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	sign := func(k auth.SigningKey, issuedAgo time.Duration) string {
		return signAs(k, auth.Caller{Subject: "u1", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}, issuedAgo)
	}
	service := signAs(key, auth.Caller{Subject: "svc-orders", Kind: auth.KindService, Roles: []string{auth.RoleService}}, 0)
	h := accessHandler(t, auth.StaticKeySource(key.JWK()), edge.Limit{Rate: 100, Burst: 100})
	tests := []struct {
		name, method, path, authz string
		want                      int
		subject                   string
	}{
		{"public route without token", "POST", "/v1/auth/login", "", 200, ""},
		{"public templated route without token", "GET", "/v1/listings/p-1", "", 200, ""},
		{"a deeper path is not the public route", "GET", "/v1/listings/p-1/secret", "", 401, ""},
		{"an encoded slash stays within its segment", "GET", "/v1/listings/p%2F1", "", 200, ""},
		{"a public route spelled with an encoded slash is not that route", "POST", "/v1/auth%2Flogin", "", 401, ""},
		{"private route without token", "GET", "/v1/me", "", 401, ""},
		{"private route with valid token", "GET", "/v1/me", "Bearer " + sign(key, 0), 200, "u1"},
		{"token from an unknown key", "GET", "/v1/me", "Bearer " + sign(stranger, 0), 401, ""},
		{"expired token", "GET", "/v1/me", "Bearer " + sign(key, time.Hour), 401, ""},
		{"wrong scheme", "GET", "/v1/me", "Basic dTpw", 401, ""},
		{"a service's token on a private route", "GET", "/v1/me/addresses?userId=u2", "Bearer " + service, 403, ""},
		{"a service's token on a public route", "GET", "/v1/listings/p-1", "Bearer " + service, 403, ""},
		{"a person's token on a public route", "GET", "/v1/listings/p-1", "Bearer " + sign(key, 0), 200, ""},
		{"an expired token on a public route is the service's to judge", "POST", "/v1/auth/login", "Bearer " + sign(key, time.Hour), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.authz != "" {
				req.Header.Set("Authorization", tt.authz)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want || rec.Header().Get("X-Subject") != tt.subject {
				t.Errorf("got %d subject %q, want %d %q (%s)", rec.Code, rec.Header().Get("X-Subject"), tt.want, tt.subject, rec.Body)
			}
		})
	}

	// The edge's refusals name their reason as the services' errors do
	// (google.rpc.ErrorInfo), so a client tells a missing token from an
	// expired one without reading the message.
	for authz, want := range map[string]string{
		"":                               edge.ReasonTokenMissing,
		"Bearer " + sign(key, time.Hour): edge.ReasonTokenInvalid,
		"Bearer " + service:              edge.ReasonTokenNotForThisAPI,
	} {
		req := httptest.NewRequest("GET", "/v1/me", nil)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var body struct {
			Details []struct {
				Type   string `json:"@type"`
				Reason string `json:"reason"`
				Domain string `json:"domain"`
			} `json:"details"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Details) != 1 ||
			body.Details[0].Type != "type.googleapis.com/google.rpc.ErrorInfo" || body.Details[0].Reason != want || body.Details[0].Domain != "crossdock" {
			t.Errorf("refusal %s: %s, want an ErrorInfo with reason %s", want, rec.Body, want)
		}
	}
}

func TestAccessKeysUnavailableIs503(t *testing.T) {
	key, _ := auth.NewSigningKey()
	down := func(context.Context) (auth.JWKS, error) { return auth.JWKS{}, context.DeadlineExceeded }
	h := accessHandler(t, down, edge.Limit{Rate: 100, Burst: 100})
	tok, _ := auth.Sign(key, auth.Caller{Subject: "u1", Kind: auth.KindUser}, time.Minute, time.Now())
	req := httptest.NewRequest("GET", "/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503 when the keys cannot be fetched", rec.Code)
	}
}

// A login flood from one address is cut off with 429 and Retry-After, while
// another address still gets through.
func TestCredentialFloodIsLimitedPerAddress(t *testing.T) {
	h := accessHandler(t, auth.StaticKeySource(), edge.Limit{Rate: 1, Burst: 5})
	login := func(addr string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/v1/auth/login", nil)
		req.RemoteAddr = addr + ":40000"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	var ok, limited int
	for range 30 {
		rec := login("203.0.113.7")
		switch rec.Code {
		case 200:
			ok++
		case 429:
			limited++
			if rec.Header().Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
	}
	if ok > 6 || limited < 24 {
		t.Errorf("flood: %d passed, %d limited; want at most the burst through", ok, limited)
	}
	if rec := login("198.51.100.2"); rec.Code != 200 {
		t.Errorf("another client got %d during the flood", rec.Code)
	}
	// An IPv6 client holds a whole /64: a new address in it per request
	// is the same client, while another /64 is another.
	ok = 0
	for i := range 30 {
		if login(fmt.Sprintf("[2001:db8:1:2::%x]", i+1)).Code == 200 {
			ok++
		}
	}
	if ok > 6 {
		t.Errorf("a flood from one /64, a new address each time: %d passed, want at most the burst", ok)
	}
	if rec := login("[2001:db8:1:3::1]"); rec.Code != 200 {
		t.Errorf("a client of another /64 got %d during the flood", rec.Code)
	}
}

func TestAccessRecordsTheClientAddressForTheServices(t *testing.T) {
	var seen string
	a := &edge.Access{
		Public:      edge.NewRouteSet("POST /v1/auth/login"),
		Credential:  edge.NewRouteSet("POST /v1/auth/login"),
		PerAddress:  edge.NewLimiter(edge.Limit{Rate: 10, Burst: 10}),
		Credentials: edge.NewLimiter(edge.Limit{Rate: 10, Burst: 10}),
		PerSubject:  edge.NewLimiter(edge.Limit{Rate: 10, Burst: 10}),
	}
	h := a.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		seen, _ = edge.ClientAddrFrom(r.Context())
	}))
	req := httptest.NewRequest("POST", "/v1/auth/login", nil)
	req.RemoteAddr = "198.51.100.20:4242"
	h.ServeHTTP(httptest.NewRecorder(), req)
	if seen != "198.51.100.20" {
		t.Errorf("client address %q, want 198.51.100.20", seen)
	}
}

// A request whose Authorization headers cannot be read as one bearer token
// is refused, and the one the edge verified is the only one the router can
// forward. Before, a person's token ending in a non-ASCII space was
// verified here (trimmed) and dropped by the router (not printable ASCII),
// which forwarded a second header's leaked service token: the service
// acted as a service, with rights over every user's records.
func TestAccessForwardsExactlyTheTokenItVerified(t *testing.T) {
	key, err := auth.NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	person, err := auth.Sign(key, auth.Caller{Subject: "u1", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}, time.Minute, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	service, err := auth.Sign(key, auth.Caller{Subject: "svc-orders", Kind: auth.KindService, Roles: []string{auth.RoleService}}, time.Minute, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a := &edge.Access{
		Verifier:    auth.NewVerifier(auth.StaticKeySource(key.JWK())),
		Public:      edge.NewRouteSet("GET /v1/listings/{product_id}"),
		Credential:  edge.NewRouteSet(),
		PerAddress:  edge.NewLimiter(edge.Limit{Rate: 1000, Burst: 1000}),
		Credentials: edge.NewLimiter(edge.Limit{Rate: 1000, Burst: 1000}),
		PerSubject:  edge.NewLimiter(edge.Limit{Rate: 1000, Burst: 1000}),
	}
	var forwarded []string
	h := a.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		forwarded = r.Header.Values("Authorization")
	}))
	for _, tt := range []struct {
		name, path string
		headers    []string
		want       int
		forward    []string
	}{
		{"a person's token, spaced", "/v1/me", []string{"Bearer  " + person + "  "}, 200, []string{"Bearer " + person}},
		{"a person's token ending in a non-ASCII space, then a service's", "/v1/me", []string{"Bearer " + person + "\u00a0", "Bearer " + service}, 400, nil},
		{"the same on a public route", "/v1/listings/p-1", []string{"Bearer " + person + "\u00a0", "Bearer " + service}, 400, nil},
		{"two tokens", "/v1/me", []string{"Bearer " + person, "Bearer " + person}, 400, nil},
		{"a token with a control character", "/v1/me", []string{"Bearer " + person + "\x01"}, 400, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			forwarded = nil
			req := httptest.NewRequest("GET", tt.path, nil)
			for _, v := range tt.headers {
				req.Header.Add("Authorization", v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want || fmt.Sprint(forwarded) != fmt.Sprint(tt.forward) {
				t.Errorf("got %d forwarding %q, want %d forwarding %q (%s)", rec.Code, forwarded, tt.want, tt.forward, rec.Body)
			}
		})
	}
}
