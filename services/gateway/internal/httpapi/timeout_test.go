package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
)

// hangingCatalog answers ListCategories only when the call's deadline
// passes, or when the test releases it: a service that hangs.
type hangingCatalog struct {
	catalogv1.UnimplementedCatalogServiceServer
	release chan struct{}
}

func (h *hangingCatalog) ListCategories(ctx context.Context, _ *catalogv1.ListCategoriesRequest) (*catalogv1.ListCategoriesResponse, error) {
	select {
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	case <-h.release:
		return nil, status.Error(codes.Unavailable, "released by the test")
	}
}

// TestHungServiceAnswers504 calls a service that never answers. Without a
// deadline of the gateway's own the request would wait as long as the
// client does; with UPSTREAM_TIMEOUT it answers 504 (DEADLINE_EXCEEDED),
// as the document promises, and a client's own Grpc-Timeout may shorten the
// wait but not lengthen it.
func TestHungServiceAnswers504(t *testing.T) {
	const timeout = 200 * time.Millisecond
	hung := &hangingCatalog{release: make(chan struct{})}
	h := routerWithTimeout(t, timeout, func(s grpc.ServiceRegistrar) { catalogv1.RegisterCatalogServiceServer(s, hung) })
	t.Cleanup(func() { close(hung.release) }) // runs before the upstream stops

	for _, tt := range []struct {
		name, grpcTimeout string
	}{
		{"no deadline of the client's", ""},
		{"a shorter deadline of the client's", "50m"},
		{"a longer deadline of the client's", "1H"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/v1/categories", nil)
			if tt.grpcTimeout != "" {
				req.Header.Set("Grpc-Timeout", tt.grpcTimeout)
			}
			rec := httptest.NewRecorder()
			done := make(chan struct{})
			go func() { defer close(done); h.ServeHTTP(rec, req) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("no answer 5s into a call to a hung service")
			}
			if rec.Code != http.StatusGatewayTimeout {
				t.Errorf("status %d, want 504: %s", rec.Code, rec.Body)
			}
		})
	}
}
