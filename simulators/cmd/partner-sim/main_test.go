package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// start runs serve with args until the test ends and returns a client of
// the address it listens on, signing as crossdock with key.
func start(t *testing.T, args []string, key ed25519.PrivateKey) *grpc.ClientConn {
	conn, _ := startWithAdmin(t, args, key)
	return conn
}

// startWithAdmin is start that also returns the admin API's base URL.
func startWithAdmin(t *testing.T, args []string, key ed25519.PrivateKey) (*grpc.ClientConn, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 2)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, args, ready) }()
	var addr, admin string
	select {
	case addr = <-ready:
		admin = <-ready
	case err := <-done:
		t.Fatalf("serve stopped at once: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("not listening within 10s")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve after a stop: %v", err)
		}
	})
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(auth.SignedUnaryClientInterceptor("crossdock", key)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, "http://" + admin
}

// The binary's wiring: keys and code from the environment, health without
// a signature, handshakes proved with the partner's key, and the faults
// from flags winning over the environment.
func TestServe(t *testing.T) {
	crossdock, _ := auth.GenerateRequestKey()
	partner, _ := auth.GenerateRequestKey()
	t.Setenv("PARTNER_SIM_ADDR", "127.0.0.1:0")
	t.Setenv("PARTNER_SIM_CODE", "demo-partner")
	t.Setenv("PARTNER_SIM_KEY", b64(partner.Seed()))
	t.Setenv("PARTNER_SIM_CROSSDOCK_KEY", b64(crossdock.Public().(ed25519.PublicKey)))
	t.Setenv("PARTNER_SIM_REFUSE", "false")
	t.Setenv("LOG_LEVEL", "error")

	conn := start(t, nil, crossdock)
	h, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil || h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health = %v, %v", h, err)
	}
	challenge := []byte("0123456789abcdef0123456789abcdef")
	resp, err := partnerv1.NewMarketplaceServiceClient(conn).Handshake(context.Background(),
		&partnerv1.HandshakeRequest{Challenge: challenge, PartnerCode: "demo-partner"})
	if err != nil {
		t.Fatal(err)
	}
	msg := append([]byte("crossdock-partner-handshake-v1\ndemo-partner\n"), challenge...)
	if !ed25519.Verify(partner.Public().(ed25519.PublicKey), msg, resp.GetProof()) {
		t.Error("the proof does not verify with the partner's key")
	}

	refusing := start(t, []string{"-refuse"}, crossdock)
	_, err = partnerv1.NewMarketplaceServiceClient(refusing).Handshake(context.Background(),
		&partnerv1.HandshakeRequest{Challenge: challenge, PartnerCode: "demo-partner"})
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("-refuse: handshake = %v, want PERMISSION_DENIED", err)
	}
}

func TestServeRefusesBadSettings(t *testing.T) {
	crossdock, _ := auth.GenerateRequestKey()
	partner, _ := auth.GenerateRequestKey()
	good := map[string]string{
		"PARTNER_SIM_CODE":          "demo-partner",
		"PARTNER_SIM_KEY":           b64(partner.Seed()),
		"PARTNER_SIM_CROSSDOCK_KEY": b64(crossdock.Public().(ed25519.PublicKey)),
	}
	tests := []struct {
		name, unset, set, value, want string
	}{
		{"no code", "PARTNER_SIM_CODE", "", "", "PARTNER_SIM_CODE"},
		{"no key", "PARTNER_SIM_KEY", "", "", "PARTNER_SIM_KEY"},
		{"no Crossdock key", "PARTNER_SIM_CROSSDOCK_KEY", "", "", "PARTNER_SIM_CROSSDOCK_KEY"},
		{"bad key", "", "PARTNER_SIM_KEY", "not-a-key", "PARTNER_SIM_KEY"},
		{"bad Crossdock key", "", "PARTNER_SIM_CROSSDOCK_KEY", "short", "PARTNER_SIM_CROSSDOCK_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range good {
				t.Setenv(k, v)
			}
			if tt.unset != "" {
				t.Setenv(tt.unset, "")
			}
			if tt.set != "" {
				t.Setenv(tt.set, tt.value)
			}
			t.Setenv("PARTNER_SIM_ADDR", "127.0.0.1:0")
			err := serve(context.Background(), nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("serve = %v, want an error naming %s", err, tt.want)
			}
			if strings.Contains(err.Error(), good["PARTNER_SIM_KEY"]) {
				t.Errorf("the error quotes the key: %v", err)
			}
		})
	}
}

// The marketplace behind the protocol: an order placed through the admin
// API is listed over gRPC, and a fault flag reaches the calls.
func TestServeMarket(t *testing.T) {
	crossdock, _ := auth.GenerateRequestKey()
	partner, _ := auth.GenerateRequestKey()
	t.Setenv("PARTNER_SIM_ADDR", "127.0.0.1:0")
	t.Setenv("PARTNER_SIM_CODE", "demo-partner")
	t.Setenv("PARTNER_SIM_KEY", b64(partner.Seed()))
	t.Setenv("PARTNER_SIM_CROSSDOCK_KEY", b64(crossdock.Public().(ed25519.PublicKey)))
	t.Setenv("PARTNER_SIM_REVIEW_DELAY", "0s")
	t.Setenv("PARTNER_SIM_VISIBILITY_LAG", "0s")
	t.Setenv("LOG_LEVEL", "error")
	ctx := context.Background()

	conn, admin := startWithAdmin(t, nil, crossdock)
	c := partnerv1.NewMarketplaceServiceClient(conn)
	_, err := c.UpsertListing(ctx, &partnerv1.UpsertListingRequest{Listing: &partnerv1.PartnerListing{
		Marker: "crossdock:sku-1", Title: "Teapot", Price: &commonv1.Money{CurrencyCode: "EUR", AmountMinor: 1999}, Stock: 5}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(admin+"/admin/orders", "application/json",
		strings.NewReader(`{"buyer":"anna","items":[{"marker":"crossdock:sku-1","quantity":1}],"paid":true}`))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("admin order = %v, %v", resp, err)
	}
	resp.Body.Close()
	orders, err := c.ListOrders(ctx, &partnerv1.ListOrdersRequest{})
	if err != nil || len(orders.GetOrders()) != 1 || orders.GetOrders()[0].GetTotal().GetAmountMinor() != 1999 {
		t.Fatalf("ListOrders = %v, %v", orders, err)
	}

	limited := partnerv1.NewMarketplaceServiceClient(start(t, []string{"-rate-limit", "1", "-retry-after", "4s"}, crossdock))
	var trailer metadata.MD
	_, err = limited.GetListings(ctx, &partnerv1.GetListingsRequest{}, grpc.Trailer(&trailer))
	if status.Code(err) != codes.ResourceExhausted || strings.Join(trailer.Get("retry-after"), ",") != "4" {
		t.Errorf("-rate-limit 1: %v, retry-after %v", err, trailer.Get("retry-after"))
	}
}

func TestAdminAddr(t *testing.T) {
	tests := []struct{ addr, admin, want string }{
		{"127.0.0.1:9302", "", "127.0.0.1:9402"},
		{"127.0.0.1:0", "", "127.0.0.1:0"},
		{"127.0.0.1:9302", "127.0.0.1:7000", "127.0.0.1:7000"},
	}
	for _, tt := range tests {
		got, err := Config{Addr: tt.addr, AdminAddr: tt.admin}.adminAddr()
		if err != nil || got != tt.want {
			t.Errorf("adminAddr(%s, %q) = %s, %v; want %s", tt.addr, tt.admin, got, err, tt.want)
		}
	}
}

// With a webhook address the binary notifies Crossdock of order changes,
// signed as its own API client.
func TestServeWebhooks(t *testing.T) {
	crossdock, _ := auth.GenerateRequestKey()
	partner, _ := auth.GenerateRequestKey()
	got := make(chan string, 10)
	keys := func(_ context.Context, clientID string) (auth.APIClient, error) {
		if clientID != "pc-demo" {
			return auth.APIClient{}, apperr.NotFound("client", clientID)
		}
		return auth.APIClient{Keys: []ed25519.PublicKey{partner.Public().(ed25519.PublicKey)}, Roles: []string{auth.RolePartner}}, nil
	}
	g := grpc.NewServer(grpc.ChainUnaryInterceptor(auth.SignedUnaryServerInterceptor(&auth.RequestVerifier{Keys: keys, Nonces: auth.NewMemoryNonceStore()})))
	partnerv1.RegisterPartnerServiceServer(g, &notified{got: got})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = g.Serve(l) }()
	t.Cleanup(g.Stop)

	t.Setenv("PARTNER_SIM_ADDR", "127.0.0.1:0")
	t.Setenv("PARTNER_SIM_CODE", "demo-partner")
	t.Setenv("PARTNER_SIM_KEY", b64(partner.Seed()))
	t.Setenv("PARTNER_SIM_CROSSDOCK_KEY", b64(crossdock.Public().(ed25519.PublicKey)))
	t.Setenv("PARTNER_SIM_WEBHOOK_ADDR", l.Addr().String())
	t.Setenv("LOG_LEVEL", "error")
	t.Setenv("PARTNER_SIM_CLIENT_ID", "pc-demo")
	_, admin := startWithAdmin(t, []string{"-duplicate-webhooks", "1"}, crossdock)
	resp, err := http.Post(admin+"/admin/orders", "application/json", strings.NewReader(`{"buyer":"anna","items":[{"quantity":1}]}`))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("admin order = %v, %v", resp, err)
	}
	resp.Body.Close()
	for range 2 { // -duplicate-webhooks 1 sends it twice
		select {
		case id := <-got:
			if id == "" {
				t.Error("a notification without an order id")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no notification within 5s")
		}
	}
}

// notified records the order ids of NotifyOrderChanged calls.
type notified struct {
	partnerv1.UnimplementedPartnerServiceServer
	got chan<- string
}

func (n *notified) NotifyOrderChanged(_ context.Context, req *partnerv1.NotifyOrderChangedRequest) (*partnerv1.NotifyOrderChangedResponse, error) {
	n.got <- req.GetOrderId()
	return &partnerv1.NotifyOrderChangedResponse{Scheduled: true}, nil
}
