package app_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// A shipped sub-order whose goods will not arrive is closed by an
// operator: cancelled, its buyer refunded what escrow holds, and, when the
// carrier never picked the parcel up, the parcel cancelled and the stock
// released; a parcel picked up took its stock with it. Only admins, only a
// shipped sub-order; declaring it again answers it as it is. Before,
// nothing moved such a sub-order: the delivery check asked logistics daily
// for ever, and the buyer's money stayed in escrow.
func TestAnOperatorDeclaresAParcelLost(t *testing.T) {
	for _, pickedUp := range []bool{false, true} {
		t.Run(map[bool]string{false: "never handed over", true: "lost in transit"}[pickedUp], func(t *testing.T) {
			s := newSaga(t)
			ann, o, phone, _, scarf := s.paidPhoneCodeAndScarf(t)
			if _, err := s.svc.ShipSubOrder(ctx, supplierOf(s.gadgets), phone.ID, uuid.New(), works, uuid.Nil); err != nil {
				t.Fatal(err)
			}
			s.run(t)
			p := s.w.parcels[phone.ID]
			p.pickedUp = pickedUp
			wallet, held := s.w.wallets[ann.Subject], s.w.escrows[phone.ID].balance

			_, err := s.svc.DeclareParcelLost(ctx, ann, phone.ID, "lost")
			wantKind(t, err, apperr.KindPermissionDenied, "ADMINS_ONLY")
			_, err = s.svc.DeclareParcelLost(ctx, supplierOf(s.gadgets), phone.ID, "lost")
			wantKind(t, err, apperr.KindPermissionDenied, "ADMINS_ONLY")
			_, err = s.svc.DeclareParcelLost(ctx, operator, scarf.ID, "lost")
			wantKind(t, err, apperr.KindFailedPrecondition, "NOT_SHIPPED")
			_, err = s.svc.DeclareParcelLost(ctx, operator, phone.ID, " ")
			wantKind(t, err, apperr.KindInvalid, "")

			got, err := s.svc.DeclareParcelLost(ctx, operator, phone.ID, "the carrier lost it")
			if err != nil || got.Status != domain.Cancelled {
				t.Fatalf("DeclareParcelLost: %+v, %v; want the sub-order cancelled", got, err)
			}
			s.run(t)
			if d := s.w.wallets[ann.Subject] - wallet; d != held {
				t.Errorf("the buyer got back %d, want the %d escrow held", d, held)
			}
			if p.cancelled == pickedUp {
				t.Errorf("parcel cancelled at its carrier: %v, picked up: %v; want it cancelled only when not picked up", p.cancelled, pickedUp)
			}
			if st, want := s.w.reserved[phone.ID].status, map[bool]string{false: "released", true: "active"}[pickedUp]; st != want {
				t.Errorf("the phone's reservation is %s, want %s", st, want)
			}
			if st := s.subStatus(t, o.ID, scarf.ID); st != domain.Paid {
				t.Errorf("the scarf is %s, want still paid", st)
			}
			again, err := s.svc.DeclareParcelLost(ctx, operator, phone.ID, "again")
			if err != nil || again.Status != domain.Cancelled {
				t.Errorf("declared again: %+v, %v; want it as it is", again, err)
			}
			s.run(t)
			if d := s.w.wallets[ann.Subject] - wallet; d != held {
				t.Errorf("after declaring again the buyer got back %d, want the %d escrow held once", d, held)
			}
			s.at = s.at.Add(25 * time.Hour)
			s.run(t)
			if _, ok := s.due(t, app.TaskCheckDelivery, phone.ID); ok {
				t.Error("the delivery check is still scheduled a day on")
			}
			// The check of the hold taken at payment, at its end, finds the
			// parcel at logistics and asks no operator about it.
			s.at = s.at.Add(31 * 24 * time.Hour)
			s.run(t)
			if n := s.operatorNotes(t, ann, o.ID); n != 0 {
				t.Errorf("%d notes for an operator after the hold's end, want none", n)
			}
		})
	}
}

// A parcel logistics says was delivered (its event not applied yet) is not
// declared lost: the delivery is applied and the declaration refused. One
// returned to its sender is applied as returned: cancelled, refunded.
func TestAParcelThatArrivedIsNotDeclaredLost(t *testing.T) {
	for _, returned := range []bool{false, true} {
		t.Run(map[bool]string{false: "delivered", true: "returned"}[returned], func(t *testing.T) {
			s := newSaga(t)
			_, o, phone, _, _ := s.paidPhoneCodeAndScarf(t)
			if _, err := s.svc.ShipSubOrder(ctx, supplierOf(s.gadgets), phone.ID, uuid.New(), works, uuid.Nil); err != nil {
				t.Fatal(err)
			}
			s.run(t)
			p := s.w.parcels[phone.ID]
			p.delivered, p.returned = !returned, returned
			got, err := s.svc.DeclareParcelLost(ctx, operator, phone.ID, "the buyer says it never came")
			if !returned {
				wantKind(t, err, apperr.KindFailedPrecondition, "ALREADY_DELIVERED")
				if st := s.subStatus(t, o.ID, phone.ID); st != domain.Delivered {
					t.Errorf("the phone is %s, want delivered", st)
				}
				return
			}
			if err != nil || got.Status != domain.Cancelled {
				t.Fatalf("declaring a returned parcel lost: %+v, %v; want it cancelled as returned", got, err)
			}
			changes, err := s.svc.ListOrderChanges(ctx, operator, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range changes {
				if c.SubOrderID == phone.ID && c.To == domain.Cancelled && c.Reason != "returned_to_sender" {
					t.Errorf("cancelled because %q, want returned_to_sender", c.Reason)
				}
			}
		})
	}
}

// A shipped sub-order whose parcel was cancelled at logistics (nothing will
// deliver it) is noted for an operator once by the delivery check, which
// then stops. Before, the check found it "not delivered yet" every day for
// ever, clearing its own failing mark each time, so no operator saw it.
func TestTheDeliveryCheckNotesACancelledParcel(t *testing.T) {
	s := newSaga(t)
	ann, o, phone, _, _ := s.paidPhoneCodeAndScarf(t)
	if _, err := s.svc.ShipSubOrder(ctx, supplierOf(s.gadgets), phone.ID, uuid.New(), works, uuid.Nil); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	s.w.parcels[phone.ID].cancelled = true
	for range 2 {
		s.at = s.at.Add(25 * time.Hour)
		s.run(t)
	}
	if n := s.operatorNotes(t, ann, o.ID); n != 1 {
		t.Errorf("%d notes for an operator, want 1", n)
	}
	if _, ok := s.due(t, app.TaskCheckDelivery, phone.ID); ok {
		t.Error("the delivery check is still scheduled")
	}
	if st := s.subStatus(t, o.ID, phone.ID); st != domain.Shipped {
		t.Errorf("the phone is %s, want still shipped: an operator decides", st)
	}
}

// An exchange whose replacement will not arrive is closed by an operator:
// it becomes a return of its lines, refunded once the original is back
// (now, when it is already), and a replacement the carrier never picked up
// is cancelled with its stock released. Only admins, only a replacement on
// its way; declaring it again answers it as it is. Before, nothing moved
// such an exchange: its look-up found the parcel travelling daily for ever,
// and the buyer had neither goods nor money.
func TestAnOperatorDeclaresAReplacementLost(t *testing.T) {
	for _, tc := range []struct {
		name             string
		pickedUp         bool
		originalReceived bool
		want             domain.AfterSaleStatus
	}{
		{name: "never handed over, the original on its way", want: domain.AfterSaleApproved},
		{name: "lost in transit, the original back", pickedUp: true, originalReceived: true, want: domain.AfterSaleReceived},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSaga(t)
			ann, _, a := s.approvedExchange(t)
			_, err := s.svc.DeclareReplacementLost(ctx, operator, a.ID, "lost")
			wantKind(t, err, apperr.KindFailedPrecondition, "NOT_SHIPPED")
			if _, err := s.svc.ShipReplacement(ctx, supplierOf(s.linen), a.ID, uuid.New(), warehouse); err != nil {
				t.Fatal(err)
			}
			s.run(t)
			if tc.originalReceived {
				if _, err := s.svc.ReceiveReturn(ctx, supplierOf(s.linen), a.ID, false, nil); err != nil {
					t.Fatal(err)
				}
				s.run(t)
			}
			p := s.w.parcels[a.ID]
			p.pickedUp = tc.pickedUp
			wallet := s.w.wallets[ann.Subject]

			_, err = s.svc.DeclareReplacementLost(ctx, ann, a.ID, "lost")
			wantKind(t, err, apperr.KindPermissionDenied, "ADMINS_ONLY")
			_, err = s.svc.DeclareReplacementLost(ctx, supplierOf(s.linen), a.ID, "lost")
			wantKind(t, err, apperr.KindPermissionDenied, "ADMINS_ONLY")
			_, err = s.svc.DeclareReplacementLost(ctx, operator, a.ID, " ")
			wantKind(t, err, apperr.KindInvalid, "")

			got, err := s.svc.DeclareReplacementLost(ctx, operator, a.ID, "the carrier lost it")
			if err != nil || got.Kind != domain.Return || got.Status != tc.want {
				t.Fatalf("DeclareReplacementLost: %+v, %v; want a return, %s", got, err, tc.want)
			}
			s.run(t)
			if p.cancelled == tc.pickedUp {
				t.Errorf("replacement cancelled at its carrier: %v, picked up: %v; want it cancelled only when not picked up", p.cancelled, tc.pickedUp)
			}
			if st, want := s.w.reserved[a.ID].status, map[bool]string{false: "released", true: "active"}[tc.pickedUp]; st != want {
				t.Errorf("the replacement's stock hold is %s, want %s", st, want)
			}
			if _, ok := s.due(t, app.TaskCheckReplacement, a.ID); ok {
				t.Error("the replacement is still looked up")
			}
			if !tc.originalReceived {
				if s.w.wallets[ann.Subject] != wallet {
					t.Fatal("refunded before the original is back")
				}
				if _, err := s.svc.ReceiveReturn(ctx, supplierOf(s.linen), a.ID, false, nil); err != nil {
					t.Fatal(err)
				}
				s.run(t)
			}
			again, err := s.svc.DeclareReplacementLost(ctx, operator, a.ID, "again")
			if err != nil || again.Status != domain.AfterSaleRefunded {
				t.Errorf("declared again once refunded: %+v, %v; want it as it is, refunded", again, err)
			}
			s.run(t)
			if d := s.w.wallets[ann.Subject] - wallet; d != 3000 || !s.w.refunds["return:"+a.ID.String()] {
				t.Errorf("the buyer got back %d, want the 3000 the line cost, once", d)
			}
			// A delivery reported late changes nothing more.
			if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.ShipmentDelivered(ctx, r, a.ID, app.Shipment{}) }); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleRefunded {
				t.Errorf("after a late delivery: %s, want still refunded", got.Status)
			}
		})
	}
}

// A replacement logistics says was delivered (its event not applied yet) is
// not declared lost: the delivery is applied and the declaration refused.
// A return has no replacement to lose.
func TestADeliveredReplacementIsNotDeclaredLost(t *testing.T) {
	s := newSaga(t)
	ann, _, a := s.approvedExchange(t)
	if _, err := s.svc.ShipReplacement(ctx, supplierOf(s.linen), a.ID, uuid.New(), warehouse); err != nil {
		t.Fatal(err)
	}
	s.w.parcels[a.ID].delivered = true
	_, err := s.svc.DeclareReplacementLost(ctx, operator, a.ID, "the buyer says it never came")
	wantKind(t, err, apperr.KindFailedPrecondition, "ALREADY_DELIVERED")
	if got, _ := s.svc.GetAfterSale(ctx, ann, a.ID); got.Status != domain.AfterSaleExchanged {
		t.Errorf("the exchange is %s, want exchanged", got.Status)
	}

	_, _, ret := s.approvedWithParcel(t, domain.Return)
	_, err = s.svc.DeclareReplacementLost(ctx, operator, ret.ID, "lost")
	wantKind(t, err, apperr.KindFailedPrecondition, "NOT_EXCHANGE")
}
