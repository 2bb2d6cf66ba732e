package app_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

var operator = auth.Caller{Subject: "ops-1", Kind: auth.KindUser, Roles: []string{auth.RoleAdmin}}

// delivered buys lines as a new buyer, ships every physical sub-order and
// has its parcel delivered, and returns the buyer and the order.
func (s *saga) delivered(t *testing.T, lines ...domain.CartLine) (auth.Caller, domain.Order) {
	t.Helper()
	b := s.buyer(100_000)
	o := s.checkout(t, b, lines...)
	if _, err := s.svc.PayOrder(ctx, b, o.ID); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	for _, sub := range o.SubOrders {
		by := supplierOf(sub.SupplierID)
		if sub.Type == domain.Virtual {
			if _, err := s.svc.DeliverSubOrder(ctx, by, sub.ID); err != nil {
				t.Fatal(err)
			}
			continue
		}
		s.shipAndDeliver(t, sub)
	}
	s.run(t)
	o, err := s.store.GetOrder(ctx, o.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	return b, o
}

// shipAndDeliver has a physical sub-order's supplier ship it and the
// carrier deliver it.
func (s *saga) shipAndDeliver(t *testing.T, sub domain.SubOrder) {
	t.Helper()
	if _, err := s.svc.ShipSubOrder(ctx, supplierOf(sub.SupplierID), sub.ID, uuid.New(), warehouse, uuid.Nil); err != nil {
		t.Fatal(err)
	}
	s.w.parcels[sub.ID].delivered = true
	if err := s.store.InTx(ctx, func(r app.Repository) error {
		return s.svc.ShipmentDelivered(ctx, r, sub.ID, app.Shipment{ID: s.w.parcels[sub.ID].id})
	}); err != nil {
		t.Fatal(err)
	}
}

func (s *saga) file(t *testing.T, b auth.Caller, sub uuid.UUID, kind domain.AfterSaleKind, lines ...domain.AfterSaleLineInput) domain.AfterSale {
	t.Helper()
	a, err := s.svc.FileAfterSale(ctx, b, sub, domain.AfterSaleInput{RequestID: uuid.NewString(), Kind: kind, Lines: lines, Reason: "too small"})
	if err != nil {
		t.Fatalf("file: %v", err)
	}
	return a
}

func back(sku domain.SKU, n int32) domain.AfterSaleLineInput {
	return domain.AfterSaleLineInput{SKUID: sku.ID, Quantity: n}
}

func (s *saga) subOrder(t *testing.T, orderID, subID uuid.UUID) domain.SubOrder {
	t.Helper()
	o, err := s.store.GetOrder(ctx, orderID, false)
	if err != nil {
		t.Fatal(err)
	}
	return *o.SubOrder(subID)
}

func (s *saga) outboxCount(t *testing.T, subject string) int {
	t.Helper()
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE subject = $1`, subject).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A partial return filed before settlement holds the settlement until it
// closes; approved, its parcel goes back along the way the goods came;
// received and restockable, the stock goes back on hand and the buyer is
// refunded from escrow; the sub-order then settles on the goods kept and
// refunds the unspent freight.
func TestReturnBeforeSettlementIsRefundedFromEscrow(t *testing.T) {
	s := newSaga(t)
	ann, o := s.delivered(t, line(s.scarf, 3))
	sub := o.SubOrders[0]
	linen := supplierOf(s.linen)
	a := s.file(t, ann, sub.ID, domain.Return, back(s.scarf, 2))
	if a.Status != domain.AfterSaleRequested || a.Refund.Amount != 6000 || len(a.Lines) != 1 {
		t.Fatalf("filed %+v", a)
	}
	_, err := s.svc.FileAfterSale(ctx, ann, sub.ID, domain.AfterSaleInput{RequestID: "x", Kind: domain.Return, Lines: []domain.AfterSaleLineInput{back(s.scarf, 1)}, Reason: "r"})
	wantKind(t, err, apperr.KindFailedPrecondition, "AFTER_SALE_OPEN")
	if _, err := s.svc.ConfirmReceipt(ctx, ann, sub.ID); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if got := s.subOrder(t, o.ID, sub.ID); got.Status != domain.Delivered {
		t.Fatalf("settled with a return open: %s", got.Status)
	}
	if a, err := s.svc.DecideAfterSale(ctx, linen, a.ID, true, ""); err != nil || a.Status != domain.AfterSaleApproved {
		t.Fatalf("approve: %+v, %v", a, err)
	}
	s.run(t)
	if s.w.returns[a.ID] == nil {
		t.Fatal("no return parcel booked")
	}
	wallet, stock := s.w.wallets[ann.Subject], s.w.stock[s.scarf.ID]
	w := s.w.warehouseOf(s.linen)
	if _, err := s.svc.ReceiveReturn(ctx, linen, a.ID, true, nil); apperr.KindOf(err) != apperr.KindInvalid {
		t.Fatalf("restockable goods without a warehouse: %v", err)
	}
	// A warehouse not the supplier's (unknown, another's) is refused while
	// the supplier is there to hear it, not left to a restock that cannot run.
	for _, other := range []uuid.UUID{uuid.New(), s.w.warehouseOf(s.gadgets)} {
		if _, err := s.svc.ReceiveReturn(ctx, linen, a.ID, true, &other); apperr.KindOf(err) != apperr.KindInvalid {
			t.Fatalf("restocked into warehouse %s, not the supplier's: %v", other, err)
		}
	}
	got, err := s.svc.ReceiveReturn(ctx, linen, a.ID, true, &w)
	if err != nil || got.Status != domain.AfterSaleReceived || !got.Received {
		t.Fatalf("receive: %+v, %v", got, err)
	}
	s.run(t)
	got, _ = s.svc.GetAfterSale(ctx, ann, a.ID)
	if got.Status != domain.AfterSaleRefunded || got.ClawBack || got.ReturnWaybill == "" {
		t.Fatalf("after the refund: %+v", got)
	}
	if d := s.w.wallets[ann.Subject] - wallet; d != 6000 {
		t.Errorf("the buyer got %d back, want 6000", d)
	}
	if d := s.w.stock[s.scarf.ID] - stock; d != 2 {
		t.Errorf("%d units restocked, want 2", d)
	}
	if s.outboxCount(t, app.SubjectReturnRefunded) != 1 || s.outboxCount(t, "orders.after_sale.approved") != 1 {
		t.Error("the refund's or the approval's event is missing")
	}
	// Settlement: the goods kept (30.00) settle; escrow held 95.00 less the
	// 60.00 refunded, so the 5.00 freight goes back.
	s.at = s.at.Add(2 * time.Minute)
	wallet = s.w.wallets[ann.Subject]
	s.run(t)
	if got := s.subOrder(t, o.ID, sub.ID); got.Status != domain.Completed || got.Refunded != 6000 {
		t.Fatalf("after the return closed: %s, refunded %d", got.Status, got.Refunded)
	}
	if d := s.w.wallets[ann.Subject] - wallet; d != 500 || s.w.escrows[sub.ID].supplierPaid != 3000 {
		t.Errorf("settled: buyer got %d, supplier paid %d; want 500 and 3000", d, s.w.escrows[sub.ID].supplierPaid)
	}
	// One more unit may still go back, and no more.
	_, err = s.svc.FileAfterSale(ctx, ann, sub.ID, domain.AfterSaleInput{RequestID: "more", Kind: domain.Return, Lines: []domain.AfterSaleLineInput{back(s.scarf, 2)}, Reason: "r"})
	wantKind(t, err, apperr.KindInvalid, "")
	changes, _ := s.svc.ListOrderChanges(ctx, ann, o.ID)
	seen := map[domain.Status]bool{}
	for _, c := range changes {
		seen[c.To] = true
	}
	for _, st := range []domain.Status{"return:requested", "return:approved", "return:received", "return:refunded"} {
		if !seen[st] {
			t.Errorf("the change log has no %s", st)
		}
	}
}

// A return after settlement is clawed back from the supplier's payable.
func TestReturnAfterSettlementIsClawedBack(t *testing.T) {
	s := newSaga(t)
	ann, o := s.delivered(t, line(s.scarf, 1))
	sub := o.SubOrders[0]
	if _, err := s.svc.ConfirmReceipt(ctx, ann, sub.ID); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if got := s.subOrder(t, o.ID, sub.ID); got.Status != domain.Completed {
		t.Fatalf("not settled: %s", got.Status)
	}
	a := s.file(t, ann, sub.ID, domain.Return, back(s.scarf, 1))
	linen := supplierOf(s.linen)
	if _, err := s.svc.DecideAfterSale(ctx, linen, a.ID, true, "sorry"); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	wallet, stock := s.w.wallets[ann.Subject], s.w.stock[s.scarf.ID]
	if _, err := s.svc.ReceiveReturn(ctx, linen, a.ID, false, nil); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	got, _ := s.svc.GetAfterSale(ctx, linen, a.ID)
	if got.Status != domain.AfterSaleRefunded || !got.ClawBack {
		t.Fatalf("after the claw-back: %+v", got)
	}
	if d := s.w.wallets[ann.Subject] - wallet; d != 3000 || s.w.escrows[sub.ID].clawedBack != 3000 {
		t.Errorf("buyer got %d, clawed back %d; want 3000", d, s.w.escrows[sub.ID].clawedBack)
	}
	if s.w.stock[s.scarf.ID] != stock {
		t.Error("goods not restockable went back on hand")
	}
}

// A replacement shipped weeks after the approval (once the original came
// back) has its stock hold extended from its shipping, so the carrier's
// pick-up finds it held; one whose hold lapsed already ships all the same,
// noted for an operator. Before, the hold ran out a fulfilment hold after
// the approval and the stock went back on sale.
func TestAReplacementShippedLateKeepsItsStockHeld(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before time.Duration // from the approval to the shipping
		lapsed bool
	}{
		{"shipped within the hold", 20 * 24 * time.Hour, false},
		{"shipped after the hold lapsed", 31 * 24 * time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSaga(t)
			ann, o, a := s.approvedExchange(t)
			s.at = s.at.Add(tc.before)
			if _, err := s.svc.ShipReplacement(ctx, supplierOf(s.linen), a.ID, uuid.New(), warehouse); err != nil {
				t.Fatal(err)
			}
			s.at = s.at.Add(15 * 24 * time.Hour) // the pick-up, past the first hold's end
			s.w.mu.Lock()
			s.w.expire()
			status := s.w.reserved[a.ID].status
			s.w.mu.Unlock()
			changes, _ := s.svc.ListOrderChanges(ctx, ann, o.ID)
			noted := slices.ContainsFunc(changes, func(c domain.Change) bool { return strings.Contains(c.Reason, "needs an operator") })
			if tc.lapsed {
				if status == "active" || !noted || s.w.parcels[a.ID] == nil {
					t.Errorf("hold %s, operator told %v, shipped %v; want the lapse noted and the replacement shipped", status, noted, s.w.parcels[a.ID] != nil)
				}
				return
			}
			if status != "active" || noted {
				t.Errorf("the replacement's hold at its pick-up: %s (operator told: %v), want still active", status, noted)
			}
		})
	}
}

// An approved exchange reserves its replacement and books the original's
// return; the replacement ships under the request's id without a new
// payment and, delivered, closes the exchange; the sub-order then settles
// on its full goods.
func TestExchangeShipsAReplacementWithoutPayment(t *testing.T) {
	s := newSaga(t)
	ann, o, a := s.approvedExchange(t)
	sub := o.SubOrders[0]
	linen := supplierOf(s.linen)
	wallet := s.w.wallets[ann.Subject]
	if r := s.w.reserved[a.ID]; r == nil || r.status != "active" || len(r.lines) != 1 || r.lines[0].Quantity != 1 {
		t.Fatalf("replacement not held: %+v", r)
	}
	if s.w.returns[a.ID] == nil {
		t.Fatal("the original's return parcel was not booked")
	}
	_, err := s.svc.ShipReplacement(ctx, supplierOf(s.gadgets), a.ID, uuid.New(), warehouse)
	wantKind(t, err, apperr.KindNotFound, "")
	got, err := s.svc.ShipReplacement(ctx, linen, a.ID, uuid.New(), warehouse)
	if err != nil || got.Status != domain.AfterSaleReplacementShipped || got.ReplacementWaybill == "" || s.w.parcels[a.ID] == nil {
		t.Fatalf("ship replacement: %+v, %v", got, err)
	}
	if !s.w.parcels[a.ID].platformPays {
		t.Error("the replacement's legs go to an escrow that does not exist, not to the platform")
	}
	w := s.w.warehouseOf(s.linen)
	if got, err = s.svc.ReceiveReturn(ctx, linen, a.ID, true, &w); err != nil || !got.Received || got.Status != domain.AfterSaleReplacementShipped {
		t.Fatalf("original received: %+v, %v", got, err)
	}
	if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.ShipmentDelivered(ctx, r, a.ID, app.Shipment{}) }); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	got, _ = s.svc.GetAfterSale(ctx, ann, a.ID)
	if got.Status != domain.AfterSaleExchanged {
		t.Fatalf("after the replacement arrived: %s", got.Status)
	}
	if s.w.wallets[ann.Subject] != wallet {
		t.Errorf("an exchange moved the buyer's money: %d → %d", wallet, s.w.wallets[ann.Subject])
	}
	if s.w.restocked["after-sale:"+a.ID.String()] != 1 {
		t.Error("the original was not restocked")
	}
	s.at = s.at.Add(8 * 24 * time.Hour)
	s.run(t)
	if got := s.subOrder(t, o.ID, sub.ID); got.Status != domain.Completed || s.w.escrows[sub.ID].supplierPaid != 6000 {
		t.Fatalf("after the exchange: %s, supplier paid %d", got.Status, s.w.escrows[sub.ID].supplierPaid)
	}
}

// approvedExchange is a buyer's delivered sub-order of two scarves and an
// exchange of one of them approved by the supplier, its saga steps run.
// approvedWithParcel is a request of kind on one of three scarves
// delivered, approved, its return parcel booked.
func (s *saga) approvedWithParcel(t *testing.T, kind domain.AfterSaleKind) (auth.Caller, domain.Order, domain.AfterSale) {
	t.Helper()
	ann, o := s.delivered(t, line(s.scarf, 3))
	a := s.file(t, ann, o.SubOrders[0].ID, kind, back(s.scarf, 1))
	if _, err := s.svc.DecideAfterSale(ctx, supplierOf(s.linen), a.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if s.w.returns[a.ID] == nil {
		t.Fatal("no return parcel booked")
	}
	return ann, o, a
}

// exchanged is an approved exchange whose replacement shipped and was
// delivered, its original not sent back.
func (s *saga) exchanged(t *testing.T) (auth.Caller, domain.AfterSale) {
	t.Helper()
	ann, _, a := s.approvedExchange(t)
	if _, err := s.svc.ShipReplacement(ctx, supplierOf(s.linen), a.ID, uuid.New(), warehouse); err != nil {
		t.Fatal(err)
	}
	if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.ShipmentDelivered(ctx, r, a.ID, app.Shipment{}) }); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	return ann, a
}

func (s *saga) approvedExchange(t *testing.T) (auth.Caller, domain.Order, domain.AfterSale) {
	t.Helper()
	ann, o := s.delivered(t, line(s.scarf, 2))
	a := s.file(t, ann, o.SubOrders[0].ID, domain.Exchange, back(s.scarf, 1))
	if _, err := s.svc.DecideAfterSale(ctx, supplierOf(s.linen), a.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	return ann, o, a
}

// A replacement logistics booked without the supplier's call getting the
// answer (logistics' bookings worker finished it) is recorded from the
// booking's event, or, with that event behind, from the delivery's: the
// exchange does not wait for the supplier to call again, and a retry of
// the call answers what was recorded.
func TestReplacementBookedWithoutTheSuppliersAnswer(t *testing.T) {
	for _, events := range [][]string{{"booked", "delivered"}, {"delivered", "booked"}} {
		t.Run(strings.Join(events, " then "), func(t *testing.T) {
			s := newSaga(t)
			ann, _, a := s.approvedExchange(t)
			sh, err := s.w.Ship(ctx, app.ShipInput{SubOrder: domain.SubOrder{ID: a.ID}, PlatformPays: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range events {
				if err := s.store.InTx(ctx, func(r app.Repository) error {
					if ev == "booked" {
						return s.svc.ShipmentBooked(ctx, r, a.ID, sh)
					}
					return s.svc.ShipmentDelivered(ctx, r, a.ID, sh)
				}); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.svc.GetAfterSale(ctx, ann, a.ID)
			if err != nil || got.Status != domain.AfterSaleExchanged || got.ReplacementWaybill != sh.Waybill ||
				got.ReplacementShipmentID == nil || *got.ReplacementShipmentID != sh.ID {
				t.Fatalf("after the replacement's events: %+v, %v", got, err)
			}
			retry, err := s.svc.ShipReplacement(ctx, supplierOf(s.linen), a.ID, uuid.New(), warehouse)
			if err != nil || retry.Status != domain.AfterSaleExchanged {
				t.Errorf("the supplier's retry: %+v, %v", retry, err)
			}
		})
	}
}

// Requests outside the window, beyond what was bought, on a sub-order not
// delivered or someone else's are refused and store nothing; a supplier
// decides only its own, a rejection says why, and a disputed rejection is
// an operator's to decide.
func TestAfterSaleBadInputAndAuthorization(t *testing.T) {
	s := newSaga(t)
	ann, o := s.delivered(t, line(s.scarf, 2), line(s.voucher, 1))
	var scarf, voucher domain.SubOrder
	for _, sub := range o.SubOrders {
		if sub.Type == domain.Physical {
			scarf = sub
		} else {
			voucher = sub
		}
	}
	bob := s.buyer(100_000)
	pending := s.checkout(t, bob, line(s.phone, 1))
	in := func(kind domain.AfterSaleKind, lines ...domain.AfterSaleLineInput) domain.AfterSaleInput {
		return domain.AfterSaleInput{RequestID: uuid.NewString(), Kind: kind, Lines: lines, Reason: "broken"}
	}
	tests := []struct {
		name   string
		by     auth.Caller
		sub    uuid.UUID
		in     domain.AfterSaleInput
		kind   apperr.Kind
		reason string
	}{
		{"more units than bought", ann, scarf.ID, in(domain.Return, back(s.scarf, 3)), apperr.KindInvalid, ""},
		{"no units", ann, scarf.ID, in(domain.Return, back(s.scarf, 0)), apperr.KindInvalid, ""},
		{"a SKU not in the sub-order", ann, scarf.ID, in(domain.Return, back(s.phone, 1)), apperr.KindInvalid, ""},
		{"no lines", ann, scarf.ID, in(domain.Return), apperr.KindInvalid, ""},
		{"no kind", ann, scarf.ID, in("", back(s.scarf, 1)), apperr.KindInvalid, ""},
		{"virtual goods exchanged", ann, voucher.ID, in(domain.Exchange, back(s.voucher, 1)), apperr.KindFailedPrecondition, "NOT_PHYSICAL"},
		{"another buyer's sub-order", bob, scarf.ID, in(domain.Return, back(s.scarf, 1)), apperr.KindNotFound, ""},
		{"the supplier files", supplierOf(s.linen), scarf.ID, in(domain.Return, back(s.scarf, 1)), apperr.KindNotFound, ""},
		{"not delivered", bob, pending.SubOrders[0].ID, in(domain.Return, back(s.phone, 1)), apperr.KindFailedPrecondition, "OUTSIDE_AFTER_SALE_WINDOW"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.svc.FileAfterSale(ctx, tt.by, tt.sub, tt.in)
			wantKind(t, err, tt.kind, tt.reason)
		})
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM after_sales`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d requests stored by refused filings (%v)", n, err)
	}

	// A virtual return needs no parcel: approved, it is received and refunded.
	v := s.file(t, ann, voucher.ID, domain.Return, back(s.voucher, 1))
	a := s.file(t, ann, scarf.ID, domain.Return, back(s.scarf, 1))
	gadgets, linen := supplierOf(s.gadgets), supplierOf(s.linen)
	if _, err := s.svc.DecideAfterSale(ctx, gadgets, a.ID, true, ""); apperr.KindOf(err) != apperr.KindNotFound {
		t.Fatalf("another supplier decided: %v", err)
	}
	if _, err := s.svc.DecideAfterSale(ctx, linen, a.ID, false, ""); apperr.KindOf(err) != apperr.KindInvalid {
		t.Fatalf("a rejection without a reason: %v", err)
	}
	if _, err := s.svc.DecideAfterSale(ctx, linen, a.ID, false, "worn"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.DisputeAfterSale(ctx, linen, a.ID, "no"); apperr.KindOf(err) != apperr.KindNotFound {
		t.Fatalf("the supplier disputed: %v", err)
	}
	if got, err := s.svc.DisputeAfterSale(ctx, ann, a.ID, "it arrived torn"); err != nil || got.Status != domain.AfterSaleDisputed {
		t.Fatalf("dispute: %+v, %v", got, err)
	}
	_, err := s.svc.DecideAfterSale(ctx, linen, a.ID, false, "still worn")
	wantKind(t, err, apperr.KindFailedPrecondition, "DISPUTED")
	if got, err := s.svc.DecideAfterSale(ctx, operator, a.ID, true, "photos show a tear"); err != nil || got.Status != domain.AfterSaleApproved {
		t.Fatalf("operator: %+v, %v", got, err)
	}
	if _, err := s.svc.WithdrawAfterSale(ctx, ann, a.ID); apperr.KindOf(err) != apperr.KindFailedPrecondition {
		t.Fatalf("withdrawn after approval: %v", err)
	}
	wallet := s.w.wallets[ann.Subject]
	if got, err := s.svc.DecideAfterSale(ctx, supplierOf(s.linen), v.ID, true, ""); err != nil || got.Status != domain.AfterSaleReceived {
		t.Fatalf("virtual return approved: %+v, %v", got, err)
	}
	s.run(t)
	if d := s.w.wallets[ann.Subject] - wallet; d != 1000 {
		t.Errorf("virtual return refunded %d, want 1000", d)
	}
	// Lists: each sees its own.
	mine, _, err := s.svc.ListAfterSales(ctx, ann, app.AfterSaleFilter{}, 10, "")
	if err != nil || len(mine) != 2 {
		t.Fatalf("buyer lists %d, %v", len(mine), err)
	}
	theirs, _, _ := s.svc.ListAfterSales(ctx, gadgets, app.AfterSaleFilter{}, 10, "")
	if len(theirs) != 0 {
		t.Errorf("a supplier lists another's requests: %d", len(theirs))
	}
	if _, err := s.svc.GetAfterSale(ctx, bob, a.ID); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("another buyer read the request: %v", err)
	}
	// Outside the window.
	s.at = s.at.Add(15 * 24 * time.Hour)
	_, err = s.svc.FileAfterSale(ctx, ann, scarf.ID, in(domain.Return, back(s.scarf, 1)))
	wantKind(t, err, apperr.KindFailedPrecondition, "OUTSIDE_AFTER_SALE_WINDOW")
}

// A return refunded before settlement from an escrow the carrier's legs
// overran: escrow pays back what settling the goods kept does not need,
// the rest is netted against the overrun, and the sub-order settles
// without asking the buyer for anything.
func TestReturnIsNettedAgainstAFreightOverrun(t *testing.T) {
	s := newSaga(t)
	ann, o := s.delivered(t, line(s.scarf, 3))
	sub := o.SubOrders[0]
	// Escrow held 90.00 goods + 5.00 freight; the carrier charged 40.00.
	s.w.payLeg(sub.ID, 4000)
	a := s.file(t, ann, sub.ID, domain.Return, back(s.scarf, 2))
	linen := supplierOf(s.linen)
	if _, err := s.svc.DecideAfterSale(ctx, linen, a.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	wallet := s.w.wallets[ann.Subject]
	if _, err := s.svc.ReceiveReturn(ctx, linen, a.ID, false, nil); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	got, _ := s.svc.GetAfterSale(ctx, ann, a.ID)
	// 55.00 left; the scarf kept settles 30.00, so 25.00 goes back and
	// 35.00 of the 60.00 is netted against the 35.00 overrun.
	if got.Status != domain.AfterSaleRefunded || got.CashRefund == nil || *got.CashRefund != 2500 {
		t.Fatalf("netted refund: %+v", got)
	}
	if d := s.w.wallets[ann.Subject] - wallet; d != 2500 {
		t.Errorf("the buyer got %d back, want 2500", d)
	}
	s.at = s.at.Add(8 * 24 * time.Hour)
	s.run(t)
	if got := s.subOrder(t, o.ID, sub.ID); got.Status != domain.Completed || s.w.escrows[sub.ID].supplierPaid != 3000 {
		t.Fatalf("after the netted return: %s, supplier paid %d", got.Status, s.w.escrows[sub.ID].supplierPaid)
	}
}

// A rejection may be disputed once, and only while its goods are still its
// own: a later request claiming them (open, or taken back since) keeps the
// rejected one closed, else the same units would be refunded twice. A
// request id names one request: filed again with other goods it is
// refused. Reasons are counted in characters, not bytes.
func TestAfterSaleDisputesOnceAndOnlyForGoodsStillItsOwn(t *testing.T) {
	s := newSaga(t)
	ann, o := s.delivered(t, line(s.scarf, 3))
	sub := o.SubOrders[0]
	linen := supplierOf(s.linen)

	first := domain.AfterSaleInput{RequestID: "r-1", Kind: domain.Return, Lines: []domain.AfterSaleLineInput{back(s.scarf, 1)}, Reason: "too small"}
	a, err := s.svc.FileAfterSale(ctx, ann, sub.ID, first)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := s.svc.FileAfterSale(ctx, ann, sub.ID, first); err != nil || again.ID != a.ID {
		t.Fatalf("the same filing again: %+v, %v; want the request", again, err)
	}
	other := first
	other.Lines = []domain.AfterSaleLineInput{back(s.scarf, 2)}
	_, err = s.svc.FileAfterSale(ctx, ann, sub.ID, other)
	wantKind(t, err, apperr.KindAlreadyExists, "IDEMPOTENCY_KEY_REUSED")

	if _, err := s.svc.DecideAfterSale(ctx, linen, a.ID, false, "worn"); err != nil {
		t.Fatal(err)
	}
	b := s.file(t, ann, sub.ID, domain.Return, back(s.scarf, 3)) // the rejection released the unit
	_, err = s.svc.DisputeAfterSale(ctx, ann, a.ID, "it arrived torn")
	wantKind(t, err, apperr.KindFailedPrecondition, "AFTER_SALE_OPEN")
	if _, err := s.svc.WithdrawAfterSale(ctx, ann, b.ID); err != nil {
		t.Fatal(err)
	}

	// A NUL, which PostgreSQL cannot store, is the client's mistake, not
	// an internal error.
	_, err = s.svc.DisputeAfterSale(ctx, ann, a.ID, "torn\x00")
	wantKind(t, err, apperr.KindInvalid, "")
	long := strings.Repeat("破", 400) + "\nsee the photos" // 1,200 bytes and a line, 415 characters
	if got, err := s.svc.DisputeAfterSale(ctx, ann, a.ID, long); err != nil || got.Status != domain.AfterSaleDisputed {
		t.Fatalf("dispute once the goods are free again: %+v, %v", got, err)
	}
	if _, err := s.svc.DecideAfterSale(ctx, operator, a.ID, false, long); err != nil {
		t.Fatalf("the operator's rejection: %v", err)
	}
	_, err = s.svc.DisputeAfterSale(ctx, ann, a.ID, "again")
	wantKind(t, err, apperr.KindFailedPrecondition, "ALREADY_DISPUTED")
}

// A sub-order waiting for its top-up takes no request: a refund out of its
// escrow would leave the top-up asking for the wrong amount. Once the
// top-up is paid it completes, and a return is clawed back.
func TestNoAfterSaleWhileATopUpIsAwaited(t *testing.T) {
	s := newSaga(t)
	ann, o, scarf := s.deliveredScarf(t)
	if _, err := s.svc.ConfirmReceipt(ctx, ann, scarf.ID); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if st := s.subStatus(t, o.ID, scarf.ID); st != domain.AwaitingTopUp {
		t.Fatalf("the scarf is %s, want awaiting its top-up", st)
	}
	_, err := s.svc.FileAfterSale(ctx, ann, scarf.ID, domain.AfterSaleInput{RequestID: "r", Kind: domain.Return,
		Lines: []domain.AfterSaleLineInput{back(s.scarf, 1)}, Reason: "too small"})
	wantKind(t, err, apperr.KindFailedPrecondition, "TOP_UP_PENDING")
}

// An exchange's replacement may arrive before the original is back: the
// exchange closes, and the supplier still receives the original (and
// restocks it) when it comes.
func TestExchangeOriginalReceivedAfterTheReplacementArrived(t *testing.T) {
	s := newSaga(t)
	ann, _, a := s.approvedExchange(t)
	linen := supplierOf(s.linen)
	if _, err := s.svc.ShipReplacement(ctx, linen, a.ID, uuid.New(), warehouse); err != nil {
		t.Fatal(err)
	}
	if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.ShipmentDelivered(ctx, r, a.ID, app.Shipment{}) }); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleExchanged || got.Received {
		t.Fatalf("after the replacement arrived: %+v", got)
	}
	w := s.w.warehouseOf(s.linen)
	got, err := s.svc.ReceiveReturn(ctx, linen, a.ID, true, &w)
	if err != nil || !got.Received || got.Status != domain.AfterSaleExchanged {
		t.Fatalf("the original received after the exchange closed: %+v, %v", got, err)
	}
	s.run(t)
	if s.w.restocked["after-sale:"+a.ID.String()] != 1 {
		t.Error("the original was not restocked")
	}
}

// A return parcel the carrier delivered back to a supplier that never
// confirms it: the goods count as received ReturnReceipt later (not
// restocked), the buyer is refunded, and the sub-order settles, where
// before the request stayed approved and the sub-order never settled.
func TestReturnDeliveredBackIsReceivedWithoutTheSupplier(t *testing.T) {
	s := newSaga(t)
	ann, o := s.delivered(t, line(s.scarf, 3))
	sub := o.SubOrders[0]
	a := s.file(t, ann, sub.ID, domain.Return, back(s.scarf, 1))
	if _, err := s.svc.DecideAfterSale(ctx, supplierOf(s.linen), a.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if s.w.returns[a.ID] == nil {
		t.Fatal("no return parcel booked")
	}
	wallet := s.w.wallets[ann.Subject]
	// The carrier's event is applied two days after the delivery (retried,
	// or replayed): the supplier's week to confirm runs from the delivery.
	deliveredAt := s.at
	s.at = s.at.Add(2 * 24 * time.Hour)
	if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.ReturnParcelDelivered(ctx, r, a.ID, deliveredAt) }); err != nil {
		t.Fatal(err)
	}
	s.at = s.at.Add(4 * 24 * time.Hour)
	s.run(t)
	if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Received {
		t.Fatal("received before the supplier's time to confirm ran out")
	}
	s.at = s.at.Add(24 * time.Hour)
	s.run(t)
	got, err := s.svc.GetAfterSale(ctx, ann, a.ID)
	if err != nil || !got.Received || got.Restockable || got.Status != domain.AfterSaleRefunded {
		t.Fatalf("a week after the parcel came back (five days after its event): %+v, %v; want received, not restocked, refunded", got, err)
	}
	if d := s.w.wallets[ann.Subject] - wallet; d != 3000 {
		t.Errorf("the buyer was refunded %d, want 3000", d)
	}
	if _, err := s.svc.ConfirmReceipt(ctx, ann, sub.ID); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if st := s.subOrder(t, o.ID, sub.ID).Status; st != domain.Completed {
		t.Errorf("the sub-order is %s once its return closed, want completed", st)
	}
}

// returnOnItsWay is a delivered order of three scarves whose receipt the
// buyer confirmed, with an approved return of one whose parcel the carrier
// has picked up (and may never deliver).
func (s *saga) returnOnItsWay(t *testing.T) (auth.Caller, domain.Order, domain.AfterSale) {
	t.Helper()
	ann, o := s.delivered(t, line(s.scarf, 3))
	sub := o.SubOrders[0]
	a := s.file(t, ann, sub.ID, domain.Return, back(s.scarf, 1))
	if _, err := s.svc.DecideAfterSale(ctx, supplierOf(s.linen), a.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.ConfirmReceipt(ctx, ann, sub.ID); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	s.w.returns[a.ID].pickedUp = true
	return ann, o, a
}

// An approved return whose goods never come back holds the sub-order's
// settlement only so long: 30 days past the after-sale window the supplier
// is paid, and the return, should its goods come back after all, is
// clawed back from the supplier.
func TestSettlementWaitsForAnOpenReturnOnlySoLong(t *testing.T) {
	s := newSaga(t)
	ann, o, a := s.returnOnItsWay(t)
	sub := o.SubOrders[0]
	linen := supplierOf(s.linen)
	s.at = s.at.Add(40 * 24 * time.Hour)
	s.run(t)
	if st := s.subOrder(t, o.ID, sub.ID).Status; st != domain.Delivered {
		t.Fatalf("settled 40 days after delivery with a return open: %s", st)
	}
	if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleApproved || s.w.returns[a.ID].cancelled {
		t.Fatalf("a return whose parcel the carrier picked up: %s, parcel cancelled %v; want it awaited", got.Status, s.w.returns[a.ID].cancelled)
	}
	s.at = s.at.Add(5 * 24 * time.Hour) // past 14 + 30 days after delivery
	s.run(t)
	if st := s.subOrder(t, o.ID, sub.ID).Status; st != domain.Completed || s.w.escrows[sub.ID].supplierPaid != 9000 {
		t.Fatalf("45 days after delivery: %s, supplier paid %d; want completed on the full goods", st, s.w.escrows[sub.ID].supplierPaid)
	}
	wallet := s.w.wallets[ann.Subject]
	if _, err := s.svc.ReceiveReturn(ctx, linen, a.ID, false, nil); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	got, _ := s.svc.GetAfterSale(ctx, ann, a.ID)
	if got.Status != domain.AfterSaleRefunded || !got.ClawBack || s.w.wallets[ann.Subject]-wallet != 3000 {
		t.Errorf("the late return: %s, claw-back %v, refunded %d; want 3000 clawed back", got.Status, got.ClawBack, s.w.wallets[ann.Subject]-wallet)
	}
}

// Goods never sent back: ReturnSendBy after the approval the return
// parcel, never picked up, is cancelled and the request expires (an
// exchange's replacement stock given back), so its sub-order settles on
// the goods the buyer kept and pays for, rather than waiting 30 days past
// the after-sale window with a parcel booked for ever.
func TestApprovedRequestsWhoseGoodsNeverLeaveExpire(t *testing.T) {
	for _, kind := range []domain.AfterSaleKind{domain.Return, domain.Exchange} {
		t.Run(string(kind), func(t *testing.T) {
			s := newSaga(t)
			ann, o, a := s.approvedWithParcel(t, kind)
			sub := o.SubOrders[0]
			held := s.w.reserved[a.ID] != nil && s.w.reserved[a.ID].status == "active"
			if held != (kind == domain.Exchange) {
				t.Fatalf("replacement held %v for a %s", held, kind)
			}
			if _, err := s.svc.ConfirmReceipt(ctx, ann, sub.ID); err != nil {
				t.Fatal(err)
			}
			// The expiry's first release of an exchange's replacement does
			// not get through (inventory restarting): its retry gives it
			// back.
			s.w.releaseFailures = 1
			s.at = s.at.Add(13 * 24 * time.Hour)
			s.run(t)
			if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleApproved || s.w.returns[a.ID].cancelled {
				t.Fatalf("13 days after approval: %s, parcel cancelled %v; want approved, booked", got.Status, s.w.returns[a.ID].cancelled)
			}
			s.at = s.at.Add(24 * time.Hour)
			s.run(t)
			got, err := s.svc.GetAfterSale(ctx, ann, a.ID)
			if err != nil || got.Status != domain.AfterSaleExpired || !s.w.returns[a.ID].cancelled {
				t.Fatalf("14 days after approval: %s, parcel cancelled %v, %v; want expired, cancelled", got.Status, s.w.returns[a.ID].cancelled, err)
			}
			s.at = s.at.Add(5 * time.Minute) // the failed step's retry
			s.run(t)
			if r := s.w.reserved[a.ID]; r != nil && r.status == "active" {
				t.Error("the expired exchange still holds its replacement")
			}
			s.at = s.at.Add(time.Minute) // the settlement's next look
			s.run(t)
			if st := s.subOrder(t, o.ID, sub.ID).Status; st != domain.Completed || s.w.escrows[sub.ID].supplierPaid != 9000 {
				t.Errorf("the sub-order: %s, supplier paid %d; want completed on all three scarves", st, s.w.escrows[sub.ID].supplierPaid)
			}
			if s.w.refunds["return:"+a.ID.String()] {
				t.Error("the buyer was refunded goods it kept")
			}
		})
	}
}

// Goods of an expired return that reach the supplier all the same (sent
// late, or by the buyer's own means with no parcel of ours to show them on
// their way) are received and refunded, clawed back from the supplier's
// payable once the sub-order settled; unless a later request claimed them
// since. An expired exchange stays expired: its replacement was given back.
// Before, the late receipt was refused and the supplier kept goods and
// money.
func TestAnExpiredReturnsGoodsReceivedLateAreRefunded(t *testing.T) {
	for _, tc := range []struct {
		name    string
		kind    domain.AfterSaleKind
		claimed bool // a later request claims the goods before they arrive
		want    string
	}{
		{name: "return", kind: domain.Return},
		{name: "return whose goods a later request claimed", kind: domain.Return, claimed: true, want: "AFTER_SALE_OPEN"},
		{name: "exchange", kind: domain.Exchange, want: "INVALID_TRANSITION"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSaga(t)
			// A window long enough to file again once the first request
			// expired.
			s.svc = app.New(s.store, s.w.peers(), app.Config{PaymentTimeout: timeout, AutoComplete: 7 * 24 * time.Hour,
				PaymentSettle: time.Minute, AfterSaleWindow: 60 * 24 * time.Hour})
			s.svc.SetClock(func() time.Time { return s.at })
			ann, o, a := s.approvedWithParcel(t, tc.kind)
			sub := o.SubOrders[0]
			s.at = s.at.Add(15 * 24 * time.Hour)
			s.run(t)
			if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleExpired {
				t.Fatalf("15 days after approval: %s, want expired", got.Status)
			}
			if tc.claimed {
				s.file(t, ann, sub.ID, domain.Return, back(s.scarf, 3))
			} else {
				// The goods take long enough for the sub-order to settle.
				s.at = s.at.Add(60 * 24 * time.Hour)
				s.run(t)
				if st := s.subOrder(t, o.ID, sub.ID).Status; st != domain.Completed {
					t.Fatalf("the sub-order is %s, want completed", st)
				}
			}
			wallet := s.w.wallets[ann.Subject]
			got, err := s.svc.ReceiveReturn(ctx, supplierOf(s.linen), a.ID, false, nil)
			if tc.want != "" {
				wantKind(t, err, apperr.KindFailedPrecondition, tc.want)
				s.run(t)
				if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleExpired || s.w.refunds["return:"+a.ID.String()] {
					t.Errorf("after the refused receipt: %s, refunded %v; want expired, not refunded", got.Status, s.w.refunds["return:"+a.ID.String()])
				}
				return
			}
			if err != nil || got.Status != domain.AfterSaleReceived {
				t.Fatalf("the late receipt: %+v, %v; want received", got, err)
			}
			s.run(t)
			got, _ = s.svc.GetAfterSale(ctx, ann, a.ID)
			if got.Status != domain.AfterSaleRefunded || !got.ClawBack || s.w.wallets[ann.Subject]-wallet != 3000 {
				t.Errorf("the late return: %s, claw-back %v, refunded %d; want 3000 clawed back", got.Status, got.ClawBack, s.w.wallets[ann.Subject]-wallet)
			}
		})
	}
}

// An exchange whose replacement was delivered while the original never
// left the buyer: ReturnSendBy after the approval its return parcel is
// cancelled (before, it stayed booked for ever) and the request shows no
// parcel back; the exchange stays exchanged and its sub-order settled.
func TestAnExchangesOriginalNeverSentBackCancelsItsReturnParcel(t *testing.T) {
	s := newSaga(t)
	ann, a := s.exchanged(t)
	s.at = s.at.Add(13 * 24 * time.Hour)
	s.run(t)
	if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleExchanged || got.ReturnShipmentID == nil || s.w.returns[a.ID].cancelled {
		t.Fatalf("13 days after approval: %s, parcel %v cancelled %v; want exchanged, booked", got.Status, got.ReturnShipmentID, s.w.returns[a.ID].cancelled)
	}
	s.at = s.at.Add(24 * time.Hour)
	s.run(t)
	got, err := s.svc.GetAfterSale(ctx, ann, a.ID)
	if err != nil || got.Status != domain.AfterSaleExchanged || !s.w.returns[a.ID].cancelled || got.ReturnShipmentID != nil || got.ReturnWaybill != "" {
		t.Fatalf("14 days after approval: %+v, parcel cancelled %v, %v; want exchanged, its parcel back cancelled and gone", got, s.w.returns[a.ID].cancelled, err)
	}
}

// An exchange whose original the supplier received back before shipping
// the replacement does not expire ReturnSendBy after its approval: the
// supplier has the goods and owes the replacement, whose stock stays held
// and which still ships.
func TestAnExchangeWhoseOriginalCameBackDoesNotExpire(t *testing.T) {
	s := newSaga(t)
	ann, _, a := s.approvedExchange(t)
	if _, err := s.svc.ReceiveReturn(ctx, supplierOf(s.linen), a.ID, false, nil); err != nil {
		t.Fatal(err)
	}
	s.at = s.at.Add(15 * 24 * time.Hour)
	s.run(t)
	got, err := s.svc.GetAfterSale(ctx, ann, a.ID)
	if err != nil || got.Status != domain.AfterSaleApproved || !got.Received {
		t.Fatalf("15 days after approval, its original received: %s (received %v), %v; want approved", got.Status, got.Received, err)
	}
	if r := s.w.reserved[a.ID]; r == nil || r.status != "active" {
		t.Fatal("the replacement's stock was given back")
	}
	if got, err = s.svc.ShipReplacement(ctx, supplierOf(s.linen), a.ID, uuid.New(), warehouse); err != nil || got.Status != domain.AfterSaleReplacementShipped {
		t.Fatalf("shipping the replacement: %s, %v", got.Status, err)
	}
}

// A return left open past the settlement's wait lets its sub-order settle
// without it; short, the sub-order awaits its top-up. The return received
// then is not refunded out of the escrow (the top-up request is for the
// goods as they were): it waits for the top-up, and once the sub-order
// completes it is clawed back from the supplier's payable.
func TestAReturnReceivedWhileATopUpIsAwaitedWaitsForIt(t *testing.T) {
	s := newSaga(t)
	ann, o, scarf := s.deliveredScarf(t)
	a := s.file(t, ann, scarf.ID, domain.Return, back(s.scarf, 1))
	s.at = s.at.Add(domain.AfterSaleWindow + 31*24*time.Hour)
	s.run(t)
	if st := s.subStatus(t, o.ID, scarf.ID); st != domain.AwaitingTopUp {
		t.Fatalf("the scarf is %s, want awaiting its top-up", st)
	}
	linen := supplierOf(s.linen)
	if _, err := s.svc.DecideAfterSale(ctx, linen, a.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if _, err := s.svc.ReceiveReturn(ctx, linen, a.ID, false, nil); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	key := "return:" + a.ID.String()
	if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleReceived || s.w.refunds[key] {
		t.Fatalf("received while the top-up is awaited: %s, refunded %v; want received, not refunded", got.Status, s.w.refunds[key])
	}
	s.w.payTopUp(scarf.ID, scarf.Goods.Amount)
	s.escrowSettled(t, scarf.ID)
	s.at = s.at.Add(time.Hour)
	s.run(t)
	got, _ := s.svc.GetAfterSale(ctx, ann, a.ID)
	if got.Status != domain.AfterSaleRefunded || !got.ClawBack || !s.w.refunds[key] {
		t.Errorf("once the top-up is paid: %s, claw-back %v, refunded %v; want refunded by a claw-back", got.Status, got.ClawBack, s.w.refunds[key])
	}
}

// interleavedStore runs before once, the first time a sub-order's
// requests are read outside a transaction: what commits then lands between
// the reads of whoever reads them.
type interleavedStore struct {
	app.Store
	before func()
	once   atomic.Bool
}

func (s *interleavedStore) AfterSalesOf(ctx context.Context, subOrderID uuid.UUID) ([]domain.AfterSale, error) {
	if s.once.CompareAndSwap(false, true) {
		s.before()
	}
	return s.Store.AfterSalesOf(ctx, subOrderID)
}

// A return refunded from escrow while the settle step reads the sub-order:
// settlement pays only the goods kept, whichever of its reads the refund
// commits between. Before, the step read the order (nothing refunded yet),
// then the requests (the return refunded, none open), and settled the
// returned goods as well, out of an escrow the refund had emptied of them.
func TestASettlementReadingAcrossARefundSettlesOnlyTheGoodsKept(t *testing.T) {
	s := newSaga(t)
	ann, o := s.delivered(t, line(s.scarf, 3))
	sub := o.SubOrders[0]
	a := s.file(t, ann, sub.ID, domain.Return, back(s.scarf, 2))
	s.receivedBack(t, ann, sub.ID, a)
	// The refund waits; the settle step comes due alone.
	if _, err := s.pool.Exec(ctx, `UPDATE saga_tasks SET due_at = due_at + interval '1 day' WHERE kind = $1`, app.TaskReturnRefund); err != nil {
		t.Fatal(err)
	}
	s.at = s.at.Add(2 * time.Minute)
	racing := &interleavedStore{Store: s.store, before: func() {
		if _, err := s.pool.Exec(ctx, `UPDATE saga_tasks SET due_at = $2 WHERE kind = $1`, app.TaskReturnRefund, s.at); err != nil {
			t.Error(err)
		}
		s.run(t) // the refund, on another replica
	}}
	settling := s.replica(racing)
	if _, err := settling.RunTasks(ctx, 100, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if !racing.once.Load() {
		t.Fatal("the settle step never read the requests")
	}
	s.run(t)
	if got := s.subOrder(t, o.ID, sub.ID); got.Status != domain.Completed || got.Refunded != 6000 {
		t.Fatalf("after settlement: %s, refunded %d", got.Status, got.Refunded)
	}
	if paid := s.w.escrows[sub.ID].supplierPaid; paid != 3000 {
		t.Errorf("the supplier was paid %d, want the 3000 of the goods kept", paid)
	}
}

// A return received and refunded on another replica while the settle
// step runs, past the wait for open returns: settlement pays the supplier
// only the goods kept, and the buyer gets the refund and the unused
// freight back once each, whether the refund lands before settlement
// began (as logistics records the bill: it is settled as refunded) or
// after (as finance settles: it is clawed back once the sub-order
// completes). Before, settlement used what it had read before its remote
// calls: the refund out of the escrow was settled as goods kept, and the
// buyer asked to top up what it had just been refunded.
func TestAReturnRefundedAsItsSubOrderSettlesIsCountedOnce(t *testing.T) {
	for _, at := range []string{"completing", "settling"} {
		t.Run(at, func(t *testing.T) {
			s := newSaga(t)
			ann, o, a := s.returnOnItsWay(t)
			sub := o.SubOrders[0]
			linen := supplierOf(s.linen)
			s.at = s.at.Add(domain.AfterSaleWindow + 31*24*time.Hour)
			wallet := s.w.wallets[ann.Subject]
			var ran atomic.Bool
			receiveAndRefund := func() {
				if !ran.CompareAndSwap(false, true) {
					return
				}
				if _, err := s.svc.ReceiveReturn(ctx, linen, a.ID, false, nil); err != nil {
					t.Error(err)
				}
				s.run(t) // on another replica
			}
			if at == "completing" {
				s.w.completing = func(uuid.UUID) { receiveAndRefund() }
			} else {
				s.w.beforeSettle = func(uuid.UUID) { receiveAndRefund() }
			}
			if _, err := s.replica(s.store).RunTasks(ctx, 100, slog.New(slog.DiscardHandler)); err != nil {
				t.Fatal(err)
			}
			if !ran.Load() {
				t.Fatal("the settle step never reached the hook")
			}
			for range 3 {
				s.at = s.at.Add(2 * time.Minute)
				s.run(t)
			}
			if got := s.subOrder(t, o.ID, sub.ID); got.Status != domain.Completed {
				t.Fatalf("the sub-order is %s, want completed", got.Status)
			}
			e := s.w.escrows[sub.ID]
			if kept := e.supplierPaid - e.clawedBack; kept != 6000 {
				t.Errorf("the supplier was paid %d and gave back %d: %d for the two scarves kept (6000)", e.supplierPaid, e.clawedBack, kept)
			}
			if back := s.w.wallets[ann.Subject] - wallet; back != 3500 {
				t.Errorf("the buyer got %d back, want the scarf's 3000 and the freight's 500", back)
			}
			if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleRefunded || got.ClawBack != (at == "settling") {
				t.Errorf("the return is %s, claw-back %v", got.Status, got.ClawBack)
			}
		})
	}
}

// A return received while its sub-order's settlement is stuck (begun, then
// failing at finance) waits quietly for an hour, then its refund's step
// fails too, counted among the failing steps for an operator; once the
// settlement goes through, the refund is clawed back.
func TestARefundWaitingOnAStuckSettlementIsReportedFailing(t *testing.T) {
	s := newSaga(t)
	ann, o, a := s.returnOnItsWay(t)
	sub := o.SubOrders[0]
	s.at = s.at.Add(domain.AfterSaleWindow + 31*24*time.Hour)
	s.w.settleDown = true
	s.run(t)
	if got := s.subOrder(t, o.ID, sub.ID); got.Status != domain.Delivered || got.SettlingAt == nil {
		t.Fatalf("a settlement failing at finance: %s, settling since %v; want delivered, settling", got.Status, got.SettlingAt)
	}
	if _, err := s.svc.ReceiveReturn(ctx, supplierOf(s.linen), a.ID, false, nil); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	failing := func() bool {
		t.Helper()
		var n int
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM saga_tasks WHERE kind = $1 AND subject = $2 AND failing_since IS NOT NULL`,
			app.TaskReturnRefund, a.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	if failing() {
		t.Fatal("the refund's step counts as failing as soon as it waits")
	}
	s.at = s.at.Add(2 * time.Hour)
	s.run(t)
	if !failing() {
		t.Error("the refund has waited two hours on a settlement that does not finish, and its step is not failing")
	}
	wallet := s.w.wallets[ann.Subject]
	s.w.settleDown = false
	for range 6 {
		s.at = s.at.Add(15 * time.Minute)
		s.run(t)
	}
	got, _ := s.svc.GetAfterSale(ctx, ann, a.ID)
	if st := s.subOrder(t, o.ID, sub.ID).Status; st != domain.Completed || got.Status != domain.AfterSaleRefunded || !got.ClawBack {
		t.Fatalf("once finance settles: sub-order %s, return %s (claw-back %v); want completed, refunded by a claw-back", st, got.Status, got.ClawBack)
	}
	if back := s.w.wallets[ann.Subject] - wallet; back != 3500 {
		t.Errorf("the buyer got %d back, want the scarf's 3000 and the freight's 500", back)
	}
}

// A return parcel the carrier took back to the buyer, undelivered, closes
// its request as one whose goods never left: the request expires, an
// exchange's replacement is given back, the buyer is not refunded, and may
// file again for the same goods. Before, the request stayed approved for
// good: the buyer could neither be refunded nor file again.
func TestAReturnParcelBackWithTheBuyerClosesItsRequest(t *testing.T) {
	for _, kind := range []domain.AfterSaleKind{domain.Return, domain.Exchange} {
		t.Run(string(kind), func(t *testing.T) {
			s := newSaga(t)
			ann, o, a := s.approvedWithParcel(t, kind)
			sub := o.SubOrders[0]
			for range 2 { // the event delivered twice
				if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.ReturnParcelBack(ctx, r, a.ID) }); err != nil {
					t.Fatal(err)
				}
				s.run(t)
			}
			got, err := s.svc.GetAfterSale(ctx, ann, a.ID)
			if err != nil || got.Status != domain.AfterSaleExpired {
				t.Fatalf("after its parcel came back: %s, %v; want expired", got.Status, err)
			}
			if r := s.w.reserved[a.ID]; r != nil && r.status == "active" {
				t.Error("the closed exchange still holds its replacement")
			}
			if s.w.refunds["return:"+a.ID.String()] {
				t.Error("the buyer was refunded goods it has back")
			}
			s.file(t, ann, sub.ID, kind, back(s.scarf, 1))
		})
	}
}

// A return whose goods are back, refunded from escrow with the answer lost
// (or before its record), when the settlement's wait for open returns has
// run out: the settlement waits for the refund's record, then pays the
// supplier for the goods kept. Before, it settled the goods whole against
// an escrow the refund had lowered, and asked the buyer to top up what it
// had just been refunded.
func TestSettlementWaitsForADueRefundPastTheWait(t *testing.T) {
	s := newSaga(t)
	_, o, a := s.approvedWithParcel(t, domain.Return)
	sub := o.SubOrders[0]
	linen := supplierOf(s.linen)
	s.at = s.at.Add(50 * 24 * time.Hour) // past the wait for open returns
	s.w.refundAnswersLost.Store(1000)
	if _, err := s.svc.ReceiveReturn(ctx, linen, a.ID, false, nil); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if !s.w.refunds["return:"+a.ID.String()] {
		t.Fatal("the refund was not paid")
	}
	if got := s.subOrder(t, o.ID, sub.ID); got.Status != domain.Delivered {
		t.Fatalf("with its refund paid but unrecorded the sub-order is %s, want delivered, waiting", got.Status)
	}
	s.w.refundAnswersLost.Store(0)
	for range 3 {
		s.at = s.at.Add(2 * time.Minute)
		s.run(t)
	}
	if got := s.subOrder(t, o.ID, sub.ID); got.Status != domain.Completed || s.w.escrows[sub.ID].supplierPaid != 6000 {
		t.Errorf("the sub-order is %s, supplier paid %d; want completed on the two scarves kept (6000)", got.Status, s.w.escrows[sub.ID].supplierPaid)
	}
}

// An expired exchange's replacement that the carrier picked up before its
// cancellation reached it is noted on the exchange's sub-order for an
// operator, and the step ends (it is under the request's id, not a
// sub-order's: before, the note found no sub-order and nothing was said).
func TestAnExpiredExchangesReplacementPickedUpFirstIsNoted(t *testing.T) {
	s := newSaga(t)
	ann, o, a := s.approvedExchange(t)
	s.at = s.at.Add(15 * 24 * time.Hour)
	s.run(t)
	if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleExpired {
		t.Fatalf("the exchange is %s, want expired", got.Status)
	}
	s.bookedPickedUpAndNoted(t, ann, o.ID, a.ID, a.SubOrderID, "replacement's parcel was picked up")
}

// A request that expires while its parcel is being booked (the supplier
// shipping a replacement, or the return parcel's booking slow, as the
// expiry runs) does not keep the parcel: the replacement is cancelled once
// its booking is known, the return parcel at once. Before, both stayed
// booked for a request nobody followed any more: the buyer got a
// replacement whose stock had been given back, or sent goods back for no
// refund.
func TestAParcelBookedAsItsRequestExpiresIsCancelled(t *testing.T) {
	expireNow := func(s *saga, t *testing.T) {
		s.at = s.at.Add(15 * 24 * time.Hour)
		s.run(t)
	}
	t.Run("replacement", func(t *testing.T) {
		s := newSaga(t)
		ann, _, a := s.approvedExchange(t)
		var sh app.Shipment
		s.w.booking = func(uuid.UUID) { expireNow(s, t); s.w.booking = nil }
		if _, err := s.svc.ShipReplacement(ctx, supplierOf(s.linen), a.ID, uuid.New(), warehouse); !apperr.IsKind(err, apperr.KindFailedPrecondition) {
			t.Fatalf("shipping a replacement as the exchange expired: %v, want FailedPrecondition", err)
		}
		if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleExpired {
			t.Fatalf("the exchange is %s, want expired", got.Status)
		}
		sh, _ = s.w.Ship(ctx, app.ShipInput{SubOrder: domain.SubOrder{ID: a.ID}, PlatformPays: true})
		if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.ShipmentBooked(ctx, r, a.ID, sh) }); err != nil {
			t.Fatal(err)
		}
		s.run(t)
		if !s.w.parcels[a.ID].cancelled {
			t.Error("the replacement of the expired exchange is still booked")
		}
	})
	t.Run("return parcel", func(t *testing.T) {
		s := newSaga(t)
		ann, o := s.delivered(t, line(s.scarf, 3))
		a := s.file(t, ann, o.SubOrders[0].ID, domain.Return, back(s.scarf, 1))
		s.w.bookingReturn = func(uuid.UUID) {
			s.w.bookingReturn = nil
			// The booking step is still this replica's: its lease is not
			// over in the days the clock jumps.
			if _, err := s.pool.Exec(ctx, `UPDATE saga_tasks SET due_at = due_at + interval '30 days' WHERE kind = $1`, app.TaskBookReturn); err != nil {
				t.Error(err)
			}
			expireNow(s, t)
		}
		if _, err := s.svc.DecideAfterSale(ctx, supplierOf(s.linen), a.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		s.run(t)
		if got, err := s.svc.GetAfterSale(ctx, ann, a.ID); err != nil || got.Status != domain.AfterSaleExpired {
			t.Fatalf("the request: %s, %v; want expired", got.Status, err)
		}
		if p := s.w.returns[a.ID]; p == nil || !p.cancelled {
			t.Error("the return parcel of the expired request is still booked")
		}
	})
}

// An exchange whose replacement was delivered, and whose original's return
// parcel the carrier then took back to the buyer: the request records that
// the buyer kept the original as well, its parcel over, as when the
// original was never sent. Before, it kept waiting for that parcel.
func TestAnExchangesOriginalBackWithTheBuyerIsRecorded(t *testing.T) {
	s := newSaga(t)
	ann, a := s.exchanged(t)
	if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.ReturnParcelBack(ctx, r, a.ID) }); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	got, err := s.svc.GetAfterSale(ctx, ann, a.ID)
	if err != nil || got.Status != domain.AfterSaleExchanged || got.ReturnShipmentID != nil || got.ReturnWaybill != "" {
		t.Fatalf("after the original's parcel came back: %+v, %v; want exchanged, no parcel awaited", got, err)
	}
}

// An exchange whose replacement the carrier took back to the supplier,
// undelivered, becomes a return of its lines: refunded at once when the
// supplier has the original, once it arrives when it is on its way (or
// sent by the buyer's own means), closed when the buyer kept it or does not
// send it within ReturnSendBy of learning the replacement came back. The
// fact arrives by logistics' event, or by the replacement's daily look-up
// when that event is lost; the change log tells the buyer which. Before,
// the event was dropped: the exchange stayed replacement_shipped for ever,
// the buyer with neither the replacement nor its money, and the sub-order
// never settled.
func TestAnExchangesReplacementBackWithItsSupplierBecomesAReturn(t *testing.T) {
	receive := func(t *testing.T, s *saga, a domain.AfterSale) {
		if _, err := s.svc.ReceiveReturn(ctx, supplierOf(s.linen), a.ID, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name   string
		before func(t *testing.T, s *saga, a domain.AfterSale) // the original's fate before the replacement comes back
		booked bool                                            // the supplier's ShipReplacement answered and recorded
		lost   bool                                            // the returned event is lost: the daily look-up finds it
		want   domain.AfterSaleStatus
		told   string                                          // what the change log says of it
		after  func(t *testing.T, s *saga, a domain.AfterSale) // what happens to the original then
		final  domain.AfterSaleStatus
	}{
		{name: "original received", booked: true, before: receive, want: domain.AfterSaleReceived, told: "refunded as a return",
			final: domain.AfterSaleRefunded},
		{name: "original on its way", booked: true, want: domain.AfterSaleApproved, told: "refunded when the original is back",
			after: receive, final: domain.AfterSaleRefunded},
		{name: "event lost", booked: true, lost: true, want: domain.AfterSaleApproved, told: "refunded when the original is back",
			final: domain.AfterSaleApproved},
		{name: "original on its way, booking unrecorded", want: domain.AfterSaleApproved, told: "refunded when the original is back",
			final: domain.AfterSaleApproved},
		{name: "no parcel back, the original sent anyway", booked: true, want: domain.AfterSaleApproved, told: "refunded when the original is back",
			before: func(t *testing.T, s *saga, a domain.AfterSale) {
				// As for a sub-order shipped outside our logistics: the buyer
				// sends the original back by its own means.
				if _, err := s.pool.Exec(ctx, `UPDATE after_sales SET return_shipment_id = NULL, return_waybill = '' WHERE id = $1`, a.ID); err != nil {
					t.Fatal(err)
				}
			},
			after: receive, final: domain.AfterSaleRefunded},
		{name: "original never sent", booked: true, want: domain.AfterSaleApproved, told: "to be sent within",
			before: func(t *testing.T, s *saga, a domain.AfterSale) {
				s.at = s.at.Add(10 * 24 * time.Hour) // the replacement's journey there and back
				s.run(t)
			},
			after: func(t *testing.T, s *saga, a domain.AfterSale) {
				// A window from when the buyer learnt of it, not from the
				// approval.
				s.at = s.at.Add(5 * 24 * time.Hour)
				s.run(t)
				if got, _ := s.store.GetAfterSale(ctx, a.ID, false); got.Status != domain.AfterSaleApproved {
					t.Fatalf("15 days after approval, 5 after the replacement came back: %s, want still approved", got.Status)
				}
				s.at = s.at.Add(10 * 24 * time.Hour)
				s.run(t)
			},
			final: domain.AfterSaleExpired},
		{name: "original kept", booked: true, want: domain.AfterSaleExpired, told: "the buyer kept the original",
			before: func(t *testing.T, s *saga, a domain.AfterSale) {
				s.at = s.at.Add(15 * 24 * time.Hour) // ReturnSendBy: the return parcel is cancelled
				s.run(t)
				if got, _ := s.store.GetAfterSale(ctx, a.ID, false); got.ReturnShipmentID != nil || !got.OriginalKept {
					t.Fatal("the original's parcel back was not cancelled, the original not noted kept")
				}
			},
			final: domain.AfterSaleExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSaga(t)
			ann, o, a := s.approvedExchange(t)
			sub := o.SubOrders[0]
			var sh app.Shipment
			var err error
			if tc.booked {
				got, err := s.svc.ShipReplacement(ctx, supplierOf(s.linen), a.ID, uuid.New(), warehouse)
				if err != nil {
					t.Fatal(err)
				}
				sh = app.Shipment{ID: *got.ReplacementShipmentID, Waybill: got.ReplacementWaybill}
			} else if sh, err = s.w.Ship(ctx, app.ShipInput{SubOrder: domain.SubOrder{ID: a.ID}, PlatformPays: true}); err != nil {
				t.Fatal(err)
			}
			if tc.before != nil {
				tc.before(t, s, a)
			}
			wallet := s.w.wallets[ann.Subject]
			if tc.lost {
				s.w.parcels[a.ID].returned = true
				s.at = s.at.Add(25 * time.Hour) // the replacement's daily look-up
				s.run(t)
			} else if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.ShipmentReturned(ctx, r, a.ID, sh) }); err != nil {
				t.Fatal(err)
			}
			got, err := s.svc.GetAfterSale(ctx, ann, a.ID)
			if err != nil || got.Kind != domain.Return || got.Status != tc.want || got.ReplacementShipmentID == nil || *got.ReplacementShipmentID != sh.ID {
				t.Fatalf("after the replacement came back: %+v, %v; want a return %s, its replacement recorded", got, err, tc.want)
			}
			changes, _ := s.svc.ListOrderChanges(ctx, ann, o.ID)
			var told string
			for _, c := range changes {
				if c.From == "exchange:replacement_shipped" && c.To == domain.Status("return:"+string(tc.want)) {
					told = c.Reason
				}
			}
			if !strings.Contains(told, tc.told) {
				t.Errorf("the change log says %q of the conversion; want it to say %q", told, tc.told)
			}
			s.run(t)
			if tc.after != nil {
				tc.after(t, s, a)
				s.run(t)
			}
			got, _ = s.svc.GetAfterSale(ctx, ann, a.ID)
			refunded := s.w.refunds["return:"+a.ID.String()]
			if want := tc.final == domain.AfterSaleRefunded; got.Status != tc.final || refunded != want {
				t.Fatalf("in the end: %s, refunded %v; want %s", got.Status, refunded, tc.final)
			}
			if tc.final == domain.AfterSaleRefunded && s.w.wallets[ann.Subject]-wallet != 3000 {
				t.Errorf("the buyer got %d back, want the 3000 the line cost", s.w.wallets[ann.Subject]-wallet)
			}
			if !got.Status.Open() {
				// Closed, the request no longer holds the sub-order's settlement.
				s.at = s.at.Add(8 * 24 * time.Hour)
				s.run(t)
				paid := int64(6000)
				if refunded {
					paid = 3000
				}
				if st := s.subOrder(t, o.ID, sub.ID).Status; st != domain.Completed || s.w.escrows[sub.ID].supplierPaid != paid {
					t.Errorf("the sub-order: %s, supplier paid %d; want completed, %d", st, s.w.escrows[sub.ID].supplierPaid, paid)
				}
			}
		})
	}
}

// A sub-order all of whose goods came back before settlement still settles,
// at goods of 0: finance recovers the freight the platform advanced from
// what escrow holds and gives the buyer the rest. Before, orders refunded
// the rest itself and never settled: an advance was never recovered.
func TestASubOrderAllReturnedSettlesAtNothing(t *testing.T) {
	s := newSaga(t)
	ann, o := s.delivered(t, line(s.scarf, 1))
	sub := o.SubOrders[0]
	a := s.file(t, ann, sub.ID, domain.Return, back(s.scarf, 1))
	s.receivedBack(t, ann, sub.ID, a)
	s.run(t)
	wallet := s.w.wallets[ann.Subject]
	s.at = s.at.Add(2 * time.Minute)
	s.run(t)
	e := s.w.escrows[sub.ID]
	if got := s.subOrder(t, o.ID, sub.ID); got.Status != domain.Completed || !e.settled || e.supplierPaid != 0 {
		t.Fatalf("after the whole return: %s, escrow settled %v, supplier paid %d; want completed, settled at nothing", got.Status, e.settled, e.supplierPaid)
	}
	if d := s.w.wallets[ann.Subject] - wallet; d != 500 {
		t.Errorf("the buyer got %d of the unspent freight back at settlement, want 500", d)
	}
}

// A shipped replacement is looked up at logistics daily: its delivery,
// should the event be lost, is found that way, and once the event comes
// the look-up stops.
func TestAShippedReplacementIsLookedUpUntilItsEventComes(t *testing.T) {
	t.Run("delivered unannounced", func(t *testing.T) {
		s := newSaga(t)
		ann, _, a := s.approvedExchange(t)
		if _, err := s.svc.ShipReplacement(ctx, supplierOf(s.linen), a.ID, uuid.New(), warehouse); err != nil {
			t.Fatal(err)
		}
		s.w.parcels[a.ID].delivered = true
		s.run(t)
		if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleReplacementShipped {
			t.Fatalf("looked up before a day passed: %s", got.Status)
		}
		s.at = s.at.Add(25 * time.Hour)
		s.run(t)
		if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleExchanged {
			t.Fatalf("a day after its delivery: %s, want exchanged", got.Status)
		}
	})
	t.Run("announced", func(t *testing.T) {
		s := newSaga(t)
		ann, _, a := s.approvedExchange(t)
		if _, err := s.svc.ShipReplacement(ctx, supplierOf(s.linen), a.ID, uuid.New(), warehouse); err != nil {
			t.Fatal(err)
		}
		if _, ok := s.due(t, app.TaskCheckReplacement, a.ID); !ok {
			t.Fatal("no look-up scheduled for the shipped replacement")
		}
		if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.ShipmentDelivered(ctx, r, a.ID, app.Shipment{}) }); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleExchanged {
			t.Fatalf("after its delivery's event: %s, want exchanged", got.Status)
		}
		if _, ok := s.due(t, app.TaskCheckReplacement, a.ID); ok {
			t.Error("the look-up is still scheduled after the delivery's event")
		}
	})
	t.Run("parcel gone", func(t *testing.T) {
		s := newSaga(t)
		ann, o, a := s.approvedExchange(t)
		if _, err := s.svc.ShipReplacement(ctx, supplierOf(s.linen), a.ID, uuid.New(), warehouse); err != nil {
			t.Fatal(err)
		}
		s.w.parcels[a.ID].cancelled = true
		s.at = s.at.Add(25 * time.Hour)
		s.run(t)
		if _, ok := s.due(t, app.TaskCheckReplacement, a.ID); ok {
			t.Error("a cancelled replacement is looked up again")
		}
		changes, _ := s.svc.ListOrderChanges(ctx, ann, o.ID)
		if !slices.ContainsFunc(changes, func(c domain.Change) bool { return strings.Contains(c.Reason, "needs an operator") }) {
			t.Error("nothing in the log tells an operator")
		}
	})
}

// Replacements shipped before the daily look-up existed get one from the
// migration that brings it (one may have come back unseen); nothing else
// does.
func TestTheMigrationLooksUpReplacementsAlreadyShipped(t *testing.T) {
	s, migrateRest := newSagaBefore(t, "orders_before_replacement_checks", "00015")
	_, _, shipped := s.approvedExchange(t)
	_, _, waiting := s.approvedExchange(t)
	if _, err := s.svc.ShipReplacement(ctx, supplierOf(s.linen), shipped.ID, uuid.New(), warehouse); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM saga_tasks WHERE kind = 'check_replacement'`); err != nil {
		t.Fatal(err)
	}
	migrateRest()
	if _, ok := s.due(t, app.TaskCheckReplacement, shipped.ID); !ok {
		t.Error("the replacement shipped before has no look-up")
	}
	if _, ok := s.due(t, app.TaskCheckReplacement, waiting.ID); ok {
		t.Error("an exchange whose replacement has not shipped is looked up")
	}
}

// convertingStore answers the request's read outside a transaction number
// at (from 1) as the request stood, then runs convert before whoever read
// it goes on: the request changes between a step's read and its locked
// edit.
type convertingStore struct {
	app.Store
	request uuid.UUID
	at      int32
	convert func()
	reads   atomic.Int32
}

func (s *convertingStore) GetAfterSale(ctx context.Context, id uuid.UUID, lock bool) (domain.AfterSale, error) {
	a, err := s.Store.GetAfterSale(ctx, id, lock)
	if !lock && id == s.request && s.reads.Add(1) == s.at {
		s.convert()
	}
	return a, err
}

// The steps that read an exchange and then change it under its lock find
// it converted to a return meanwhile (its replacement came back): the
// supplier's receipt of the original receives it as a return, refunded;
// the expiry that found the original never sent back closes it. Before,
// the receipt noted the goods received on an approved return that nothing
// then refunded, and the expiry left an approved return with no parcel
// that waited another send-by window.
func TestStepsRacingTheConversionFinishItAsAReturn(t *testing.T) {
	for _, tc := range []struct {
		name string
		read int32 // the step's read of the request the conversion follows
		step func(t *testing.T, s *saga, svc *app.Service, a domain.AfterSale)
		want domain.AfterSaleStatus
	}{
		// The first read checks the supplier's access; receiving reads again.
		{"the original received", 2, func(t *testing.T, s *saga, svc *app.Service, a domain.AfterSale) {
			if _, err := svc.ReceiveReturn(ctx, supplierOf(s.linen), a.ID, false, nil); err != nil {
				t.Fatal(err)
			}
		}, domain.AfterSaleRefunded},
		{"the original never sent", 1, func(t *testing.T, s *saga, svc *app.Service, a domain.AfterSale) {
			if _, err := s.pool.Exec(ctx, `DELETE FROM saga_tasks WHERE kind = $1`, app.TaskCheckReplacement); err != nil {
				t.Fatal(err)
			}
			s.at = s.at.Add(15 * 24 * time.Hour) // ReturnSendBy after the approval
			if _, err := svc.RunTasks(ctx, 100, slog.New(slog.DiscardHandler)); err != nil {
				t.Fatal(err)
			}
		}, domain.AfterSaleExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSaga(t)
			ann, _, a := s.approvedExchange(t)
			shipped, err := s.svc.ShipReplacement(ctx, supplierOf(s.linen), a.ID, uuid.New(), warehouse)
			if err != nil {
				t.Fatal(err)
			}
			racing := &convertingStore{Store: s.store, request: a.ID, at: tc.read, convert: func() {
				if err := s.store.InTx(ctx, func(r app.Repository) error {
					return s.svc.ShipmentReturned(ctx, r, a.ID, app.Shipment{ID: *shipped.ReplacementShipmentID})
				}); err != nil {
					t.Error(err)
				}
			}}
			svc := s.replica(racing)
			wallet := s.w.wallets[ann.Subject]
			tc.step(t, s, svc, a)
			if racing.reads.Load() < tc.read {
				t.Fatalf("the step read the request %d times, not %d", racing.reads.Load(), tc.read)
			}
			s.run(t)
			got, err := s.svc.GetAfterSale(ctx, ann, a.ID)
			if err != nil || got.Kind != domain.Return || got.Status != tc.want {
				t.Fatalf("after the step and the conversion: %s %s, %v; want a return %s", got.Kind, got.Status, err, tc.want)
			}
			if refunded := s.w.wallets[ann.Subject] - wallet; (tc.want == domain.AfterSaleRefunded) != (refunded == 3000) {
				t.Errorf("the buyer got %d back", refunded)
			}
		})
	}
}

// A return parcel the carrier picked up keeps its request waiting past
// ReturnSendBy, and the request looks it up at logistics daily meanwhile,
// in case its event was lost: delivered to the supplier, the goods are
// received (ReturnReceipt after the delivery) and refunded; brought back to
// the buyer, or cancelled, the request expires; gone from logistics, an
// operator is told once and the look-ups stop. Before, a lost event left
// the request approved for good.
func TestAPickedUpReturnParcelIsLookedUp(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lose   func(p *parcel)
		want   domain.AfterSaleStatus
		noted  bool
		lookUp bool // looked up again afterwards
	}{
		{"delivered, its event lost", func(p *parcel) { p.delivered = true }, domain.AfterSaleRefunded, false, false},
		{"brought back to the buyer, its event lost", func(p *parcel) { p.returned = true }, domain.AfterSaleExpired, false, false},
		{"cancelled at logistics", func(p *parcel) { p.cancelled = true }, domain.AfterSaleExpired, false, false},
		{"gone from logistics", func(p *parcel) { p.vanished = true }, domain.AfterSaleApproved, true, false},
		{"still on its way", func(*parcel) {}, domain.AfterSaleApproved, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSaga(t)
			ann, o, a := s.approvedWithParcel(t, domain.Return)
			s.w.returns[a.ID].pickedUp = true
			s.at = s.at.Add(15 * 24 * time.Hour) // past ReturnSendBy
			s.run(t)
			if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleApproved || s.w.returnLookUps != 1 {
				t.Fatalf("past ReturnSendBy with the parcel on its way: %s, %d look-ups; want approved, looked up once", got.Status, s.w.returnLookUps)
			}
			tc.lose(s.w.returns[a.ID])
			for range 8 { // past ReturnReceipt
				s.at = s.at.Add(25 * time.Hour)
				s.run(t)
			}
			got, _ := s.svc.GetAfterSale(ctx, ann, a.ID)
			if got.Status != tc.want {
				t.Errorf("request %s, want %s", got.Status, tc.want)
			}
			if notes, want := s.operatorNotes(t, ann, o.ID), map[bool]int{true: 1, false: 0}[tc.noted]; notes != want {
				t.Errorf("%d notes for an operator, want %d", notes, want)
			}
			before := s.w.returnLookUps
			s.at = s.at.Add(25 * time.Hour)
			s.run(t)
			if again := s.w.returnLookUps > before; again != tc.lookUp {
				t.Errorf("looked up again a day later: %v, want %v", again, tc.lookUp)
			}
		})
	}
}

// An exchange whose replacement was delivered and whose original's parcel
// the carrier picked up is looked up too: the original delivered to the
// supplier, its event lost, counts as received; brought back to the buyer,
// the buyer kept it; gone from logistics, an operator is told.
func TestAnExchangesPickedUpOriginalIsLookedUp(t *testing.T) {
	for _, tc := range []struct {
		name               string
		lose               func(p *parcel)
		received, kept     bool
		toldAnOperatorOnce bool
	}{
		{"delivered, its event lost", func(p *parcel) { p.delivered = true }, true, false, false},
		{"brought back to the buyer, its event lost", func(p *parcel) { p.returned = true }, false, true, false},
		{"gone from logistics", func(p *parcel) { p.vanished = true }, false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSaga(t)
			ann, a := s.exchanged(t)
			s.w.returns[a.ID].pickedUp = true
			s.at = s.at.Add(15 * 24 * time.Hour) // past ReturnSendBy
			s.run(t)
			if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleExchanged || got.Received || s.w.returnLookUps != 1 {
				t.Fatalf("past ReturnSendBy with the original on its way: %s, received %v, %d look-ups; want exchanged, looked up once",
					got.Status, got.Received, s.w.returnLookUps)
			}
			tc.lose(s.w.returns[a.ID])
			for range 8 { // past ReturnReceipt
				s.at = s.at.Add(25 * time.Hour)
				s.run(t)
			}
			got, _ := s.svc.GetAfterSale(ctx, ann, a.ID)
			if got.Status != domain.AfterSaleExchanged || got.Received != tc.received || got.OriginalKept != tc.kept {
				t.Errorf("exchange %s, received %v, kept %v; want exchanged, received %v, kept %v", got.Status, got.Received, got.OriginalKept, tc.received, tc.kept)
			}
			if notes, want := s.operatorNotes(t, ann, got.OrderID), map[bool]int{true: 1, false: 0}[tc.toldAnOperatorOnce]; notes != want {
				t.Errorf("%d notes for an operator, want %d", notes, want)
			}
		})
	}
}

// Exchanges whose buyer kept the original before original_kept existed,
// noted so only in the change log, are marked kept by the migration that
// follows it; an exchange whose original is still awaited is not.
func TestTheMigrationMarksOriginalsKeptBefore(t *testing.T) {
	s, migrateRest := newSagaBefore(t, "orders_before_kept_originals", "00016")
	_, kept := s.exchanged(t)
	_, awaited := s.exchanged(t)
	s.w.returns[awaited.ID].pickedUp = true
	s.at = s.at.Add(15 * 24 * time.Hour) // past ReturnSendBy: kept's parcel cancelled, noted
	s.run(t)
	// As the code before 00015 left them: noted, not flagged.
	if _, err := s.pool.Exec(ctx, `UPDATE after_sales SET original_kept = false`); err != nil {
		t.Fatal(err)
	}
	migrateRest()
	for _, tc := range []struct {
		id   uuid.UUID
		want bool
	}{{kept.ID, true}, {awaited.ID, false}} {
		var got bool
		if err := s.pool.QueryRow(ctx, `SELECT original_kept FROM after_sales WHERE id = $1`, tc.id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("exchange %s: original_kept %v after the migration, want %v", tc.id, got, tc.want)
		}
	}
}

// operatorNotes counts the order's change-log entries that ask for an
// operator.
func (s *saga) operatorNotes(t *testing.T, c auth.Caller, orderID uuid.UUID) int {
	t.Helper()
	changes, err := s.svc.ListOrderChanges(ctx, c, orderID)
	if err != nil {
		t.Fatal(err)
	}
	notes := 0
	for _, ch := range changes {
		if strings.Contains(ch.Reason, "needs an operator") {
			notes++
		}
	}
	return notes
}

// A return parcel logistics still has but cannot cancel for a NotFound of
// its own (the carrier's 404, say) fails the expiry step, counted for the
// failing-steps alert, rather than being taken for a parcel gone and
// looked up quietly for ever.
func TestAReturnParcelsCancellationNotFoundFailsTheExpiry(t *testing.T) {
	s := newSaga(t)
	ann, o, a := s.approvedWithParcel(t, domain.Return)
	s.w.returns[a.ID].cancelNotFound = true
	s.at = s.at.Add(15 * 24 * time.Hour) // past ReturnSendBy
	s.run(t)
	if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleApproved {
		t.Fatalf("request %s, want approved while its parcel cannot be cancelled", got.Status)
	}
	if f := testkit.FailingSteps(t, s.store.FailingSteps); f[string(app.TaskExpireReturn)].Count != 1 {
		t.Errorf("failing steps %+v, want the expiry counted", f)
	}
	if n := s.operatorNotes(t, ann, o.ID); n != 0 {
		t.Errorf("%d operator notes, want none: the parcel is at logistics", n)
	}
}

// A return parcel on its way for good is looked up daily without end; once
// it is ReturnParcelOverdue past its send-by time, the failing-steps gauge
// counts it for an operator.
func TestAReturnParcelOnItsWayForGoodIsCountedOverdue(t *testing.T) {
	s := newSaga(t)
	_, _, a := s.approvedWithParcel(t, domain.Return)
	s.w.returns[a.ID].pickedUp = true
	s.at = s.at.Add(15 * 24 * time.Hour) // past ReturnSendBy: looked up, on its way
	s.run(t)
	sendBy := 14 * 24 * time.Hour
	overdue := s.store.OverdueReturnParcels(sendBy, app.ReturnParcelOverdue)
	if got := testkit.FailingSteps(t, overdue); len(got) != 0 {
		t.Fatalf("overdue return parcels %+v right past the send-by time, want none", got)
	}
	// The database's clock counts: the request was approved long ago.
	if _, err := s.pool.Exec(ctx, `UPDATE saga_tasks SET created_at = now() - interval '45 days' WHERE kind = 'expire_return' AND subject = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := testkit.FailingSteps(t, overdue); got["return_parcel_overdue"].Count != 1 || got["return_parcel_overdue"].Longest < 44*24*time.Hour {
		t.Errorf("overdue return parcels %+v, want the one on its way for 45 days", got)
	}
}

// receivedBack confirms the buyer received a sub-order of linen, approves
// its return request a and receives the goods back into the supplier's
// warehouse.
func (s *saga) receivedBack(t *testing.T, ann auth.Caller, sub uuid.UUID, a domain.AfterSale) {
	t.Helper()
	linen := supplierOf(s.linen)
	if _, err := s.svc.ConfirmReceipt(ctx, ann, sub); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.DecideAfterSale(ctx, linen, a.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	w := s.w.warehouseOf(s.linen)
	if _, err := s.svc.ReceiveReturn(ctx, linen, a.ID, true, &w); err != nil {
		t.Fatal(err)
	}
}
