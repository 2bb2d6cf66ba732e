package grpcapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

// pending returns every pull request waiting in the store, due or not.
func (f *fixture) pending(t *testing.T) []app.PullRequest {
	t.Helper()
	var out []app.PullRequest
	rows, err := f.pool.Query(context.Background(), `SELECT partner_id FROM partners ORDER BY code`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewTrade(f.pool)
	for _, id := range ids {
		due, err := store.DuePullRequests(context.Background(), id, time.Now().Add(24*time.Hour), 1000)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, due...)
	}
	return out
}

func notify(orderID string, updatedAt time.Time) *partnerv1.NotifyOrderChangedRequest {
	req := &partnerv1.NotifyOrderChangedRequest{OrderId: orderID}
	if !updatedAt.IsZero() {
		req.UpdatedAt = timestamppb.New(updatedAt)
	}
	return req
}

// A verified partner's notification schedules one pull of the order,
// however often it is sent; a bad order id schedules nothing.
func TestNotifyOrderChangedSchedulesOnePull(t *testing.T) {
	f := newFixture(t)
	p := f.startPartner(t, "dh", nil)
	reg := f.verified(t, p)
	client := partnerv1.NewPartnerServiceClient(f.asPartner(t, p.clientID, p.key))
	ctx := context.Background()
	for range 2 {
		resp, err := client.NotifyOrderChanged(ctx, notify("po-000001", time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		if !resp.GetScheduled() {
			t.Error("scheduled = false, want true")
		}
	}
	got := f.pending(t)
	if len(got) != 1 || got[0].PartnerOrderID != "po-000001" || got[0].PartnerID.String() != reg.GetPartnerId() || got[0].Attempts != 0 {
		t.Fatalf("pending = %+v, want one request for po-000001", got)
	}

	for name, id := range map[string]string{"empty": "", "129 characters": strings.Repeat("x", 129), "a NUL": "po-\x00"} {
		t.Run(name, func(t *testing.T) {
			_, err := client.NotifyOrderChanged(ctx, notify(id, time.Now()))
			wantError(t, err, apperr.KindInvalid, "")
		})
	}
	if n := len(f.pending(t)); n != 1 {
		t.Errorf("%d requests pending, want 1", n)
	}
}

// What pkg/auth refuses never reaches docking, a partner that may not
// dock is told why, and nothing is scheduled either way.
func TestNotifyOrderChangedRefusals(t *testing.T) {
	f := newFixture(t)
	p := f.startPartner(t, "dh", nil)
	reg := f.verified(t, p)
	method := partnerv1.PartnerService_NotifyOrderChanged_FullMethodName
	req := notify("po-000001", time.Now())
	plain := partnerv1.NewPartnerServiceClient(dial(t, f.addr))

	replayed := rawSigned(p.clientID, p.key, method, time.Now(), auth.NewNonce(), req)
	if _, err := plain.NotifyOrderChanged(replayed, req); err != nil {
		t.Fatalf("first use of the nonce: %v", err)
	}
	before := f.pending(t)
	for name, ctx := range map[string]context.Context{
		"signed by another key": rawSigned(p.clientID, newKey(t), method, time.Now(), auth.NewNonce(), req),
		"stale timestamp":       rawSigned(p.clientID, p.key, method, time.Now().Add(-10*time.Minute), auth.NewNonce(), req),
		"replayed nonce":        replayed,
		"unknown client":        rawSigned("pc-nobody", p.key, method, time.Now(), auth.NewNonce(), req),
		"signed for another method": rawSigned(p.clientID, p.key, partnerv1.PartnerService_GetMyPartner_FullMethodName,
			time.Now(), auth.NewNonce(), req),
		"unsigned": context.Background(),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := plain.NotifyOrderChanged(ctx, req)
			wantError(t, err, apperr.KindUnauthenticated, "")
		})
	}
	// Access tokens make no one a partner.
	_, err := plain.NotifyOrderChanged(testkitAs(t, f, admin), notify("po-000002", time.Time{}))
	wantError(t, err, apperr.KindPermissionDenied, "PARTNERS_ONLY")

	other := f.startPartner(t, "fresh", nil)
	f.register(t, other)
	_, err = partnerv1.NewPartnerServiceClient(f.asPartner(t, other.clientID, other.key)).NotifyOrderChanged(context.Background(), notify("po-000003", time.Time{}))
	wantError(t, err, apperr.KindFailedPrecondition, "PARTNER_NOT_VERIFIED")

	stranger := f.startPartner(t, "stranger", nil)
	_, err = partnerv1.NewPartnerServiceClient(f.asPartner(t, stranger.clientID, stranger.key)).NotifyOrderChanged(context.Background(), notify("po-000004", time.Time{}))
	wantError(t, err, apperr.KindNotFound, "")

	admins, ctx := f.docking(t, admin)
	if _, err := admins.SuspendPartner(ctx, &dockingv1.SuspendPartnerRequest{PartnerId: reg.GetPartnerId()}); err != nil {
		t.Fatal(err)
	}
	_, err = partnerv1.NewPartnerServiceClient(f.asPartner(t, p.clientID, p.key)).NotifyOrderChanged(context.Background(), notify("po-000005", time.Time{}))
	wantError(t, err, apperr.KindPermissionDenied, "PARTNER_SUSPENDED")

	after := f.pending(t)
	if len(after) != len(before) || len(after) != 1 || after[0] != before[0] {
		t.Errorf("pending changed:\nbefore %+v\nafter  %+v", before, after)
	}
}

// market is a partner marketplace with one live listing of sku, on a
// clock an hour behind: its orders changed before docking's first pull
// window, so only a requested pull finds them.
func market(t *testing.T, sku string) *partnersim.Market {
	t.Helper()
	m := partnersim.NewMarket(partnersim.MarketConfig{Now: func() time.Time { return time.Now().Add(-time.Hour) }, Seed: 1})
	if _, err := m.UpsertListing(partnersim.ListingInput{Marker: domain.MarkerPrefix + sku, SKUID: sku, Title: "Teapot",
		Currency: "EUR", PriceMinor: 1999, Stock: 10}); err != nil {
		t.Fatal(err)
	}
	return m
}

// A scheduled pull reads the order through the partner's API and places
// it once; a notification of the version pulled schedules nothing, and
// one the partner does not know is dropped.
func TestRequestedPullPlacesTheOrder(t *testing.T) {
	f := newFixture(t)
	sku := uuid.NewString()
	m := market(t, sku)
	p := f.startPartner(t, "dh", func(c *partnersim.Config) { c.Market = m })
	reg := f.verified(t, p)
	o, err := m.PlaceOrder("buyer-1", partnersim.Address{Recipient: "Anna Weber", CountryCode: "DE", City: "Berlin", Postcode: "10115",
		Lines: []string{"Invalidenstraße 12"}}, []partnersim.ItemInput{{Marker: domain.MarkerPrefix + sku, Quantity: 2}}, true)
	if err != nil {
		t.Fatal(err)
	}
	client := partnerv1.NewPartnerServiceClient(f.asPartner(t, p.clientID, p.key))
	ctx := context.Background()
	for range 2 {
		if _, err := client.NotifyOrderChanged(ctx, notify(o.OrderID, o.UpdatedAt)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.NotifyOrderChanged(ctx, notify("po-unknown", time.Time{})); err != nil {
		t.Fatal(err)
	}
	if err := f.trade.Round(ctx); err != nil {
		t.Fatal(err)
	}
	calls := f.orders.Calls()
	if len(calls) != 1 {
		t.Fatalf("PlaceExternal calls = %+v, want one", calls)
	}
	if c := calls[0]; c.Channel != "partner:dh" || c.ExternalOrderID != o.OrderID || c.BuyerRef != "buyer-1" ||
		len(c.Lines) != 1 || c.Lines[0].SKUID != sku || c.Lines[0].Quantity != 2 {
		t.Errorf("placed %+v", c)
	}
	if got := f.pending(t); len(got) != 0 {
		t.Errorf("pending after the round = %+v, want none", got)
	}
	docking, actx := f.docking(t, admin)
	pulled, err := docking.ListPartnerOrders(actx, &dockingv1.ListPartnerOrdersRequest{PartnerId: reg.GetPartnerId()})
	if err != nil {
		t.Fatal(err)
	}
	if len(pulled.GetOrders()) != 1 || pulled.GetOrders()[0].GetState() != dockingv1.PartnerOrderState_PARTNER_ORDER_STATE_IMPORTED {
		t.Errorf("partner orders = %v, want %s imported", pulled.GetOrders(), o.OrderID)
	}

	// The version pulled, or an older one, changes nothing.
	for _, at := range []time.Time{o.UpdatedAt, o.UpdatedAt.Add(-time.Minute)} {
		resp, err := client.NotifyOrderChanged(ctx, notify(o.OrderID, at))
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetScheduled() {
			t.Errorf("a notification of %v scheduled a pull of the version pulled", at)
		}
	}
	if got := f.pending(t); len(got) != 0 {
		t.Errorf("pending = %+v, want none", got)
	}

	// A later change is pulled; the imported order is not placed again.
	cancelled, err := m.Cancel(o.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.NotifyOrderChanged(ctx, notify(o.OrderID, cancelled.UpdatedAt))
	if err != nil {
		t.Fatal(err)
	}
	if !resp.GetScheduled() {
		t.Error("a later change scheduled nothing")
	}
	if err := f.trade.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(f.orders.Calls()); n != 1 {
		t.Errorf("%d PlaceExternal calls, want 1", n)
	}
	if n := len(f.orders.Cancelled()); n != 1 {
		t.Errorf("the order cancelled on the partner was cancelled here %d times, want once", n)
	}
	if got := f.pending(t); len(got) != 0 {
		t.Errorf("pending = %+v, want none", got)
	}
}

// A partner that fails the read defers the request, as long as it asked
// when it rate limits us, and nothing is placed.
func TestRequestedPullBacksOff(t *testing.T) {
	for name, tc := range map[string]struct {
		faults             partnersim.Faults
		minDelay, maxDelay time.Duration
	}{
		"server error": {faults: partnersim.Faults{ServerError: 1}, minDelay: 50 * time.Second, maxDelay: 2 * time.Minute},
		"rate limited": {faults: partnersim.Faults{RateLimit: 1, RetryAfter: 7 * time.Second}, minDelay: 5 * time.Second, maxDelay: 30 * time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			m := partnersim.NewMarket(partnersim.MarketConfig{Faults: tc.faults, Seed: 1})
			p := f.startPartner(t, "dh", func(c *partnersim.Config) { c.Market = m })
			f.verified(t, p)
			client := partnerv1.NewPartnerServiceClient(f.asPartner(t, p.clientID, p.key))
			ctx := context.Background()
			if _, err := client.NotifyOrderChanged(ctx, notify("po-000001", time.Now())); err != nil {
				t.Fatal(err)
			}
			if err := f.trade.Round(ctx); err != nil {
				t.Fatal(err)
			}
			got := f.pending(t)
			if len(got) != 1 || got[0].Attempts != 1 || got[0].LastError == "" {
				t.Fatalf("pending = %+v, want the request deferred once", got)
			}
			if wait := time.Until(got[0].DueAt); wait < tc.minDelay || wait > tc.maxDelay {
				t.Errorf("due in %v, want %v to %v", wait, tc.minDelay, tc.maxDelay)
			}
			if n := len(f.orders.Calls()); n != 0 {
				t.Errorf("%d PlaceExternal calls, want none", n)
			}
		})
	}
}
