package edge_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/gateway/internal/edge"
)

// BenchmarkAccessMiddleware is the gateway's per-request authentication cost:
// bearer parsing, Ed25519 verification against cached keys and the rate-limit
// lookups, for an authenticated request. Reported as verifications/s.
func BenchmarkAccessMiddleware(b *testing.B) {
	key, err := auth.NewSigningKey()
	if err != nil {
		b.Fatal(err)
	}
	a := &edge.Access{
		Verifier:    auth.NewVerifier(auth.StaticKeySource(key.JWK())),
		Public:      edge.NewRouteSet(),
		Credential:  edge.NewRouteSet(),
		PerAddress:  edge.NewLimiter(edge.Limit{Rate: 1e9, Burst: 1e9}),
		Credentials: edge.NewLimiter(edge.Limit{Rate: 1e9, Burst: 1e9}),
		PerSubject:  edge.NewLimiter(edge.Limit{Rate: 1e9, Burst: 1e9}),
	}
	token, err := auth.Sign(key, auth.Caller{Subject: "u1", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}, time.Hour, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	h := a.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest("GET", "/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "verifications/s")
}
