package partnersim_test

import (
	"context"
	"crypto/ed25519"
	"net"
	"strconv"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

// signedAs signs one call by hand, so a test can get each part wrong.
func signedAs(clientID string, key ed25519.PrivateKey, method string, ts time.Time, nonce string, req proto.Message) context.Context {
	body, err := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	if err != nil {
		panic(err)
	}
	return metadata.AppendToOutgoingContext(context.Background(),
		auth.ClientIDHeader, clientID, auth.TimestampHeader, strconv.FormatInt(ts.Unix(), 10),
		auth.NonceHeader, nonce, auth.SignatureHeader, auth.SignRequest(key, method, ts, nonce, body))
}

// The partner side of signed calls: a partner checks every call of ours
// with Crossdock's public key, and refuses a call signed by another key,
// with a stale timestamp, a nonce used before, from a client it does not
// know, or signed for another method, as UNAUTHENTICATED, changing
// nothing.
func TestPartnerRefusesCallsNotSignedByCrossdock(t *testing.T) {
	crossdock, _ := auth.GenerateRequestKey()
	partnerKey, _ := auth.GenerateRequestKey()
	m := partnersim.NewMarket(partnersim.MarketConfig{Seed: 1})
	sim, err := partnersim.New(partnersim.Config{Code: "dh", Key: partnerKey, CrossdockClientID: "crossdock",
		CrossdockKey: crossdock.Public().(ed25519.PublicKey), Market: m})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = sim.Serve(l) }()
	t.Cleanup(sim.Stop)
	conn, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	client := partnerv1.NewMarketplaceServiceClient(conn)

	method := partnerv1.MarketplaceService_UpsertListing_FullMethodName
	req := &partnerv1.UpsertListingRequest{Listing: &partnerv1.PartnerListing{Marker: "crossdock:sku-1", SkuId: "sku-1", Title: "Teapot",
		Locale: "de", Price: &commonv1.Money{CurrencyCode: "EUR", AmountMinor: 1999}, Stock: 3}}
	used := signedAs("crossdock", crossdock, method, time.Now(), auth.NewNonce(), req)
	if _, err := client.UpsertListing(used, req); err != nil {
		t.Fatalf("a well-signed call: %v", err)
	}
	if _, err := client.WithdrawListing(signedAs("crossdock", crossdock, partnerv1.MarketplaceService_WithdrawListing_FullMethodName,
		time.Now(), auth.NewNonce(), &partnerv1.WithdrawListingRequest{Marker: "crossdock:sku-1"}), &partnerv1.WithdrawListingRequest{Marker: "crossdock:sku-1"}); err != nil {
		t.Fatalf("withdraw: %v", err)
	}
	before := m.Listings(nil)

	for name, ctx := range map[string]context.Context{
		"signed by another key":     signedAs("crossdock", partnerKey, method, time.Now(), auth.NewNonce(), req),
		"stale timestamp":           signedAs("crossdock", crossdock, method, time.Now().Add(-10*time.Minute), auth.NewNonce(), req),
		"replayed nonce":            used,
		"unknown client":            signedAs("somebody", crossdock, method, time.Now(), auth.NewNonce(), req),
		"signed for another method": signedAs("crossdock", crossdock, partnerv1.MarketplaceService_GetListings_FullMethodName, time.Now(), auth.NewNonce(), req),
		"not signed":                context.Background(),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := client.UpsertListing(ctx, req)
			if status.Code(err) != codes.Unauthenticated {
				t.Fatalf("UpsertListing = %v, want UNAUTHENTICATED", err)
			}
		})
	}
	after := m.Listings(nil)
	if len(after) != 1 || len(before) != 1 || after[0].Status != partnersim.ListingWithdrawn || after[0].Upserts != before[0].Upserts {
		t.Fatalf("refused calls changed the listings: before %+v, after %+v", before, after)
	}
}
