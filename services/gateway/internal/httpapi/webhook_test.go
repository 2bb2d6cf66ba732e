package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/services/gateway/internal/httpapi"
)

// webhookReceiver stands in for finance's webhook method: it records what
// arrived and answers as told.
type webhookReceiver struct {
	financev1.UnimplementedWalletServiceServer
	mu       sync.Mutex
	got      []*financev1.HandleProviderWebhookRequest
	response error
}

func (r *webhookReceiver) HandleProviderWebhook(_ context.Context, req *financev1.HandleProviderWebhookRequest) (*financev1.HandleProviderWebhookResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, req)
	if r.response != nil {
		return nil, r.response
	}
	return &financev1.HandleProviderWebhookResponse{Applied: true}, nil
}

func TestProviderWebhookPassesTheRawBodyAndSignature(t *testing.T) {
	recv := &webhookReceiver{}
	h := routerOver(t, func(s grpc.ServiceRegistrar) { financev1.RegisterWalletServiceServer(s, recv) })
	if !httpapi.PublicRoutes.Match("POST", "/v1/webhooks/payment-provider") {
		t.Error("the webhook route asks for an access token")
	}

	// Spacing and key order a JSON re-encoding would change.
	body := "{\"type\":\"payment_intent.succeeded\",  \"id\":\"evt_1\"}\n"
	tests := []struct {
		name     string
		response error
		want     int
	}{
		{"applied", nil, http.StatusOK},
		{"bad signature", status.Error(codes.PermissionDenied, "bad webhook signature"), http.StatusForbidden},
		{"finance down", status.Error(codes.Unavailable, "down"), http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		recv.mu.Lock()
		recv.response, recv.got = tt.response, nil
		recv.mu.Unlock()
		req := httptest.NewRequest("POST", "/v1/webhooks/payment-provider", strings.NewReader(body))
		req.Header.Set("Sandbox-Signature", "t=1,v1=abc")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("%s: status %d, want %d: %s", tt.name, rec.Code, tt.want, rec.Body)
		}
		recv.mu.Lock()
		if len(recv.got) != 1 || string(recv.got[0].GetPayload()) != body || recv.got[0].GetSignature() != "t=1,v1=abc" {
			t.Errorf("%s: finance received %v", tt.name, recv.got)
		}
		recv.mu.Unlock()
	}
}
