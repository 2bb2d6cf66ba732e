package app_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// works is where the suppliers' parcels leave from.
var works = domain.Address{Recipient: "Works", Country: "CN", City: "Shenzhen", Lines: []string{"Dock 4"}}

// due returns when a step is due, and whether it is scheduled at all.
func (s *saga) due(t *testing.T, kind app.TaskKind, subject uuid.UUID) (time.Time, bool) {
	t.Helper()
	var at time.Time
	err := s.pool.QueryRow(ctx, `SELECT due_at FROM saga_tasks WHERE kind = $1 AND subject = $2`, kind, subject).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return at.UTC(), true
}

// steps counts the steps of kind scheduled, whatever their subject.
func (s *saga) steps(t *testing.T, kind app.TaskKind) int {
	t.Helper()
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM saga_tasks WHERE kind = $1`, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// moves counts the change log's moves of a sub-order to status.
func (s *saga) moves(t *testing.T, c auth.Caller, orderID, subID uuid.UUID, to domain.Status) int {
	t.Helper()
	changes, err := s.svc.ListOrderChanges(ctx, c, orderID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ch := range changes {
		if ch.SubOrderID == subID && ch.To == to && ch.From != to {
			n++
		}
	}
	return n
}

// subStatus reads a sub-order's status as stored.
func (s *saga) subStatus(t *testing.T, orderID, subID uuid.UUID) domain.Status {
	t.Helper()
	o, err := s.store.GetOrder(ctx, orderID, false)
	if err != nil {
		t.Fatal(err)
	}
	return o.SubOrder(subID).Status
}

// escrowSettled delivers finance.escrow.settled for a sub-order.
func (s *saga) escrowSettled(t *testing.T, subID uuid.UUID) {
	t.Helper()
	if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.EscrowSettled(ctx, r, subID) }); err != nil {
		t.Fatal(err)
	}
}

// shipmentDelivered delivers logistics.shipment.delivered for a sub-order.
func (s *saga) shipmentDelivered(t *testing.T, subID uuid.UUID) {
	t.Helper()
	if err := s.store.InTx(ctx, func(r app.Repository) error {
		return s.svc.ShipmentDelivered(ctx, r, subID, app.Shipment{ID: s.w.parcels[subID].id})
	}); err != nil {
		t.Fatal(err)
	}
}

// deliveredScarf is a paid order whose scarf was shipped, its carrier
// charging 7.00 of a 5.00 freight buffer (so its escrow is 2.00 short of
// settling), and delivered.
func (s *saga) deliveredScarf(t *testing.T) (ann auth.Caller, o domain.Order, scarf domain.SubOrder) {
	t.Helper()
	ann, o, _, _, scarf = s.paidPhoneCodeAndScarf(t)
	if _, err := s.svc.ShipSubOrder(ctx, supplierOf(s.linen), scarf.ID, uuid.New(), works, uuid.Nil); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	s.w.payLeg(scarf.ID, 700)
	s.w.parcels[scarf.ID].delivered = true
	s.shipmentDelivered(t, scarf.ID)
	return ann, o, scarf
}

// A sub-order awaiting its top-up completes only by finance's settlement:
// a lost finance.escrow.settled must not leave it there for ever. Its
// check asks finance a few minutes after the request, then backs off; the
// check and the event each complete it if they come first, and the other
// then does nothing.
func TestTopUpAwaitedIsCheckedWithFinance(t *testing.T) {
	cases := []struct {
		name                    string
		eventBefore, eventAfter bool
	}{
		{name: "the event is lost"},
		{name: "the event comes before the check", eventBefore: true},
		{name: "the event comes after the check", eventAfter: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSaga(t)
			ann, o, scarf := s.deliveredScarf(t)
			if _, err := s.svc.ConfirmReceipt(ctx, ann, scarf.ID); err != nil {
				t.Fatal(err)
			}
			s.run(t)
			if st := s.subStatus(t, o.ID, scarf.ID); st != domain.AwaitingTopUp {
				t.Fatalf("the scarf is %s, want awaiting its top-up", st)
			}
			if at, ok := s.due(t, app.TaskCheckTopUp, scarf.ID); !ok || !at.Equal(s.at.Add(5*time.Minute)) {
				t.Fatalf("the top-up check is due at %v (scheduled %v), want five minutes after the request, %v", at, ok, s.at.Add(5*time.Minute))
			}
			// Unpaid, the check looks again, later each time.
			for _, wait := range []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute} {
				s.at = s.at.Add(wait)
				s.run(t)
				if at, ok := s.due(t, app.TaskCheckTopUp, scarf.ID); !ok || !at.Equal(s.at.Add(2*wait)) {
					t.Fatalf("after a look with the top-up unpaid the check is due at %v (scheduled %v), want %v", at, ok, s.at.Add(2*wait))
				}
			}
			if st := s.subStatus(t, o.ID, scarf.ID); st != domain.AwaitingTopUp {
				t.Fatalf("the scarf is %s with its top-up unpaid", st)
			}

			s.w.payTopUp(scarf.ID, scarf.Goods.Amount)
			if tc.eventBefore {
				s.escrowSettled(t, scarf.ID)
			}
			s.at = s.at.Add(40 * time.Minute)
			s.run(t)
			if tc.eventAfter {
				s.escrowSettled(t, scarf.ID)
			}
			if st := s.subStatus(t, o.ID, scarf.ID); st != domain.Completed {
				t.Fatalf("the scarf is %s once finance settled it, want completed", st)
			}
			if n := s.moves(t, ann, o.ID, scarf.ID, domain.Completed); n != 1 {
				t.Errorf("the scarf was completed %d times, want once", n)
			}
			if _, ok := s.due(t, app.TaskCheckTopUp, scarf.ID); ok {
				t.Error("the top-up check is still scheduled for a completed sub-order")
			}
		})
	}
}

// Finance's settlement may be reported by its event before the settle
// step records finance's answer: at once when escrow sufficed, and when
// the buyer pays the top-up finance answered with before the step records
// the request. The event then completes the delivered sub-order, and the
// step, finding it completed, leaves it so rather than awaiting a top-up
// already paid.
func TestEscrowSettledBeforeTheSettlementIsRecorded(t *testing.T) {
	cases := []struct {
		name string
		leg  int64 // what the carrier charged of the 5.00 buffer
	}{
		{name: "escrow sufficed", leg: 300},
		{name: "the top-up was paid at once", leg: 700},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSaga(t)
			ann, o, _, _, scarf := s.paidPhoneCodeAndScarf(t)
			if _, err := s.svc.ShipSubOrder(ctx, supplierOf(s.linen), scarf.ID, uuid.New(), works, uuid.Nil); err != nil {
				t.Fatal(err)
			}
			s.run(t)
			s.w.payLeg(scarf.ID, tc.leg)
			s.w.parcels[scarf.ID].delivered = true
			s.shipmentDelivered(t, scarf.ID)
			// Runs in the settle step's goroutine: errors, not Fatal.
			s.w.settling = func(sub uuid.UUID, topUp *app.TopUpRequest) {
				if topUp != nil {
					s.w.payTopUp(sub, scarf.Goods.Amount)
				}
				if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.EscrowSettled(ctx, r, sub) }); err != nil {
					t.Errorf("finance.escrow.settled: %v", err)
				}
			}
			if _, err := s.svc.ConfirmReceipt(ctx, ann, scarf.ID); err != nil {
				t.Fatal(err)
			}
			s.run(t)
			s.w.settling = nil
			if st := s.subStatus(t, o.ID, scarf.ID); st != domain.Completed {
				t.Fatalf("the scarf is %s after finance settled it, want completed", st)
			}
			if n := s.moves(t, ann, o.ID, scarf.ID, domain.Completed); n != 1 {
				t.Errorf("the scarf was completed %d times, want once", n)
			}
			var failing int
			if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM saga_tasks WHERE subject = $1 AND failing_since IS NOT NULL`, scarf.ID).Scan(&failing); err != nil {
				t.Fatal(err)
			}
			if failing != 0 {
				t.Errorf("%d of the scarf's steps are failing, want none", failing)
			}
		})
	}
}

// A sub-order shipped by a parcel of ours is delivered only by logistics'
// report: a lost logistics.shipment.delivered must not leave it shipped
// for ever. Its check asks logistics a day after shipping, then daily; the
// check and the event each deliver it if they come first (starting its
// automatic completion), and the other then does nothing.
func TestShippedParcelIsCheckedWithLogistics(t *testing.T) {
	cases := []struct {
		name                    string
		eventBefore, eventAfter bool
	}{
		{name: "the event is lost"},
		{name: "the event comes before the check", eventBefore: true},
		{name: "the event comes after the check", eventAfter: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSaga(t)
			ann, o, phone, _, _ := s.paidPhoneCodeAndScarf(t)
			if _, err := s.svc.ShipSubOrder(ctx, supplierOf(s.gadgets), phone.ID, uuid.New(), works, uuid.Nil); err != nil {
				t.Fatal(err)
			}
			s.run(t)
			for range 2 {
				if at, ok := s.due(t, app.TaskCheckDelivery, phone.ID); !ok || !at.Equal(s.at.Add(24*time.Hour)) {
					t.Fatalf("the delivery check is due at %v (scheduled %v), want a day on, %v", at, ok, s.at.Add(24*time.Hour))
				}
				s.at = s.at.Add(24 * time.Hour)
				s.run(t)
				if st := s.subStatus(t, o.ID, phone.ID); st != domain.Shipped {
					t.Fatalf("the phone is %s while its parcel travels", st)
				}
			}

			s.w.parcels[phone.ID].delivered = true
			if tc.eventBefore {
				s.shipmentDelivered(t, phone.ID)
			}
			s.at = s.at.Add(24 * time.Hour)
			s.run(t)
			if tc.eventAfter {
				s.shipmentDelivered(t, phone.ID)
			}
			got, _ := s.store.GetOrder(ctx, o.ID, false)
			sub := got.SubOrder(phone.ID)
			if sub.Status != domain.Delivered || sub.CompletesAt == nil {
				t.Fatalf("the phone is %s (completes at %v) once its parcel was delivered, want delivered with its completion set", sub.Status, sub.CompletesAt)
			}
			if at, ok := s.due(t, app.TaskSettle, phone.ID); !ok || !at.Equal(*sub.CompletesAt) {
				t.Errorf("its settlement is due at %v (scheduled %v), want at its completion %v", at, ok, *sub.CompletesAt)
			}
			if n := s.moves(t, ann, o.ID, phone.ID, domain.Delivered); n != 1 {
				t.Errorf("the phone was delivered %d times, want once", n)
			}
			if _, ok := s.due(t, app.TaskCheckDelivery, phone.ID); ok {
				t.Error("the delivery check is still scheduled for a delivered sub-order")
			}
		})
	}
}

// The reservation a paid sub-order's goods are held by must outlive the
// carrier's pick-up, which commits it: shipping by a parcel of ours holds
// the stock again for the fulfilment hold, so a parcel booked near the end
// of the hold taken at payment is picked up with its goods still reserved,
// however the booking is recorded (the supplier's call, or logistics'
// event when the call's answer was lost). A hold that lapsed before the
// booking cannot be taken again: it is noted for an operator, once, and
// the shipped sub-order is left shipped.
func TestShippingHoldsTheStockUntilPickUp(t *testing.T) {
	const hold = 30 * 24 * time.Hour // the default fulfilment hold
	cases := []struct {
		name   string
		lapsed bool
		ship   func(s *saga, t *testing.T, sub domain.SubOrder)
	}{
		{name: "shipped by the supplier's call", ship: shipByCall},
		{name: "booking recorded from logistics' event", ship: shipByEvent},
		{name: "the hold lapsed before the booking", lapsed: true, ship: shipByCall},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSaga(t)
			ann, o, phone, _, _ := s.paidPhoneCodeAndScarf(t)
			if r := s.w.reserved[phone.ID]; !r.expires.Equal(s.at.Add(hold)) {
				t.Fatalf("the paid phone's stock is held until %v, want %v", r.expires, s.at.Add(hold))
			}
			s.at = s.at.Add(hold - 2*time.Hour)
			if tc.lapsed {
				s.w.reserved[phone.ID].status = "expired"
			}
			tc.ship(s, t, phone)
			s.run(t)
			if st := s.subStatus(t, o.ID, phone.ID); st != domain.Shipped {
				t.Fatalf("the phone is %s after shipping, want shipped", st)
			}
			notes := 0
			changes, err := s.svc.ListOrderChanges(ctx, ann, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range changes {
				if c.SubOrderID == phone.ID && strings.HasPrefix(c.Reason, "stock hold lapsed") {
					notes++
				}
			}
			if left := s.steps(t, app.TaskHoldStock); left != 0 {
				t.Errorf("%d hold steps left after shipping, want none", left)
			}
			if tc.lapsed {
				if notes != 1 {
					t.Errorf("%d notes of the lapsed hold in the change log, want one", notes)
				}
				return
			}
			if notes != 0 {
				t.Errorf("%d notes of a lapsed hold, want none", notes)
			}
			if r := s.w.reserved[phone.ID]; r.status != "active" || !r.expires.Equal(s.at.Add(hold)) {
				t.Errorf("after shipping the phone's stock is %s until %v, want held until %v", r.status, r.expires, s.at.Add(hold))
			}
			// The carrier picks the parcel up after the payment's hold ended.
			s.at = s.at.Add(12 * time.Hour)
			if err := s.w.pickUp(phone.ID); err != nil {
				t.Errorf("the carrier's pick-up found the stock gone: %v", err)
			}
		})
	}
}

// shipByCall ships a sub-order by its supplier's call.
func shipByCall(s *saga, t *testing.T, sub domain.SubOrder) {
	t.Helper()
	if _, err := s.svc.ShipSubOrder(ctx, supplierOf(sub.SupplierID), sub.ID, uuid.New(), works, uuid.Nil); err != nil {
		t.Fatal(err)
	}
}

// shipByEvent books a sub-order's parcel whose answer the supplier's call
// lost: logistics.shipment.booked records it.
func shipByEvent(s *saga, t *testing.T, sub domain.SubOrder) {
	t.Helper()
	sh, err := s.w.Ship(ctx, app.ShipInput{SubOrder: sub})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.ShipmentBooked(ctx, r, sub.ID, sh) }); err != nil {
		t.Fatal(err)
	}
}

// Sub-orders already awaiting a top-up, or shipped by a parcel of ours,
// when the version with the reconciliation starts have no step of it: the
// migration that comes with it schedules their checks, and the shipped
// parcels' holds, so they too cannot be stuck by a lost event.
func TestTheMigrationSchedulesTheChecksOfSubOrdersAlreadyWaiting(t *testing.T) {
	s, migrateRest := newSagaBefore(t, "orders_before_reconcile", "00009")
	ann, o, scarf := s.deliveredScarf(t)
	if _, err := s.svc.ConfirmReceipt(ctx, ann, scarf.ID); err != nil {
		t.Fatal(err)
	}
	phone := o.SubOrders[0]
	for _, sub := range o.SubOrders {
		if sub.SupplierID == s.gadgets && sub.Type == domain.Physical {
			phone = sub
		}
	}
	shipByCall(s, t, phone)
	s.run(t)
	if st := s.subStatus(t, o.ID, scarf.ID); st != domain.AwaitingTopUp {
		t.Fatalf("the scarf is %s, want awaiting its top-up", st)
	}
	// As the version before left them: none of these steps.
	if _, err := s.pool.Exec(ctx, `DELETE FROM saga_tasks WHERE kind = ANY($1)`,
		[]string{string(app.TaskCheckTopUp), string(app.TaskCheckDelivery), string(app.TaskHoldStock)}); err != nil {
		t.Fatal(err)
	}

	migrateRest()
	for _, want := range []struct {
		kind app.TaskKind
		sub  uuid.UUID
	}{{app.TaskCheckTopUp, scarf.ID}, {app.TaskCheckDelivery, phone.ID}, {app.TaskHoldStock, phone.ID}} {
		if _, ok := s.due(t, want.kind, want.sub); !ok {
			t.Errorf("no %s step for sub-order %s after the migration", want.kind, want.sub)
		}
	}
	var others int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM saga_tasks WHERE kind = ANY($1) AND NOT subject = ANY($2)`,
		[]string{string(app.TaskCheckTopUp), string(app.TaskCheckDelivery), string(app.TaskHoldStock)}, []uuid.UUID{scarf.ID, phone.ID}).Scan(&others); err != nil {
		t.Fatal(err)
	}
	if others != 0 {
		t.Errorf("the migration scheduled %d steps for sub-orders waiting on nothing", others)
	}
}

// A parcel the carrier takes back to its sender (nobody at the door at any
// attempt) cancels its sub-order, by logistics' event or by the delivery
// check should the event be lost, and refunds the buyer what escrow holds
// once the parcel's freight legs are paid and none is on its way (freight
// pending). Before, the sub-order stayed shipped for ever, the buyer's
// money held in escrow.
func TestAParcelReturnedToItsSenderCancelsAndRefunds(t *testing.T) {
	for _, eventLost := range []bool{false, true} {
		t.Run(map[bool]string{false: "by the event", true: "by the check"}[eventLost], func(t *testing.T) {
			s := newSaga(t)
			ann, o, phone, _, _ := s.paidPhoneCodeAndScarf(t)
			if _, err := s.svc.ShipSubOrder(ctx, supplierOf(s.gadgets), phone.ID, uuid.New(), works, uuid.Nil); err != nil {
				t.Fatal(err)
			}
			s.run(t)
			wallet := s.w.wallets[ann.Subject]
			held := s.w.escrows[phone.ID].balance
			p := s.w.parcels[phone.ID]
			p.returned, p.unpaidLegs = true, 1
			if eventLost {
				s.at = s.at.Add(24 * time.Hour)
				s.run(t)
			} else if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.ShipmentReturned(ctx, r, phone.ID, app.Shipment{}) }); err != nil {
				t.Fatal(err)
			}
			s.run(t)
			if st := s.subStatus(t, o.ID, phone.ID); st != domain.Cancelled {
				t.Fatalf("the phone is %s once its parcel went back to its sender, want cancelled", st)
			}
			if s.w.wallets[ann.Subject] != wallet {
				t.Fatal("refunded before the parcel's last leg was paid")
			}
			// Its legs paid, its last-mile charge still on its way.
			p.unpaidLegs, p.freightPending = 0, true
			s.at = s.at.Add(time.Minute)
			s.run(t)
			if s.w.wallets[ann.Subject] != wallet {
				t.Fatal("refunded before the parcel's last-mile charge came in")
			}
			p.freightPending = false
			s.at = s.at.Add(time.Minute)
			s.run(t)
			if got := s.w.wallets[ann.Subject] - wallet; got != held {
				t.Errorf("the buyer got back %d, want the %d escrow held", got, held)
			}
			if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.ShipmentReturned(ctx, r, phone.ID, app.Shipment{}) }); err != nil {
				t.Errorf("the event again: %v", err)
			}
			if n := s.moves(t, ann, o.ID, phone.ID, domain.Cancelled); n != 1 {
				t.Errorf("the phone was cancelled %d times, want once", n)
			}
		})
	}
}

// A paid sub-order its supplier never ships is cancelled, and refunded,
// when its stock hold ends, even if inventory's expiry event is lost: the
// hold's end is checked. One shipped by then is left alone.
func TestAHoldThatEndedUnshippedCancelsWithoutInventorysEvent(t *testing.T) {
	s := newSaga(t)
	ann, o, phone, code, scarf := s.paidPhoneCodeAndScarf(t)
	if _, err := s.svc.ShipSubOrder(ctx, supplierOf(s.linen), scarf.ID, uuid.New(), works, uuid.Nil); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	// The phone and the code, neither shipped, both lapse.
	wallet, held := s.w.wallets[ann.Subject], s.w.escrows[phone.ID].balance+s.w.escrows[code.ID].balance
	s.at = s.at.Add(30 * 24 * time.Hour)
	s.run(t)
	if st := s.subStatus(t, o.ID, phone.ID); st != domain.Paid {
		t.Fatalf("the phone is %s as its hold ends, want paid until the check's grace passed", st)
	}
	s.at = s.at.Add(10 * time.Minute)
	s.run(t)
	if st := s.subStatus(t, o.ID, phone.ID); st != domain.Cancelled {
		t.Fatalf("the phone is %s after its hold ended unshipped, want cancelled", st)
	}
	if got := s.w.wallets[ann.Subject] - wallet; got != held {
		t.Errorf("the buyer got back %d, want the %d their escrows held", got, held)
	}
	if st := s.subStatus(t, o.ID, scarf.ID); st == domain.Cancelled {
		t.Error("the scarf, shipped, was cancelled")
	}
}

// The buyer's order history shows where each shipped sub-order's parcel
// is, as the order itself does; before, the list left the parcels out.
func TestTheOrderHistoryShowsTheParcels(t *testing.T) {
	s := newSaga(t)
	ann, o, phone, _, scarf := s.paidPhoneCodeAndScarf(t)
	if _, err := s.svc.ShipSubOrder(ctx, supplierOf(s.gadgets), phone.ID, uuid.New(), works, uuid.Nil); err != nil {
		t.Fatal(err)
	}
	list, _, err := s.svc.ListOrders(ctx, ann, 10, "")
	if err != nil || len(list) != 1 || list[0].ID != o.ID {
		t.Fatalf("history: %d orders, %v", len(list), err)
	}
	if p := list[0].Parcels[phone.ID]; p == nil || p.ID != s.w.parcels[phone.ID].id {
		t.Errorf("the phone's parcel in the history: %+v, want the one booked", p)
	}
	if _, ok := list[0].Parcels[scarf.ID]; ok {
		t.Error("a parcel for the scarf, not shipped")
	}
}
