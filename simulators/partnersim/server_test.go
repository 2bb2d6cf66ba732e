package partnersim_test

import (
	"context"
	"crypto/ed25519"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

// The simulator answers only Crossdock's signed calls, and only for its
// own code.
func TestHandshakeNeedsCrossdocksSignature(t *testing.T) {
	crossdock, _ := auth.GenerateRequestKey()
	partnerKey, _ := auth.GenerateRequestKey()
	sim, err := partnersim.New(partnersim.Config{Code: "dh", Key: partnerKey, CrossdockClientID: "crossdock",
		CrossdockKey: crossdock.Public().(ed25519.PublicKey)})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = sim.Serve(l) }()
	t.Cleanup(sim.Stop)
	client := func(clientID string, key ed25519.PrivateKey) partnerv1.MarketplaceServiceClient {
		conn, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithChainUnaryInterceptor(auth.SignedUnaryClientInterceptor(clientID, key)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return partnerv1.NewMarketplaceServiceClient(conn)
	}
	challenge := make([]byte, 32)
	tests := []struct {
		name   string
		client partnerv1.MarketplaceServiceClient
		code   string
		want   codes.Code
	}{
		{"crossdock", client("crossdock", crossdock), "dh", codes.OK},
		{"another key", client("crossdock", partnerKey), "dh", codes.Unauthenticated},
		{"another client", client("someone", crossdock), "dh", codes.Unauthenticated},
		{"another code", client("crossdock", crossdock), "other", codes.PermissionDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.client.Handshake(context.Background(), &partnerv1.HandshakeRequest{Challenge: challenge, PartnerCode: tt.code})
			if status.Code(err) != tt.want {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if err == nil && len(resp.GetProof()) != ed25519.SignatureSize {
				t.Errorf("proof of %d bytes", len(resp.GetProof()))
			}
		})
	}
}
