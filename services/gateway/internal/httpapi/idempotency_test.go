package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
)

// topUpRecorder stands in for finance's CreateTopUp: it records the
// idempotency keys each call arrived with.
type topUpRecorder struct {
	financev1.UnimplementedWalletServiceServer
	mu   sync.Mutex
	keys [][]string
}

func (r *topUpRecorder) CreateTopUp(ctx context.Context, _ *financev1.CreateTopUpRequest) (*financev1.CreateTopUpResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys = append(r.keys, metadata.ValueFromIncomingContext(ctx, "idempotency-key"))
	return &financev1.CreateTopUpResponse{}, nil
}

// TestIdempotencyKeyHeaderIsCheckedAtTheEdge sends Idempotency-Key headers
// the services would not see as sent: grpc-gateway drops a value that is not
// printable ASCII and the services read two values as no key, so the command
// would run again on a retry. They answer 400 naming the header, and never
// reach the service; a usable key reaches it once, as sent.
func TestIdempotencyKeyHeaderIsCheckedAtTheEdge(t *testing.T) {
	rec := &topUpRecorder{}
	h := routerOver(t, func(s grpc.ServiceRegistrar) { financev1.RegisterWalletServiceServer(s, rec) })
	for _, tt := range []struct {
		name   string
		values []string
		want   int
		desc   string
	}{
		{"none", nil, http.StatusOK, ""},
		{"one printable key", []string{"top-up 2026-03-02/0001"}, http.StatusOK, ""},
		{"the longest key", []string{strings.Repeat("k", 128)}, http.StatusOK, ""},
		{"non-ASCII", []string{"clé-de-recharge"}, http.StatusBadRequest, "must be printable ASCII"},
		{"a control character", []string{"top\tup"}, http.StatusBadRequest, "must be printable ASCII"},
		{"sent twice", []string{"a", "b"}, http.StatusBadRequest, "is given more than once"},
		{"sent twice alike", []string{"a", "a"}, http.StatusBadRequest, "is given more than once"},
		{"too long", []string{strings.Repeat("k", 129)}, http.StatusBadRequest, "must be at most 128 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec.mu.Lock()
			rec.keys = nil
			rec.mu.Unlock()
			req := httptest.NewRequest("POST", "/v1/wallet/top-ups", strings.NewReader(`{"amount":{"currencyCode":"EUR","amountMinor":"5000"}}`))
			for _, v := range tt.values {
				req.Header.Add("Idempotency-Key", v)
			}
			resp := serveRecovering(t, h, req)
			if resp.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.Code, tt.want, resp.Body)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if tt.want != http.StatusOK {
				if got := violations(t, resp); len(got) != 1 || got[0] != "Idempotency-Key" || !strings.Contains(resp.Body.String(), tt.desc) {
					t.Errorf("violations %v in %s, want Idempotency-Key: %s", got, resp.Body, tt.desc)
				}
				if len(rec.keys) != 0 {
					t.Errorf("finance was called with keys %v", rec.keys)
				}
				return
			}
			if len(rec.keys) != 1 || strings.Join(rec.keys[0], "|") != strings.Join(tt.values, "|") {
				t.Errorf("finance got keys %q, want %q", rec.keys, tt.values)
			}
		})
	}
}
