package app_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// A sub-order shipped by a parcel booked outside our logistics (its
// supplier's own carrier, a supply platform's) carries the carrier and
// waybill only: its stock is committed at once and nothing is booked with
// logistics; a retry with the same waybill answers it, another parcel is
// refused either way. It is delivered when the buyer confirms receipt, or
// once the delivery window passed, and settles like any other: the supplier
// is paid the goods and the buyer gets the freight back, no carrier's leg
// having been paid from the escrow. A return of such goods books no parcel
// back.
func TestExternalShipmentDeliversAndSettles(t *testing.T) {
	s := newSaga(t)
	ann, o, phone, code, scarf := s.paidPhoneCodeAndScarf(t)
	works, porto := supplierOf(s.gadgets), supplierOf(s.linen)

	for _, tc := range []struct{ name, carrier, waybill, field string }{
		{"no carrier", "", "YT1", "carrier_code"},
		{"no waybill", "YTO", "", "waybill"},
		{"carrier too long", strings.Repeat("C", 33), "YT1", "carrier_code"},
		{"waybill too long", "YTO", strings.Repeat("9", 65), "waybill"},
		{"control character", "YTO", "YT\n1", "waybill"},
		{"padded", " YTO", "YT1", "carrier_code"},
	} {
		_, err := s.svc.RecordExternalShipment(ctx, works, phone.ID, tc.carrier, tc.waybill, uuid.Nil)
		var e *apperr.Error
		if !asApp(err, &e) || e.Kind != apperr.KindInvalid || len(e.Violations) != 1 || e.Violations[0].Field != tc.field {
			t.Errorf("%s: %v, want one violation of %s", tc.name, err, tc.field)
		}
	}
	if _, err := s.svc.RecordExternalShipment(ctx, porto, phone.ID, "YTO", "YT1", uuid.Nil); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("another supplier shipped the sub-order: %v", err)
	}
	_, err := s.svc.RecordExternalShipment(ctx, works, code.ID, "YTO", "YT1", uuid.Nil)
	wantKind(t, err, apperr.KindFailedPrecondition, "NOT_PHYSICAL")

	got, err := s.svc.RecordExternalShipment(ctx, works, phone.ID, "YTO", "YT7000000001", uuid.Nil)
	if err != nil || got.Status != domain.Shipped || got.Waybill != "YT7000000001" || got.CarrierCode != "YTO" || got.ShipmentID != nil ||
		!got.ExternalParcel() || got.ShippedAt == nil {
		t.Fatalf("external shipment: %+v, %v", got, err)
	}
	s.run(t)
	if st := s.w.reserved[phone.ID].status; st != "committed" {
		t.Errorf("an externally shipped sub-order's stock is %s, want committed", st)
	}
	if s.w.parcels[phone.ID] != nil {
		t.Error("an external shipment booked a parcel with logistics")
	}
	if n := s.outboxCount(t, app.SubjectSubOrderShipped); n != 1 {
		t.Errorf("%d sub-order shipped events, want 1", n)
	}
	if again, err := s.svc.RecordExternalShipment(ctx, works, phone.ID, "YTO", "YT7000000001", uuid.Nil); err != nil || again.Waybill != "YT7000000001" {
		t.Errorf("the same waybill again: %+v, %v", again, err)
	}
	_, err = s.svc.RecordExternalShipment(ctx, works, phone.ID, "YTO", "YT7000000002", uuid.Nil)
	wantKind(t, err, apperr.KindFailedPrecondition, "ALREADY_SHIPPED")
	from := domain.Address{Recipient: "Works", Country: "CN", City: "Shenzhen", Lines: []string{"Dock 4"}}
	_, err = s.svc.ShipSubOrder(ctx, works, phone.ID, uuid.New(), from, uuid.Nil)
	wantKind(t, err, apperr.KindFailedPrecondition, "ALREADY_SHIPPED")
	if n := s.outboxCount(t, app.SubjectSubOrderShipped); n != 1 {
		t.Errorf("%d sub-order shipped events after the retries, want 1", n)
	}

	// The buyer confirms the phone's receipt while it is shipped: nobody
	// else reports an external parcel's arrival. It settles now.
	wallet := s.w.wallets[ann.Subject]
	held := s.w.escrows[phone.ID].balance
	if _, err := s.svc.ConfirmReceipt(ctx, porto, phone.ID); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("a supplier confirmed the buyer's receipt: %v", err)
	}
	if got, err := s.svc.ConfirmReceipt(ctx, ann, phone.ID); err != nil || got.Status != domain.Delivered {
		t.Fatalf("confirm: %+v, %v", got, err)
	}
	s.run(t)
	after, _ := s.store.GetOrder(ctx, o.ID, false)
	if st := after.SubOrder(phone.ID).Status; st != domain.Completed {
		t.Fatalf("the confirmed phone is %s, want completed", st)
	}
	if paid := s.w.escrows[phone.ID].supplierPaid; paid != phone.Goods.Amount {
		t.Errorf("the supplier was paid %d, want the goods %d", paid, phone.Goods.Amount)
	}
	if refund := s.w.wallets[ann.Subject] - wallet; refund != held-phone.Goods.Amount || refund != phone.Freight.Amount {
		t.Errorf("the buyer got back %d, want the freight %d (escrow held %d)", refund, phone.Freight.Amount, held)
	}

	// The scarf is never confirmed: it is delivered when the window ends
	// and completes after the automatic delay.
	if _, err := s.svc.RecordExternalShipment(ctx, porto, scarf.ID, "SF", "SF100200300", uuid.Nil); err != nil {
		t.Fatal(err)
	}
	s.at = s.at.Add(15*24*time.Hour - time.Minute)
	s.run(t)
	if after, _ = s.store.GetOrder(ctx, o.ID, false); after.SubOrder(scarf.ID).Status != domain.Shipped {
		t.Fatalf("the scarf is %s before its delivery window ended", after.SubOrder(scarf.ID).Status)
	}
	s.at = s.at.Add(time.Minute)
	s.run(t)
	if after, _ = s.store.GetOrder(ctx, o.ID, false); after.SubOrder(scarf.ID).Status != domain.Delivered {
		t.Fatalf("the scarf is %s once its delivery window ended, want delivered", after.SubOrder(scarf.ID).Status)
	}

	// A return of goods that came by an external parcel books no parcel
	// back (we have none to return along): the supplier confirms receipt
	// and the buyer is refunded; it then settles on the goods kept.
	a := s.file(t, ann, scarf.ID, domain.Return, back(s.scarf, 1))
	if _, err := s.svc.DecideAfterSale(ctx, porto, a.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	var failing int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM saga_tasks WHERE kind = $1 OR attempts > 0`, app.TaskBookReturn).Scan(&failing); err != nil {
		t.Fatal(err)
	}
	if s.w.returns[a.ID] != nil || failing != 0 {
		t.Fatalf("approving the return booked %v and left %d steps booking or failing, want neither", s.w.returns[a.ID], failing)
	}
	wallet = s.w.wallets[ann.Subject]
	if got, err := s.svc.ReceiveReturn(ctx, porto, a.ID, false, nil); err != nil || !got.Received {
		t.Fatalf("receive: %+v, %v", got, err)
	}
	s.run(t)
	if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleRefunded || s.w.wallets[ann.Subject]-wallet != scarf.Goods.Amount {
		t.Fatalf("the return: %s, the buyer got %d back, want the scarf's %d", got.Status, s.w.wallets[ann.Subject]-wallet, scarf.Goods.Amount)
	}
	s.at = s.at.Add(7 * 24 * time.Hour)
	s.run(t)
	if after, _ = s.store.GetOrder(ctx, o.ID, false); after.SubOrder(scarf.ID).Status != domain.Completed {
		t.Errorf("the scarf after the automatic delay: %s, want completed", after.SubOrder(scarf.ID).Status)
	}
}

// A stock commit inventory refuses for good (the reservation lapsed before
// the goods left) is noted in the change log for an operator and not asked
// again.
func TestAStockCommitRefusedForGoodIsNotedOnce(t *testing.T) {
	s := newSaga(t)
	ann, o, phone, _, _ := s.paidPhoneCodeAndScarf(t)
	s.w.reserved[phone.ID].status = "expired"
	if _, err := s.svc.RecordExternalShipment(ctx, supplierOf(s.gadgets), phone.ID, "YTO", "YT7000000001", uuid.Nil); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	left := s.steps(t, app.TaskCommitStock)
	changes, err := s.svc.ListOrderChanges(ctx, ann, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	notes := 0
	for _, c := range changes {
		if c.SubOrderID == phone.ID && strings.HasPrefix(c.Reason, "stock not committed") {
			notes++
		}
	}
	if left != 0 || notes != 1 {
		t.Errorf("%d commit steps left, %d notes in the change log; want none left and one note", left, notes)
	}
}

// Inventory answering PermissionDenied (orders' identity missing a role
// after a bad rollout) is not a refusal for good: nothing is noted, the
// step is tried again, and it commits once the role is back. Before, the
// commit was given up and noted for an operator.
func TestAStockCommitDeniedByPermissionIsRetried(t *testing.T) {
	s := newSaga(t)
	ann, o, phone, _, _ := s.paidPhoneCodeAndScarf(t)
	s.w.reserved[phone.ID].status = "denied"
	if _, err := s.svc.RecordExternalShipment(ctx, supplierOf(s.gadgets), phone.ID, "YTO", "YT7000000002", uuid.Nil); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if s.steps(t, app.TaskCommitStock) != 1 {
		t.Fatal("the commit step denied by permission was given up")
	}
	s.w.reserved[phone.ID].status = "active"
	s.at = s.at.Add(time.Hour)
	s.run(t)
	if left := s.steps(t, app.TaskCommitStock); left != 0 || s.w.reserved[phone.ID].status != "committed" {
		t.Fatalf("once the role is back: %d commit steps left, reservation %s; want it committed", left, s.w.reserved[phone.ID].status)
	}
	changes, err := s.svc.ListOrderChanges(ctx, ann, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		if strings.HasPrefix(c.Reason, "stock not committed") {
			t.Errorf("noted for an operator: %q", c.Reason)
		}
	}
}

// A parcel booked with logistics for a sub-order that meanwhile shipped by
// a parcel outside our logistics is not the sub-order's: the supplier's
// call that booked it is refused ALREADY_SHIPPED rather than answered as a
// retry, and the booking is cancelled, whether the call or logistics'
// booked event gets to it.
func TestABookingOvertakenByAnExternalShipmentIsCancelled(t *testing.T) {
	s := newSaga(t)
	_, _, phone, _, scarf := s.paidPhoneCodeAndScarf(t)
	works, porto := supplierOf(s.gadgets), supplierOf(s.linen)
	from := domain.Address{Recipient: "Works", Country: "CN", City: "Shenzhen", Lines: []string{"Dock 4"}}

	// The call: the external parcel is recorded while logistics books.
	s.w.booking = func(sub uuid.UUID) {
		s.w.booking = nil
		if _, err := s.svc.RecordExternalShipment(ctx, works, sub, "YTO", "YT1", uuid.Nil); err != nil {
			t.Errorf("external shipment: %v", err)
		}
	}
	_, err := s.svc.ShipSubOrder(ctx, works, phone.ID, uuid.New(), from, uuid.Nil)
	wantKind(t, err, apperr.KindFailedPrecondition, "ALREADY_SHIPPED")

	// The event: the call's answer lost, logistics reports the booking
	// after the external parcel was recorded.
	if _, err := s.svc.RecordExternalShipment(ctx, porto, scarf.ID, "YTO", "YT2", uuid.Nil); err != nil {
		t.Fatal(err)
	}
	booked, _ := s.w.Ship(ctx, app.ShipInput{SubOrder: scarf})
	if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.ShipmentBooked(ctx, r, scarf.ID, booked) }); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	got, _ := s.store.GetOrder(ctx, phone.OrderID, false)
	for _, tc := range []struct {
		sub     uuid.UUID
		waybill string
	}{{phone.ID, "YT1"}, {scarf.ID, "YT2"}} {
		if sub := got.SubOrder(tc.sub); !sub.ExternalParcel() || sub.Waybill != tc.waybill {
			t.Errorf("sub-order %s shipped by %q (external %v), want its external parcel %s", tc.sub, sub.Waybill, sub.ExternalParcel(), tc.waybill)
		}
		if p := s.w.parcels[tc.sub]; p == nil || !p.cancelled {
			t.Errorf("the parcel booked for %s is left booked: %+v", tc.sub, p)
		}
	}
	if n := s.outboxCount(t, app.SubjectSubOrderShipped); n != 2 {
		t.Errorf("%d sub-order shipped events, want 2 (the external parcels)", n)
	}
}

// A parcel booked for a cancelled sub-order that the carrier picked up
// before its cancellation could reach it cannot be cancelled: the step
// notes it for an operator and ends. Before, it failed for good, retried
// for ever, with nothing in the order's log.
func TestACancelledSubOrdersParcelPickedUpFirstIsNotedNotRetried(t *testing.T) {
	s := newSaga(t)
	ann, o, phone, _, _ := s.paidPhoneCodeAndScarf(t)
	if _, err := s.svc.CancelOrder(ctx, ann, o.ID, "changed my mind"); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	s.bookedPickedUpAndNoted(t, ann, o.ID, phone.ID, phone.ID, "its parcel was picked up")
}

// bookedPickedUpAndNoted has logistics report a parcel booked under
// subject (a sub-order's id, or an exchange's for its replacement) that the
// carrier has picked up already, runs the steps, and checks that the
// cancellation step ended with a note for an operator on sub.
func (s *saga) bookedPickedUpAndNoted(t *testing.T, buyer auth.Caller, orderID, subject, sub uuid.UUID, note string) {
	t.Helper()
	booked, _ := s.w.Ship(ctx, app.ShipInput{SubOrder: domain.SubOrder{ID: subject}, PlatformPays: subject != sub})
	s.w.parcels[subject].pickedUp = true
	if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.ShipmentBooked(ctx, r, subject, booked) }); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if _, ok := s.due(t, app.TaskCancelShipment, subject); ok {
		t.Error("the parcel's cancellation is still a step to retry")
	}
	changes, _ := s.svc.ListOrderChanges(ctx, buyer, orderID)
	if !slices.ContainsFunc(changes, func(c domain.Change) bool {
		return c.SubOrderID == sub && strings.Contains(c.Reason, note) && strings.Contains(c.Reason, "needs an operator")
	}) {
		t.Error("nothing in the order's log tells an operator")
	}
}

// The buyer cancels while logistics books the supplier's parcel: the
// cancellation's step finds no parcel yet, and the booking's answer finds
// the sub-order cancelled. The parcel is cancelled then, and the supplier
// told the order is cancelled. Before, only logistics' booked event
// cancelled it: lost, the carrier ran a parcel whose stock was released
// and whose money was refunded.
func TestABookingOvertakenByTheOrdersCancellationIsCancelled(t *testing.T) {
	s := newSaga(t)
	ann, o, phone, _, _ := s.paidPhoneCodeAndScarf(t)
	works := supplierOf(s.gadgets)
	from := domain.Address{Recipient: "Works", Country: "CN", City: "Shenzhen", Lines: []string{"Dock 4"}}
	s.w.booking = func(uuid.UUID) {
		s.w.booking = nil
		if _, err := s.svc.CancelOrder(ctx, ann, o.ID, "changed my mind"); err != nil {
			t.Errorf("cancel: %v", err)
		}
		s.run(t) // the cancellation's steps: no parcel to cancel yet
	}
	_, err := s.svc.ShipSubOrder(ctx, works, phone.ID, uuid.New(), from, uuid.Nil)
	wantKind(t, err, apperr.KindFailedPrecondition, "ORDER_CANCELLED")
	s.run(t)
	if p := s.w.parcels[phone.ID]; p == nil || !p.cancelled {
		t.Errorf("the parcel booked for the cancelled sub-order is left booked: %+v", p)
	}
}
