package app_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

func merchantOf(org uuid.UUID) auth.Caller {
	return auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleMerchant}, OrganizationID: org.String()}
}

// campaign creates a campaign and issues one coupon of it to holder.
func (s *saga) coupon(t *testing.T, c domain.Campaign, holder domain.Holder) (domain.Campaign, string) {
	t.Helper()
	c.Name, c.Currency = "Winter", "USD"
	c.ValidFrom, c.ValidUntil = s.at.Add(-time.Hour), s.at.Add(24*time.Hour)
	if c.Kind == "" {
		c.Kind = domain.FixedAmount
	}
	if c.MinimumSpend.Currency == "" {
		c.MinimumSpend = money.MustNew(0, "USD")
	}
	made, err := s.svc.CreateCampaign(ctx, operator, "", c)
	if err != nil {
		t.Fatalf("campaign: %v", err)
	}
	iss, _, err := s.svc.IssueCoupons(ctx, operator, made.ID, uuid.NewString(), []domain.Holder{holder})
	if err != nil {
		t.Fatalf("issue: %v", err)
	}
	return made, iss.CouponIDs[0].String()
}

// merchantWithCoupon is a merchant (org, with a member m and an address)
// holding a platform-funded coupon of discount minor units for merchant
// orders, its deposit holding deposit.
func (s *saga) merchantWithCoupon(t *testing.T, discount, deposit int64) (org uuid.UUID, m auth.Caller, couponID string) {
	t.Helper()
	org = uuid.New()
	m = merchantOf(org)
	s.w.addresses[m.Subject] = &domain.Address{Recipient: "Shop", Country: "PT", City: "Porto", Lines: []string{"Rua 1"}}
	_, couponID = s.coupon(t, domain.Campaign{Amount: money.MustNew(discount, "USD"), FundedBy: domain.FundedByPlatform, Channel: domain.MerchantChannel},
		domain.Holder{Kind: domain.HolderOrganization, ID: org})
	s.w.wallets[depositOf(org)] = deposit
	return org, m, couponID
}

// A merchant buys at its tier's cost price and pays from its deposit at
// once, with a platform-funded coupon: the deposit pays the goods less the
// discount plus freight; at settlement the platform pays the discount into
// escrow and the supplier gets the full goods. A deposit that cannot pay is
// refused with nothing held and the order cancelled; the coupon comes back.
func TestMerchantBuysAtCostFromItsDepositWithACoupon(t *testing.T) {
	s := newSaga(t)
	// Short deposit: refused, nothing held, the coupon still available.
	org, m, couponID := s.merchantWithCoupon(t, 500, 1000)
	stock := s.w.stock[s.scarf.ID]
	_, _, err := s.svc.Checkout(ctx, m, app.CheckoutInput{CheckoutID: "m-1", Lines: []domain.CartLine{line(s.scarf, 2)}, Currency: "USD", CouponID: couponID})
	wantKind(t, err, apperr.KindFailedPrecondition, "INSUFFICIENT_FUNDS")
	if s.w.stock[s.scarf.ID] != stock || s.w.wallets[depositOf(org)] != 1000 {
		t.Fatalf("a refused merchant order held stock (%d → %d) or moved money", stock, s.w.stock[s.scarf.ID])
	}
	// Topped up, the refused checkout retried is refused again, bought
	// nothing: its stock was given back (before, it answered its cancelled
	// order as a success); a new checkout goes through with the coupon
	// given back.
	s.w.wallets[depositOf(org)] = 10_000
	_, _, err = s.svc.Checkout(ctx, m, app.CheckoutInput{CheckoutID: "m-1", Lines: []domain.CartLine{line(s.scarf, 2)}, Currency: "USD", CouponID: couponID})
	wantKind(t, err, apperr.KindFailedPrecondition, "CHECKOUT_RELEASED")
	if s.w.wallets[depositOf(org)] != 10_000 {
		t.Fatalf("the refused checkout retried moved money")
	}
	o, _, err := s.svc.Checkout(ctx, m, app.CheckoutInput{CheckoutID: "m-2", Lines: []domain.CartLine{line(s.scarf, 2)}, Currency: "USD", CouponID: couponID})
	if err != nil {
		t.Fatalf("merchant checkout: %v", err)
	}
	sub := o.SubOrders[0]
	// 2 × 21.00 at cost, less 5.00, plus 5.00 freight.
	if o.Status != domain.Paid || o.Channel != domain.MerchantChannel || o.MerchantOrgID != org || sub.Goods.Amount != 4200 || sub.Discount != 500 {
		t.Fatalf("merchant order %+v / %+v", o, sub)
	}
	// Its parcel is valued at what the merchant paid for its goods.
	if v := sub.FreightBreakdown.DeclaredValue; v != money.MustNew(3700, "USD") {
		t.Errorf("the parcel is valued at %v, want the goods less the coupon, 37.00 USD", v)
	}
	if paid := 10_000 - s.w.wallets[depositOf(org)]; paid != 4200 {
		t.Fatalf("the deposit paid %d, want 4200", paid)
	}
	// The paid event names the merchant: docking routes a supply
	// platform's sub-orders to the merchant's account by it.
	if ev := s.paidEvent(t, o.ID); ev.GetMerchantOrgId() != org.String() {
		t.Errorf("OrderPaid merchant %q, want %s", ev.GetMerchantOrgId(), org)
	}
	again, replayed, err := s.svc.Checkout(ctx, m, app.CheckoutInput{CheckoutID: "m-2", Lines: []domain.CartLine{line(s.scarf, 2)}, Currency: "USD", CouponID: couponID})
	if err != nil || !replayed || again.ID != o.ID {
		t.Fatalf("retried merchant checkout: %v %v %v", again.ID, replayed, err)
	}
	// The scarves' line carries the coupon's discount, as stored: a return
	// of them takes back their own part of it.
	if l := again.SubOrders[0].Lines; len(l) != 1 || l[0].Discount != 500 {
		t.Errorf("the stored lines %+v, want the scarves carrying the 500 off", l)
	}
	// The order is the merchant's: another member reads and lists it, a
	// member of another merchant does not.
	colleague, stranger := merchantOf(org), merchantOf(uuid.New())
	if _, err := s.svc.GetOrder(ctx, colleague, o.ID); err != nil {
		t.Errorf("a colleague cannot read the merchant's order: %v", err)
	}
	if list, _, err := s.svc.ListOrders(ctx, colleague, 10, ""); err != nil || len(list) != 2 {
		t.Errorf("a colleague lists %d of the merchant's 2 orders (one cancelled): %v", len(list), err)
	}
	if _, err := s.svc.GetOrder(ctx, stranger, o.ID); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("another merchant read the order: %v", err)
	}
	// The member who placed it, having left the merchant, no longer acts
	// on it: the merchant is the buyer.
	left := auth.Caller{Subject: m.Subject, Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
	if _, err := s.svc.GetOrder(ctx, left, o.ID); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("a former member read the merchant's order: %v", err)
	}
	if list, _, err := s.svc.ListOrders(ctx, left, 10, ""); err != nil || len(list) != 0 {
		t.Errorf("a former member lists %d of the merchant's orders: %v", len(list), err)
	}
	if list, _, _ := s.svc.ListOrders(ctx, stranger, 10, ""); len(list) != 0 {
		t.Errorf("another merchant lists %d orders", len(list))
	}
	// A return one member files, another lists: the merchant's requests
	// are the merchant's, like its orders; another merchant sees none.
	s.shipAndDeliver(t, sub)
	s.run(t)
	filed, err := s.svc.FileAfterSale(ctx, m, sub.ID, domain.AfterSaleInput{RequestID: "r-1", Kind: domain.Return,
		Lines: []domain.AfterSaleLineInput{{SKUID: s.scarf.ID, Quantity: 1}}, Reason: "wrong colour"})
	if err != nil {
		t.Fatal(err)
	}
	if list, _, err := s.svc.ListAfterSales(ctx, colleague, app.AfterSaleFilter{}, 10, ""); err != nil || len(list) != 1 || list[0].ID != filed.ID {
		t.Errorf("a colleague lists %d of the merchant's requests: %v", len(list), err)
	}
	if list, _, _ := s.svc.ListAfterSales(ctx, stranger, app.AfterSaleFilter{}, 10, ""); len(list) != 0 {
		t.Errorf("another merchant lists %d requests", len(list))
	}
	// The member who filed it, having left the merchant, neither reads,
	// lists nor withdraws it, as for the order. Before, filing it was
	// enough.
	if _, err := s.svc.GetAfterSale(ctx, left, filed.ID); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("a former member read the merchant's request: %v", err)
	}
	if list, _, _ := s.svc.ListAfterSales(ctx, left, app.AfterSaleFilter{}, 10, ""); len(list) != 0 {
		t.Errorf("a former member lists %d of the merchant's requests", len(list))
	}
	if _, err := s.svc.WithdrawAfterSale(ctx, left, filed.ID); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("a former member withdrew the merchant's request: %v", err)
	}
	if _, err := s.svc.WithdrawAfterSale(ctx, colleague, filed.ID); err != nil {
		t.Fatal(err)
	}
	// The coupon is used now.
	_, _, err = s.svc.Checkout(ctx, m, app.CheckoutInput{CheckoutID: "m-3", Lines: []domain.CartLine{line(s.scarf, 1)}, Currency: "USD", CouponID: couponID})
	wantKind(t, err, apperr.KindFailedPrecondition, "COUPON_ALREADY_USED")

	// Settled: the platform funds 5.00, the supplier gets 42.00.
	s.at = s.at.Add(8 * 24 * time.Hour)
	s.run(t)
	if s.w.couponExpense != 500 || s.w.escrows[sub.ID].supplierPaid != 4200 {
		t.Fatalf("coupon expense %d, supplier paid %d", s.w.couponExpense, s.w.escrows[sub.ID].supplierPaid)
	}
	if got := 10_000 - s.w.wallets[depositOf(org)]; got != 3700 {
		t.Errorf("after settlement the deposit is down %d, want 3700 (the unspent freight back)", got)
	}
	// A scarf returned after settlement: the deposit gets back what it
	// paid for it (21.00 less its 2.50 of the coupon), clawed back from
	// the supplier, and the platform its 2.50 of the coupon: the supplier
	// keeps nothing of the returned scarf.
	s.scarfReturned(t, m, sub, "r-2")
	deposit := s.w.wallets[depositOf(org)]
	s.run(t)
	if got := s.w.wallets[depositOf(org)] - deposit; got != 1850 {
		t.Errorf("the return refunded %d, want 1850", got)
	}
	if s.w.couponExpense != 250 || s.w.escrows[sub.ID].clawedBack != 2100 {
		t.Errorf("after the return: coupon expense %d (want 250), clawed back from the supplier %d (want 2100)",
			s.w.couponExpense, s.w.escrows[sub.ID].clawedBack)
	}
}

// scarfReturned files a return of one scarf of sub as caller, and has its
// supplier approve and receive it.
func (s *saga) scarfReturned(t *testing.T, caller auth.Caller, sub domain.SubOrder, requestID string) domain.AfterSale {
	t.Helper()
	back, err := s.svc.FileAfterSale(ctx, caller, sub.ID, domain.AfterSaleInput{RequestID: requestID, Kind: domain.Return,
		Lines: []domain.AfterSaleLineInput{{SKUID: s.scarf.ID, Quantity: 1}}, Reason: "wrong colour"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.DecideAfterSale(ctx, supplierOf(sub.SupplierID), back.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.ReceiveReturn(ctx, supplierOf(sub.SupplierID), back.ID, false, nil); err != nil {
		t.Fatal(err)
	}
	return back
}

// A platform coupon taking a good's whole price off leaves its return
// nothing to refund; returned after settlement, the supplier still gives
// back the coupon's share it was paid for the good. Before, with no refund
// to ask finance about, the return was not seen as after settlement and
// the supplier kept it.
func TestReturnWithNothingToRefundAfterSettlementTakesTheCouponBack(t *testing.T) {
	s := newSaga(t)
	org, m, couponID := s.merchantWithCoupon(t, 2100, 10_000)
	o, _, err := s.svc.Checkout(ctx, m, app.CheckoutInput{CheckoutID: "m-1", Lines: []domain.CartLine{line(s.scarf, 1)}, Currency: "USD", CouponID: couponID})
	if err != nil {
		t.Fatal(err)
	}
	sub := o.SubOrders[0]
	if sub.Goods.Amount != 2100 || sub.Discount != 2100 {
		t.Fatalf("sub-order goods %v less %d, want the scarf's 21.00 all off", sub.Goods, sub.Discount)
	}
	s.shipAndDeliver(t, sub)
	s.at = s.at.Add(8 * 24 * time.Hour)
	s.run(t)
	if s.w.couponExpense != 2100 || s.w.escrows[sub.ID].supplierPaid != 2100 {
		t.Fatalf("settled: coupon expense %d, supplier paid %d; want 2100 each", s.w.couponExpense, s.w.escrows[sub.ID].supplierPaid)
	}
	back := s.scarfReturned(t, m, sub, "r-1")
	deposit := s.w.wallets[depositOf(org)]
	s.run(t)
	got, err := s.svc.GetAfterSale(ctx, m, back.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != domain.AfterSaleRefunded || got.Refund.Amount != 0 || !got.ClawBack {
		t.Errorf("the return: %s, refund %v, claw-back %v; want refunded nothing, after settlement", got.Status, got.Refund, got.ClawBack)
	}
	if s.w.wallets[depositOf(org)] != deposit || s.w.couponExpense != 0 || s.w.escrows[sub.ID].clawedBack != 2100 {
		t.Errorf("after the return: deposit %+d, coupon expense %d (want 0), clawed back from the supplier %d (want 2100)",
			s.w.wallets[depositOf(org)]-deposit, s.w.couponExpense, s.w.escrows[sub.ID].clawedBack)
	}
}

// A merchant's checkout is cancelled only for a deposit that cannot pay.
// Its retry racing the attempt that pays it is answered with the paid
// order (ALREADY_PAID is its success, not a reason to cancel and refund);
// a retry after the deadline of an attempt whose answer was lost after
// finance took the deposit is refused as it is, and the deadline asks
// finance and records the payment rather than leaving it in escrow on a
// cancelled order.
func TestMerchantCheckoutRetriesCancelOnlyForAShortDeposit(t *testing.T) {
	for _, tc := range []struct {
		name string
		// first makes the first attempt fail; retry runs the retry and
		// checks its answer.
		first func(s *saga)
		retry func(t *testing.T, s *saga, m auth.Caller, in app.CheckoutInput)
	}{
		{"a concurrent retry paid it", func(s *saga) { s.w.payDown = true }, func(t *testing.T, s *saga, m auth.Caller, in app.CheckoutInput) {
			// The first time the retry reads the clock it has read the
			// order pending; another attempt pays it there and then.
			id := domain.OrderID(domain.MerchantChannel, m.Subject, in.CheckoutID)
			var armed atomic.Bool
			armed.Store(true)
			s.svc.SetClock(func() time.Time {
				if armed.CompareAndSwap(true, false) {
					if _, err := s.svc.PayOrder(ctx, m, id); err != nil {
						t.Errorf("the concurrent attempt: %v", err)
					}
				}
				return s.at
			})
			o, replayed, err := s.svc.Checkout(ctx, m, in)
			if err != nil || !replayed || o.Status != domain.Paid {
				t.Fatalf("retry = %s, replayed %v, %v; want the paid order", o.Status, replayed, err)
			}
		}},
		{"the deadline passed after the deposit was taken", func(s *saga) { s.w.failPay = true }, func(t *testing.T, s *saga, m auth.Caller, in app.CheckoutInput) {
			s.at = s.at.Add(timeout + time.Minute)
			_, _, err := s.svc.Checkout(ctx, m, in)
			wantKind(t, err, apperr.KindFailedPrecondition, "PAYMENT_DEADLINE_PASSED")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSaga(t)
			org := uuid.New()
			m := merchantOf(org)
			s.w.addresses[m.Subject] = &domain.Address{Recipient: "Shop", Country: "PT", City: "Porto", Lines: []string{"Rua 1"}}
			s.w.wallets[depositOf(org)] = 10_000
			in := app.CheckoutInput{CheckoutID: "m-retry", Lines: []domain.CartLine{line(s.scarf, 1)}, Currency: "USD"}
			tc.first(s)
			_, _, err := s.svc.Checkout(ctx, m, in)
			wantKind(t, err, apperr.KindUnavailable, "")
			s.w.payDown, s.w.failPay = false, false
			tc.retry(t, s, m, in)
			s.run(t)
			got, err := s.store.GetOrder(ctx, domain.OrderID(domain.MerchantChannel, m.Subject, in.CheckoutID), false)
			if err != nil || got.Status != domain.Paid {
				t.Fatalf("order %s (%s, %v), want paid", got.Status, got.CancelReason, err)
			}
			if paid := 10_000 - s.w.wallets[depositOf(org)]; paid != got.Total {
				t.Errorf("the deposit paid %d for an order of %d", paid, got.Total)
			}
			if r := s.w.reserved[got.SubOrders[0].ID]; r == nil || r.status != "active" {
				t.Errorf("the paid order's stock is not held: %+v", r)
			}
		})
	}
}

// A supplier-funded coupon lowers what the buyer pays and what the
// supplier is settled; a cancelled order gives the coupon back; a coupon
// below its minimum, expired, or someone else's is refused with nothing
// held.
func TestCouponsAtCheckout(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	me := domain.UserHolder(ann.Subject)
	_, pct := s.coupon(t, domain.Campaign{Kind: domain.Percentage, PercentBPS: 1000, FundedBy: domain.FundedBySupplier,
		SupplierIDs: []uuid.UUID{s.linen}, Channel: domain.OwnStore}, me)
	_, big := s.coupon(t, domain.Campaign{Amount: money.MustNew(100, "USD"), MinimumSpend: money.MustNew(50_000, "USD"),
		FundedBy: domain.FundedByPlatform, Channel: domain.OwnStore}, me)
	_, unused := s.coupon(t, domain.Campaign{Amount: money.MustNew(100, "USD"), FundedBy: domain.FundedByPlatform, Channel: domain.OwnStore}, me)
	_, others := s.coupon(t, domain.Campaign{Amount: money.MustNew(100, "USD"), FundedBy: domain.FundedByPlatform, Channel: domain.OwnStore},
		domain.UserHolder(uuid.NewString()))
	stock := s.w.stock[s.scarf.ID]
	for _, tt := range []struct {
		name, coupon string
		kind         apperr.Kind
		reason       string
	}{
		{"below its minimum", big, apperr.KindFailedPrecondition, "COUPON_BELOW_MINIMUM"},
		{"someone else's", others, apperr.KindNotFound, ""},
		{"not a coupon id", "nope", apperr.KindInvalid, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.svc.Checkout(ctx, ann, app.CheckoutInput{CheckoutID: uuid.NewString(), Lines: []domain.CartLine{line(s.scarf, 1)}, Currency: "USD", CouponID: tt.coupon})
			wantKind(t, err, tt.kind, tt.reason)
		})
	}
	if s.w.stock[s.scarf.ID] != stock {
		t.Fatal("a refused coupon held stock")
	}
	// 10 % off the linen goods only (the phone is another supplier's).
	o, _, err := s.svc.Checkout(ctx, ann, app.CheckoutInput{CheckoutID: "c-1", Lines: []domain.CartLine{line(s.scarf, 2), line(s.phone, 1)}, Currency: "USD", CouponID: pct})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, sub := range o.SubOrders {
		want := int64(0)
		if sub.SupplierID == s.linen {
			want = 600
		}
		if sub.Discount != want || sub.BuyerAmount != sub.Goods.Amount+sub.Freight.Amount-want {
			t.Errorf("sub-order of %s: discount %d, buyer pays %d", sub.SupplierID, sub.Discount, sub.BuyerAmount)
		}
		total += sub.BuyerAmount
	}
	if o.Total != total {
		t.Errorf("total %d, sub-orders %d", o.Total, total)
	}
	if _, err := s.svc.CancelOrder(ctx, ann, o.ID, ""); err != nil {
		t.Fatal(err)
	}
	again, _, err := s.svc.Checkout(ctx, ann, app.CheckoutInput{CheckoutID: "c-2", Lines: []domain.CartLine{line(s.scarf, 1)}, Currency: "USD", CouponID: pct})
	if err != nil || again.SubOrders[0].Discount != 300 {
		t.Fatalf("the cancelled order's coupon was not given back: %v", err)
	}
	if _, err := s.svc.PayOrder(ctx, ann, again.ID); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	sub := again.SubOrders[0]
	s.shipAndDeliver(t, sub)
	s.at = s.at.Add(8 * 24 * time.Hour)
	s.run(t)
	if s.w.couponExpense != 0 || s.w.escrows[sub.ID].supplierPaid != 2700 {
		t.Errorf("supplier-funded: coupon expense %d, supplier paid %d (want 0 and 2700)", s.w.couponExpense, s.w.escrows[sub.ID].supplierPaid)
	}
	// Expired.
	_, _, err = s.svc.Checkout(ctx, ann, app.CheckoutInput{CheckoutID: "c-3", Lines: []domain.CartLine{line(s.scarf, 1)}, Currency: "USD", CouponID: unused})
	wantKind(t, err, apperr.KindFailedPrecondition, "COUPON_EXPIRED")
	_, _, err = s.svc.Checkout(ctx, ann, app.CheckoutInput{CheckoutID: "c-4", Lines: []domain.CartLine{line(s.scarf, 1)}, Currency: "USD", CouponID: pct})
	wantKind(t, err, apperr.KindFailedPrecondition, "COUPON_ALREADY_USED")
}

// Fifty checkouts racing with one coupon: exactly one order gets it, the
// others are refused COUPON_ALREADY_USED and give their stock back.
func TestConcurrentCheckoutsRedeemACouponOnce(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(1_000_000)
	s.w.stock[s.scarf.ID] = 100
	_, coupon := s.coupon(t, domain.Campaign{Amount: money.MustNew(100, "USD"), FundedBy: domain.FundedByPlatform, Channel: domain.OwnStore},
		domain.UserHolder(ann.Subject))
	const n = 50
	errs := make([]error, n)
	done := make(chan struct{})
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			_, _, errs[i] = s.svc.Checkout(ctx, ann, app.CheckoutInput{CheckoutID: uuid.NewString(), Lines: []domain.CartLine{line(s.scarf, 1)},
				Currency: "USD", CouponID: coupon})
		}()
	}
	for range n {
		<-done
	}
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case apperr.KindOf(err) == apperr.KindFailedPrecondition:
			wantKind(t, err, apperr.KindFailedPrecondition, "COUPON_ALREADY_USED")
		default:
			t.Fatalf("unexpected refusal: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d checkouts redeemed the coupon", won)
	}
	if held := 100 - s.w.stock[s.scarf.ID]; held != 1 {
		t.Errorf("%d scarves held after one order won, want 1", held)
	}
}

// paidEvent returns the orders.order.paid event of order from the outbox.
func (s *saga) paidEvent(t *testing.T, order uuid.UUID) *ordersv1.OrderPaid {
	t.Helper()
	rows, err := s.pool.Query(ctx, `SELECT payload FROM outbox WHERE subject = 'orders.order.paid'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var payload []byte
		ev := &ordersv1.OrderPaid{}
		if err := rows.Scan(&payload); err != nil || proto.Unmarshal(payload, ev) != nil {
			t.Fatalf("outbox row: %v", err)
		}
		if ev.GetOrderId() == order.String() {
			return ev
		}
	}
	t.Fatalf("no orders.order.paid for %s", order)
	return nil
}

// A coupon worth all of a sub-order of virtual goods (no freight) would
// leave it costing nothing, which finance cannot hold in escrow: the
// checkout is refused NOTHING_TO_PAY with nothing held and the coupon
// still the buyer's, and the same coupon on more goods goes through.
func TestACheckoutThatWouldCostNothingIsRefused(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	_, coupon := s.coupon(t, domain.Campaign{Amount: money.MustNew(5000, "USD"), FundedBy: domain.FundedByPlatform, Channel: domain.OwnStore},
		domain.UserHolder(ann.Subject))
	stock := s.w.stock[s.voucher.ID]
	_, _, err := s.svc.Checkout(ctx, ann, app.CheckoutInput{CheckoutID: "free", Lines: []domain.CartLine{line(s.voucher, 1)}, Currency: "USD", CouponID: coupon})
	wantKind(t, err, apperr.KindFailedPrecondition, "NOTHING_TO_PAY")
	if s.w.stock[s.voucher.ID] != stock {
		t.Errorf("the refused checkout held stock: %d → %d", stock, s.w.stock[s.voucher.ID])
	}
	o, _, err := s.svc.Checkout(ctx, ann, app.CheckoutInput{CheckoutID: "more", Lines: []domain.CartLine{line(s.voucher, 6)}, Currency: "USD", CouponID: coupon})
	if err != nil || o.Total != 1000 {
		t.Fatalf("the coupon on six vouchers: total %d, %v; want 1000 to pay", o.Total, err)
	}
	if _, err := s.svc.PayOrder(ctx, ann, o.ID); err != nil {
		t.Errorf("paying it: %v", err)
	}
}
