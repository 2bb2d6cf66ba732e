package partnersim_test

import (
	"context"
	"crypto/ed25519"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

// serveMarket serves m over gRPC on loopback and returns a client signing
// as Crossdock.
func serveMarket(t *testing.T, m *partnersim.Market) partnerv1.MarketplaceServiceClient {
	t.Helper()
	crossdock, _ := auth.GenerateRequestKey()
	partnerKey, _ := auth.GenerateRequestKey()
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
	conn, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(auth.SignedUnaryClientInterceptor("crossdock", crossdock)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return partnerv1.NewMarketplaceServiceClient(conn)
}

// Orders page through tokens, an undocumented status arrives as its
// number, and the marketplace's errors arrive as the protocol's codes.
func TestMarketplaceOverGRPC(t *testing.T) {
	clk := newClock()
	m := liveMarket(t, clk, partnersim.MarketConfig{Faults: partnersim.Faults{UnknownStatus: 1}}, 1)
	var second string
	for i := range 3 {
		if o := place(t, m, 0); i == 1 {
			second = o.OrderID
		}
		clk.Advance(time.Second)
	}
	c := serveMarket(t, m)
	ctx := context.Background()
	var statuses []partnerv1.OrderStatus
	token := ""
	for pages := 1; ; pages++ {
		resp, err := c.ListOrders(ctx, &partnerv1.ListOrdersRequest{UpdatedTo: timestamppb.New(clk.Now()), PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range resp.GetOrders() {
			statuses = append(statuses, o.GetStatus())
		}
		if token = resp.GetNextPageToken(); token == "" {
			if pages != 2 {
				t.Errorf("%d pages, want 2", pages)
			}
			break
		}
	}
	if len(statuses) != 3 || statuses[0] != 77 {
		t.Errorf("statuses %v, want three of 77", statuses)
	}
	resp, err := c.GetOrder(ctx, &partnerv1.GetOrderRequest{OrderId: second})
	if err != nil || resp.GetOrder().GetStatus() != partnerv1.OrderStatus_ORDER_STATUS_PAID {
		t.Errorf("GetOrder = %v, %v", resp, err)
	}
	tests := []struct {
		name string
		call func() error
		want codes.Code
	}{
		{"an unknown order", func() error {
			_, err := c.GetOrder(ctx, &partnerv1.GetOrderRequest{OrderId: "po-nope"})
			return err
		}, codes.NotFound},
		{"a bad page token", func() error {
			_, err := c.ListOrders(ctx, &partnerv1.ListOrdersRequest{PageToken: "x"})
			return err
		}, codes.InvalidArgument},
		{"a listing without a title", func() error {
			_, err := c.UpsertListing(ctx, &partnerv1.UpsertListingRequest{Listing: &partnerv1.PartnerListing{Marker: "crossdock:x"}})
			return err
		}, codes.InvalidArgument},
		{"a confirmed item under another waybill", func() error {
			if _, err := c.ConfirmShipment(ctx, &partnerv1.ConfirmShipmentRequest{OrderId: second, CarrierCode: "dhl", Waybill: "A"}); err != nil {
				return err
			}
			_, err := c.ConfirmShipment(ctx, &partnerv1.ConfirmShipmentRequest{OrderId: second, CarrierCode: "dhl", Waybill: "B"})
			return err
		}, codes.AlreadyExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := status.Code(tt.call()); got != tt.want {
				t.Errorf("code %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFaultsOverGRPC(t *testing.T) {
	tests := []struct {
		name      string
		faults    partnersim.Faults
		want      codes.Code
		wantRetry string
	}{
		{"rate limited", partnersim.Faults{RateLimit: 1, RetryAfter: 2500 * time.Millisecond}, codes.ResourceExhausted, "3"},
		{"server error", partnersim.Faults{ServerError: 1}, codes.Unavailable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := serveMarket(t, partnersim.NewMarket(partnersim.MarketConfig{Faults: tt.faults}))
			var trailer metadata.MD
			_, err := c.GetListings(context.Background(), &partnerv1.GetListingsRequest{}, grpc.Trailer(&trailer))
			if status.Code(err) != tt.want || firstOf(trailer.Get("retry-after")) != tt.wantRetry {
				t.Errorf("= %v, retry-after %q; want %v, %q", err, trailer.Get("retry-after"), tt.want, tt.wantRetry)
			}
		})
	}
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// Payouts page through tokens within their window.
func TestPayoutsOverGRPC(t *testing.T) {
	clk := newClock()
	m := liveMarket(t, clk, partnersim.MarketConfig{}, 1)
	from := clk.Now()
	for range 3 {
		o := place(t, m, 0)
		if _, err := m.ConfirmShipment(o.OrderID, nil, "dhl", "WB-"+o.OrderID); err != nil {
			t.Fatal(err)
		}
		m.PayOut()
		clk.Advance(time.Minute)
	}
	c := serveMarket(t, m)
	var got []*partnerv1.Payout
	token := ""
	for pages := 1; ; pages++ {
		resp, err := c.ListPayouts(context.Background(), &partnerv1.ListPayoutsRequest{PaidFrom: timestamppb.New(from.Add(time.Minute)),
			PaidTo: timestamppb.New(clk.Now()), PageSize: 1, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, resp.GetPayouts()...)
		if token = resp.GetNextPageToken(); token == "" {
			if pages != 2 {
				t.Errorf("%d pages, want 2", pages)
			}
			break
		}
	}
	if len(got) != 2 || !got[0].GetPaidAt().AsTime().Equal(from.Add(time.Minute)) || got[1].GetAmount().GetAmountMinor() != 1999 ||
		got[1].GetAmount().GetCurrencyCode() != "EUR" || got[0].GetPayoutId() == got[1].GetPayoutId() {
		t.Errorf("payouts %v, want the second and third", got)
	}
}
