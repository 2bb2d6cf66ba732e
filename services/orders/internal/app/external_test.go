package app_test

import (
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

var docking = auth.Caller{Subject: "platform-docking", Kind: auth.KindService, Roles: []string{auth.RoleService}}

// A page of partner orders is answered order by order: new ones placed
// once (a partner order listed twice too), one placed before replayed, one
// with a SKU not on sale or not enough stock refused alone (the latter
// keeping what it could hold for its retry), and an orders.order.paid per
// new order; a lookup answers an order placed before and places none.
func TestExternalOrdersArePlacedAPageAtATime(t *testing.T) {
	s := newSaga(t)
	to := &domain.Address{Recipient: "Kim", Country: "DE", City: "Berlin", Lines: []string{"Allee 1"}}
	order := func(id string, lines ...domain.CartLine) app.ExternalOrderInput {
		return app.ExternalOrderInput{Channel: "partner:dh", ExternalOrderID: id, BuyerRef: "kim", Lines: lines, Address: to}
	}
	before, _, err := s.svc.PlaceExternalOrder(ctx, docking, order("DH-1", line(s.phone, 1)))
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(in app.ExternalOrderInput) app.ExternalOrderInput { in.ExistingOnly = true; return in }
	unknown := domain.SKU{ID: uuid.New()}
	page := []app.ExternalOrderInput{
		order("DH-1", line(s.phone, 1)),                    // placed before
		order("DH-2", line(s.phone, 2), line(s.scarf, 1)),  // two suppliers
		order("DH-3", line(unknown, 1)),                    // not a SKU of ours
		order("DH-4", line(s.scarf, 1), line(s.phone, 50)), // more phones than there are
		order("DH-2", line(s.phone, 2), line(s.scarf, 1)),  // listed twice
		{Channel: "own", ExternalOrderID: "DH-5", BuyerRef: "kim", Lines: []domain.CartLine{line(s.code, 1)}},
		lookup(order("DH-1", line(s.phone, 1))), // looked up: placed before
		lookup(order("DH-9", line(s.phone, 1))), // looked up: never placed
	}
	res, err := s.svc.PlaceExternalOrders(ctx, docking, page)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(page) {
		t.Fatalf("%d answers for %d orders", len(res), len(page))
	}
	if r := res[0]; r.Err != nil || !r.Replayed || r.Order.ID != before.ID {
		t.Errorf("placed before: %+v", r)
	}
	if r := res[1]; r.Err != nil || r.Replayed || len(r.Order.SubOrders) != 2 || r.Order.Status != domain.Paid {
		t.Errorf("new: %+v", r)
	}
	if apperr.KindOf(res[2].Err) != apperr.KindInvalid && apperr.KindOf(res[2].Err) != apperr.KindNotFound {
		t.Errorf("unknown SKU: %v", res[2].Err)
	}
	wantKind(t, res[3].Err, apperr.KindFailedPrecondition, "INSUFFICIENT_STOCK")
	if r := res[4]; r.Err != nil || !r.Replayed || r.Order.ID != res[1].Order.ID {
		t.Errorf("listed twice: %+v", r)
	}
	if apperr.KindOf(res[5].Err) != apperr.KindInvalid {
		t.Errorf("not a partner channel: %v", res[5].Err)
	}
	if r := res[6]; r.Err != nil || !r.Replayed || r.Order.ID != before.ID {
		t.Errorf("looked up, placed before: %+v", r)
	}
	wantKind(t, res[7].Err, apperr.KindNotFound, "EXTERNAL_ORDER_NOT_PLACED")
	// Phones: 10 - 1 (DH-1) - 2 (DH-2); scarves: 10 - 1 (DH-2) - 1 (DH-4's,
	// held for its retry); nothing for DH-9, only looked up.
	if s.w.stock[s.phone.ID] != 7 || s.w.stock[s.scarf.ID] != 8 {
		t.Errorf("stock: phones %d, scarves %d", s.w.stock[s.phone.ID], s.w.stock[s.scarf.ID])
	}
	if n := s.outboxCount(t, app.SubjectOrderPaid); n != 2 {
		t.Errorf("%d orders.order.paid, want 2 (DH-1, DH-2)", n)
	}
	for _, id := range []string{"DH-3", "DH-4", "DH-9"} {
		if _, err := s.store.GetOrder(ctx, domain.OrderID("partner:dh", "", id), false); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("%s stored: %v", id, err)
		}
	}

	// A failing inventory fails the page and stores nothing.
	s.w.inventoryDown = true
	if _, err := s.svc.PlaceExternalOrders(ctx, docking, []app.ExternalOrderInput{order("DH-6", line(s.phone, 1))}); apperr.KindOf(err) != apperr.KindUnavailable {
		t.Errorf("inventory down: %v", err)
	}
	s.w.inventoryDown = false

	too := make([]app.ExternalOrderInput, app.MaxExternalOrders+1)
	for i := range too {
		too[i] = order(fmt.Sprintf("DH-X%d", i), line(s.phone, 1))
	}
	_, err = s.svc.PlaceExternalOrders(ctx, docking, too)
	wantKind(t, err, apperr.KindInvalid, "")
	_, err = s.svc.PlaceExternalOrders(ctx, buyer(), page[:1])
	wantKind(t, err, apperr.KindPermissionDenied, "SERVICES_ONLY")
}

// A partner order cannot change its id, so neither can its sub-orders'
// holds: one refused because one of its sub-orders is short of stock keeps
// what the others hold, and its retry after a restock is placed (with the
// same holds, not twice the stock) instead of being refused for good.
func TestAPartnerOrderShortOfStockIsPlacedOnItsRetryAfterARestock(t *testing.T) {
	s := newSaga(t)
	svc := app.New(s.store, s.w.peers(), app.Config{PaymentTimeout: timeout, PaymentSettle: time.Minute, AutoComplete: 7 * 24 * time.Hour,
		FulfilmentHold: 720 * time.Hour})
	svc.SetClock(func() time.Time { return s.at })
	in := app.ExternalOrderInput{Channel: "partner:dh", ExternalOrderID: "DH-70", BuyerRef: "kim", Lines: []domain.CartLine{line(s.phone, 1), line(s.scarf, 12)},
		Address: &domain.Address{Recipient: "Kim", Country: "DE", City: "Berlin", Lines: []string{"Allee 1"}}}
	_, _, err := svc.PlaceExternalOrder(ctx, docking, in)
	wantKind(t, err, apperr.KindFailedPrecondition, "INSUFFICIENT_STOCK")
	if s.w.stock[s.phone.ID] != 9 {
		t.Errorf("phones %d after the refusal, want 9: the phone's hold kept for the retry", s.w.stock[s.phone.ID])
	}
	s.at = s.at.Add(time.Hour)
	s.w.stock[s.scarf.ID] += 5 // restocked
	o, replayed, err := svc.PlaceExternalOrder(ctx, docking, in)
	if err != nil || replayed || o.Status != domain.Paid || len(o.SubOrders) != 2 {
		t.Fatalf("the retry after the restock = %+v, replayed %v, %v; want placed", o.Status, replayed, err)
	}
	if s.w.stock[s.phone.ID] != 9 || s.w.stock[s.scarf.ID] != 3 {
		t.Errorf("stock phones %d, scarves %d; want 9 and 3", s.w.stock[s.phone.ID], s.w.stock[s.scarf.ID])
	}
	for _, sub := range o.SubOrders {
		if r := s.w.reserved[sub.ID]; r == nil || r.status != "active" {
			t.Errorf("sub-order %s's stock: %+v, want held", sub.ID, r)
		}
	}
}

// A partner order is priced at what the partner sold it for, so its goods
// are what the partner's settlement pays even when that is not our price;
// a price that cannot be one (none for a line, another currency than the
// SKU's, not above zero) refuses the order by field, holding nothing.
func TestAPartnerOrderIsPricedAtThePartnersPrices(t *testing.T) {
	s := newSaga(t)
	to := &domain.Address{Recipient: "Kim", Country: "DE", City: "Berlin", Lines: []string{"Allee 1"}}
	order := func(id string, prices ...money.Money) app.ExternalOrderInput {
		return app.ExternalOrderInput{Channel: "partner:dh", ExternalOrderID: id, BuyerRef: "kim", Address: to,
			Lines: []domain.CartLine{line(s.phone, 2), line(s.scarf, 1), line(s.phone, 1)}, UnitPrices: prices}
	}
	usd := func(n int64) money.Money { return money.MustNew(n, "USD") }
	o, _, err := s.svc.PlaceExternalOrder(ctx, docking, order("DH-P1", usd(9500), usd(3100), usd(9900)))
	if err != nil {
		t.Fatal(err)
	}
	goods := map[uuid.UUID]int64{}
	prices := map[uuid.UUID][]int64{}
	for _, sub := range o.SubOrders {
		goods[sub.SupplierID] = sub.Goods.Amount
		for _, l := range sub.Lines {
			prices[sub.SupplierID] = append(prices[sub.SupplierID], l.UnitPrice.Amount)
		}
	}
	if goods[s.gadgets] != 2*9500+9900 || goods[s.linen] != 3100 || !slices.Equal(prices[s.gadgets], []int64{9500, 9900}) || !slices.Equal(prices[s.linen], []int64{3100}) {
		t.Errorf("goods %v, unit prices %v; want the phones at 9500 and 9900, the scarf at 3100", goods, prices)
	}
	if o.Total != 2*9500+9900+3100 || o.Currency != "USD" || o.SubOrders[0].BuyerAmount != o.SubOrders[0].Goods.Amount {
		t.Errorf("total %d %s, first sub-order's buyer amount %d; want what the partner's buyer paid for our goods", o.Total, o.Currency, o.SubOrders[0].BuyerAmount)
	}
	stored, err := s.store.GetOrder(ctx, o.ID, false)
	if err != nil || stored.SubOrders[0].Goods.Amount+stored.SubOrders[1].Goods.Amount != 2*9500+9900+3100 {
		t.Errorf("stored %+v, %v", stored.SubOrders, err)
	}

	// A SKU priced in euros, bought alongside in euros: each price in its
	// SKU's currency, but a partner's order is paid in one.
	mug := domain.SKU{ID: uuid.New(), ProductID: uuid.New(), SupplierID: uuid.New(), Type: domain.Physical, WeightG: 300,
		Price: money.MustNew(1200, "EUR"), OriginCountry: "DE", OnSale: true}
	s.w.skus[mug.ID], s.w.stock[mug.ID] = mug, 10
	mixed := order("DH-mixed", usd(9500), usd(3100), usd(9900))
	mixed.Lines, mixed.UnitPrices = append(mixed.Lines, line(mug, 1)), append(mixed.UnitPrices, money.MustNew(1100, "EUR"))
	_, _, err = s.svc.PlaceExternalOrder(ctx, docking, mixed)
	if got := testkit.Fields(t, err); !slices.Equal(got, []string{"unit_prices"}) {
		t.Errorf("prices in two currencies: %v; want a violation of unit_prices", got)
	}

	for _, tc := range []struct {
		name   string
		prices []money.Money
		field  string
	}{
		{"one short", []money.Money{usd(9500), usd(3100)}, "unit_prices"},
		{"another currency", []money.Money{usd(9500), money.MustNew(3100, "EUR"), usd(9900)}, "unit_prices[1].currency_code"},
		{"zero", []money.Money{usd(9500), usd(3100), usd(0)}, "unit_prices[2].amount_minor"},
		// Two phones at 2^62 overflow the sub-order's goods: before, INTERNAL.
		{"past any price", []money.Money{usd(1 << 62), usd(3100), usd(9900)}, "unit_prices[0].amount_minor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			phones, scarves := s.w.stock[s.phone.ID], s.w.stock[s.scarf.ID]
			_, _, err := s.svc.PlaceExternalOrder(ctx, docking, order("DH-"+tc.name, tc.prices...))
			if got := testkit.Fields(t, err); !slices.Equal(got, []string{tc.field}) {
				t.Fatalf("violations %v; want one of %s", got, tc.field)
			}
			if s.w.stock[s.phone.ID] != phones || s.w.stock[s.scarf.ID] != scarves {
				t.Errorf("stock moved: phones %d → %d, scarves %d → %d", phones, s.w.stock[s.phone.ID], scarves, s.w.stock[s.scarf.ID])
			}
		})
	}
}

// partnerOrderHeld places a partner order of one scarf through a service
// whose fulfilment hold lasts hold.
func (s *saga) partnerOrderHeld(t *testing.T, hold time.Duration, externalID string) (*app.Service, domain.Order) {
	t.Helper()
	svc := app.New(s.store, s.w.peers(), app.Config{PaymentTimeout: timeout, PaymentSettle: time.Minute, AutoComplete: 7 * 24 * time.Hour,
		FulfilmentHold: hold})
	svc.SetClock(func() time.Time { return s.at })
	in := app.ExternalOrderInput{Channel: "partner:dh", ExternalOrderID: externalID, BuyerRef: "kim", Lines: []domain.CartLine{line(s.scarf, 1)},
		Address: &domain.Address{Recipient: "Kim", Country: "DE", City: "Berlin", Lines: []string{"Allee 1"}}}
	o, _, err := svc.PlaceExternalOrder(ctx, docking, in)
	if err != nil {
		t.Fatal(err)
	}
	return svc, o
}

// A partner order's sub-order its supplier never ships is cancelled when
// its stock hold ends, by inventory's expiry event or, that event lost, by
// the hold's check, which placing the order schedules as a paid checkout
// does. Before, a partner order had no check: with the event lost it stayed
// paid for ever, holding no stock.
func TestAnUnshippedPartnerOrderIsCancelledWhenItsHoldEndsWithoutTheEvent(t *testing.T) {
	s := newSaga(t)
	hold := 72 * time.Hour
	svc, o := s.partnerOrderHeld(t, hold, "DH-71")
	sub := o.SubOrders[0]
	if at, ok := s.due(t, app.TaskHoldLapsed, sub.ID); !ok || at.Before(s.at.Add(hold)) {
		t.Fatalf("the hold's check is due at %v (scheduled %v), want after the hold ends at %v", at, ok, s.at.Add(hold))
	}
	s.at = s.at.Add(hold + time.Hour) // inventory's expiry event never came
	if _, err := svc.RunTasks(ctx, 100, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if st := s.subStatus(t, o.ID, sub.ID); st != domain.Cancelled {
		t.Errorf("the unshipped partner sub-order is %s once its hold ended, want cancelled", st)
	}
}

// A sub-order whose parcel logistics booked, but whose booking orders never
// recorded (the supplier's call lost its answer and the booking's event is
// behind), is recorded as shipped when its hold's check runs, not cancelled
// and refunded while the carrier carries the goods. Before, the check
// cancelled it without asking logistics.
func TestTheHoldsCheckRecordsAParcelBookedUnrecorded(t *testing.T) {
	s := newSaga(t)
	hold := 72 * time.Hour
	svc, o := s.partnerOrderHeld(t, hold, "DH-72")
	sub := o.SubOrders[0]
	s.w.ship(app.ShipInput{Order: o, SubOrder: sub}) // booked at logistics; orders heard nothing
	s.at = s.at.Add(hold + time.Hour)
	if _, err := svc.RunTasks(ctx, 100, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if st := s.subStatus(t, o.ID, sub.ID); st != domain.Shipped {
		t.Errorf("the sub-order whose parcel was booked is %s once its hold ended, want shipped", st)
	}
}

// A partner order its buyer cancelled on the partner's platform is
// cancelled by the channel's service (docking): its stock is released and
// nothing is refunded (its money never reached a wallet). A service
// cancels no order of our own store: to it, one is not found. Before, only
// an admin could cancel a partner order, and docking could only flag it.
func TestTheChannelCancelsAPartnerOrderAndNoOther(t *testing.T) {
	s := newSaga(t)
	in := app.ExternalOrderInput{Channel: "partner:dh", ExternalOrderID: "DH-81", BuyerRef: "kim", Lines: []domain.CartLine{line(s.scarf, 2)},
		Address: &domain.Address{Recipient: "Kim", Country: "DE", City: "Berlin", Lines: []string{"Allee 1"}}}
	o, _, err := s.svc.PlaceExternalOrder(ctx, docking, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.w.stock[s.scarf.ID]; got != 8 {
		t.Fatalf("stock once placed = %d, want 8", got)
	}
	cancelled, err := s.svc.CancelOrder(ctx, docking, o.ID, "cancelled on the partner")
	if err != nil {
		t.Fatal(err)
	}
	if cancelled.Status != domain.Cancelled || cancelled.CancelReason != "channel_request: cancelled on the partner" {
		t.Errorf("order %s (%q), want cancelled at the channel's request", cancelled.Status, cancelled.CancelReason)
	}
	s.run(t)
	if got := s.w.stock[s.scarf.ID]; got != 10 {
		t.Errorf("stock after the cancel = %d, want the 2 back (10)", got)
	}
	if n := len(s.w.refunds); n != 0 {
		t.Errorf("%d refunds of a partner order, want none", n)
	}

	ann := s.buyer(100_000)
	own := s.checkout(t, ann, line(s.phone, 1))
	if _, err := s.svc.CancelOrder(ctx, docking, own.ID, ""); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("a service cancelling an own-store order: %v, want NotFound", err)
	}
	if st := s.subStatus(t, own.ID, own.SubOrders[0].ID); st != domain.PendingPayment {
		t.Errorf("the own-store order is %s, want untouched", st)
	}
}

// A partner order one of whose sub-orders is short of stock while another's
// hold failed for now (inventory busy) keeps what its third sub-order
// holds: the passing failure is no reason to give the holds back, and the
// order's retry needs them. Before, the order's first error (stock short)
// was taken for the reason, and the third hold was released, refusing the
// order's every retry for good.
func TestAPartnerOrderShortOfStockAndBusyKeepsItsHolds(t *testing.T) {
	s := newSaga(t)
	to := &domain.Address{Recipient: "Kim", Country: "DE", City: "Berlin", Lines: []string{"Allee 1"}}
	order := func(id string, lines ...domain.CartLine) app.ExternalOrderInput {
		return app.ExternalOrderInput{Channel: "partner:dh", ExternalOrderID: id, BuyerRef: "kim", Lines: lines, Address: to}
	}
	// The sub-orders' order, as the holds are asked.
	probe, _, err := s.svc.PlaceExternalOrder(ctx, docking, order("DH-probe", line(s.phone, 1), line(s.code, 1), line(s.scarf, 1)))
	if err != nil {
		t.Fatal(err)
	}
	skuOf := func(k int) domain.SKU {
		for _, sku := range []domain.SKU{s.phone, s.code, s.scarf} {
			if probe.SubOrders[k].Lines[0].SKUID == sku.ID {
				return sku
			}
		}
		t.Fatalf("sub-order %d holds none of the SKUs", k)
		return domain.SKU{}
	}
	short, busy, held := skuOf(0), skuOf(1), skuOf(2)
	s.w.holdUnavailable = busy.ID
	stock := s.w.stock[held.ID]
	_, _, err = s.svc.PlaceExternalOrder(ctx, docking, order("DH-82", line(short, int32(s.w.stock[short.ID]+1)), line(busy, 1), line(held, 1)))
	if err == nil {
		t.Fatal("placed with a sub-order short of stock")
	}
	if got := s.w.stock[held.ID]; got != stock-1 {
		t.Errorf("the third sub-order's stock is %d, want %d: its hold kept for the retry", got, stock-1)
	}
}

// A partner order priced from the catalogue (no unit prices sent) whose
// suppliers price in different currencies is refused on its lines, holding
// nothing. Before, it was placed in the first sub-order's currency, the
// others at nothing and out of its total.
func TestAPartnerOrderInTwoCurrenciesIsRefused(t *testing.T) {
	s := newSaga(t)
	lamp := domain.SKU{ID: uuid.New(), ProductID: uuid.New(), SupplierID: uuid.New(), Type: domain.Physical, WeightG: 500, VolumeCM3: 1000,
		Price: money.MustNew(4000, "EUR"), OriginCountry: "CN", OriginRegion: "CN-GD", OnSale: true}
	s.w.skus[lamp.ID], s.w.stock[lamp.ID] = lamp, 10
	in := app.ExternalOrderInput{Channel: "partner:dh", ExternalOrderID: "DH-83", BuyerRef: "kim", Lines: []domain.CartLine{line(s.scarf, 1), line(lamp, 1)},
		Address: &domain.Address{Recipient: "Kim", Country: "DE", City: "Berlin", Lines: []string{"Allee 1"}}}
	_, _, err := s.svc.PlaceExternalOrder(ctx, docking, in)
	var e *apperr.Error
	if !asApp(err, &e) || e.Kind != apperr.KindInvalid || len(e.Violations) != 1 || e.Violations[0].Field != "lines" {
		t.Fatalf("an order in USD and EUR: %v, want InvalidArgument on lines", err)
	}
	if s.w.stock[lamp.ID] != 10 || s.w.stock[s.scarf.ID] != 10 {
		t.Errorf("stock lamps %d, scarves %d after the refusal, want 10 and 10", s.w.stock[lamp.ID], s.w.stock[s.scarf.ID])
	}
}
