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

// TestBadGrpcTimeoutIsBadInput sends a Grpc-Timeout header that does not
// parse. grpc-gateway reads it (a client may shorten its own deadline), and
// its refusal used to reach the webhooks' error path with a nil context,
// which panicked; every route must answer 400 naming the header instead.
func TestBadGrpcTimeoutIsBadInput(t *testing.T) {
	recv := &webhookReceiver{}
	h := routerOver(t, func(s grpc.ServiceRegistrar) { financev1.RegisterWalletServiceServer(s, recv) })
	for _, tt := range []struct {
		name, target, body string
	}{
		{"payment-provider webhook", "/v1/webhooks/payment-provider", `{"id":"evt_1"}`},
		{"carrier webhook", "/v1/webhooks/carriers/sim", `{"waybill":"SIM1"}`},
		{"generated route", "/v1/auth/login", `{"email":"a@b.test","password":"x"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", tt.target, strings.NewReader(tt.body))
			req.Header.Set("Grpc-Timeout", "bogus")
			req.Header.Set("Content-Type", "application/json")
			rec := serveRecovering(t, h, req)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", rec.Code, rec.Body)
			}
			if got := violations(t, rec); len(got) != 1 || got[0] != "Grpc-Timeout" {
				t.Errorf("field violations %v, want [Grpc-Timeout]: %s", got, rec.Body)
			}
		})
	}
	recv.mu.Lock()
	defer recv.mu.Unlock()
	if len(recv.got) != 0 {
		t.Errorf("finance received %d deliveries with a bad Grpc-Timeout", len(recv.got))
	}
}
