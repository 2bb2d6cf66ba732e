package app_test

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"

	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
	"github.com/crossdock/crossdock/simulators/carriersim"
)

// A return parcel (buyer → supplier) is booked once per return request,
// tracked like any parcel, and its legs are paid by the platform, naming
// the return, never from the sub-order's escrow (refused here, as for a
// settled escrow).
func TestReturnShipmentsAreTrackedAndTheirLegsPaidByThePlatform(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, Seed: 13, UnservedCountries: []string{}}, 4)
	out := f.input(5, "express")
	ret := out
	ret.Kind, ret.ReturnID, ret.From, ret.To, ret.ReservationID = domain.KindReturn, "rtn-1", out.To, out.From, ""
	if _, _, err := f.svc.CreateShipment(ctx, orders, domain.NewShipmentInput{}); err == nil {
		t.Fatal("an empty request was accepted")
	}
	noID := ret
	noID.ReturnID = ""
	if _, _, err := f.svc.CreateShipment(ctx, orders, noID); !violationOn(err, "return_id") {
		t.Fatalf("a return without its request id = %v", err)
	}
	sh := f.create(t, ret)
	if again := f.create(t, ret); again.ID != sh.ID {
		t.Fatalf("the same return booked twice: %s and %s", sh.ID, again.ID)
	}
	second := ret
	second.ReturnID = "rtn-2"
	if other := f.create(t, second); other.ID == sh.ID {
		t.Fatal("another return request of the same sub-order got the first one's parcel")
	}
	f.waitQuiet(t, time.Minute)
	log := testkit.Logger(t)
	if err := f.svc.PollCarriers(ctx, 500, log); err != nil {
		t.Fatal(err)
	}
	f.finance.refuse = true
	if _, err := f.svc.PayLegs(ctx, 100, log); err != nil {
		t.Fatal(err)
	}
	v, err := f.svc.GetShipment(ctx, orders, sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Kind != domain.KindReturn || v.Status != domain.StatusDelivered || len(v.Legs) == 0 {
		t.Fatalf("the return ends %s %s with %d legs", v.Kind, v.Status, len(v.Legs))
	}
	for _, l := range v.Legs {
		if l.PaidAt == nil || !f.finance.fromPlatform[l.PaymentRef] || f.finance.afterSale[l.PaymentRef] != "rtn-1" || f.finance.calls[l.PaymentRef] != 1 {
			t.Errorf("return leg %s: paid at %v, from the platform %v for %q, %d calls; want paid once by the platform for rtn-1",
				l.LegID, l.PaidAt, f.finance.fromPlatform[l.PaymentRef], f.finance.afterSale[l.PaymentRef], f.finance.calls[l.PaymentRef])
		}
	}
	if n := f.count(t, `SELECT count(*) FROM outbox WHERE subject = 'logistics.shipment.delivered'`); n != 2 {
		t.Errorf("%d delivered events for two returns", n)
	}
	// A delivery names the parcel's carrier: orders records it from there
	// when the booking's event is behind.
	rows, err := f.pool.Query(ctx, `SELECT payload FROM outbox WHERE subject = 'logistics.shipment.delivered'`)
	if err != nil {
		t.Fatal(err)
	}
	payloads, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		t.Fatal(err)
	}
	var delivered *logisticsv1.ShipmentDelivered
	for _, payload := range payloads {
		var ev logisticsv1.ShipmentDelivered
		if err := proto.Unmarshal(payload, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.GetShipmentId() == sh.ID.String() {
			delivered = &ev
		}
	}
	if delivered == nil || delivered.GetCarrierCode() == "" || delivered.GetCarrierCode() != v.CarrierCode {
		t.Errorf("the delivery of %s names carrier %q, the parcel is with %q", sh.ID, delivered.GetCarrierCode(), v.CarrierCode)
	}
	if _, err := f.svc.GetSubOrderShipment(ctx, orders, ret.SubOrderID); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("a sub-order with only returns has an outbound parcel: %v", err)
	}
	if len(f.inventory.commits) != 0 {
		t.Errorf("a return committed stock: %v", f.inventory.commits)
	}
}

// legsConfirmed books an express parcel whose carrier runs its whole
// journey, with finance answering as set, and reads the carrier's feed, so
// its legs are confirmed and unpaid.
func legsConfirmed(t *testing.T, finance func(*financeLedger)) (*fixture, domain.Shipment, *slog.Logger) {
	t.Helper()
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, Seed: 17, UnservedCountries: []string{}}, 4)
	finance(f.finance)
	sh := f.create(t, f.input(6, "express"))
	f.waitQuiet(t, time.Minute)
	log := testkit.Logger(t)
	if err := f.svc.PollCarriers(ctx, 500, log); err != nil {
		t.Fatal(err)
	}
	return f, sh, log
}

// A leg finance refuses for good is marked with its reason and not offered
// to finance again.
func TestRefusedLegsAreNotOfferedAgain(t *testing.T) {
	f, sh, log := legsConfirmed(t, func(fin *financeLedger) { fin.refuse = true })
	for range 2 {
		if paid, err := f.svc.PayLegs(ctx, 100, log); err != nil || paid != 0 {
			t.Fatalf("PayLegs = %d, %v", paid, err)
		}
	}
	v, err := f.svc.GetShipment(ctx, orders, sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Legs) == 0 {
		t.Fatal("no legs confirmed")
	}
	for _, l := range v.Legs {
		if l.PaidAt != nil || l.Refusal == "" || f.finance.calls[l.PaymentRef] != 1 {
			t.Errorf("leg %s: paid %v, refusal %q, offered %d times; want refused once", l.LegID, l.PaidAt, l.Refusal, f.finance.calls[l.PaymentRef])
		}
	}
}

// A leg finance fails for a passing reason of its own (Aborted: its escrow
// changed under the payment; an internal error on its escrow) is offered
// again next round and holds up none of the legs behind it; finance
// unavailable ends the round at the first leg. Before, an internal error
// on the oldest leg ended every round and no later leg was paid.
func TestALegThatFailsDoesNotHoldUpTheOthers(t *testing.T) {
	for _, tt := range []struct {
		name   string
		fail   error
		kind   apperr.Kind
		goesOn bool
	}{
		{"aborted", apperr.Aborted("the sub-order's escrow changed meanwhile"), apperr.KindAborted, true},
		{"finance's internal error", errors.New("finance: internal error on the escrow"), apperr.KindUnknown, true},
		{"finance unavailable", apperr.Unavailable("finance is unavailable"), apperr.KindUnavailable, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, sh, log := legsConfirmed(t, func(fin *financeLedger) { fin.failOnce = tt.fail })
			paid, err := f.svc.PayLegs(ctx, 100, log)
			if apperr.KindOf(err) != tt.kind || paid != 0 {
				t.Fatalf("the first round = %d, %v; want nothing paid and %s", paid, err, tt.kind)
			}
			v, err := f.svc.GetShipment(ctx, orders, sh.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Legs) < 2 {
				t.Fatalf("%d legs confirmed, want several", len(v.Legs))
			}
			offered := 0
			for _, l := range v.Legs {
				offered += f.finance.calls[l.PaymentRef]
			}
			if want := map[bool]int{true: len(v.Legs), false: 1}[tt.goesOn]; offered != want {
				t.Errorf("%d legs offered in the first round, want %d", offered, want)
			}
			for range len(v.Legs) { // unavailable once per leg: a round each
				_, _ = f.svc.PayLegs(ctx, 100, log)
			}
			for _, l := range v.Legs {
				if _, ok := f.finance.paid[l.PaymentRef]; !ok {
					t.Errorf("leg %s unpaid after the failures passed", l.LegID)
				}
			}
		})
	}
}

// A partner platform's order has no escrow: its parcel's legs are paid from
// the platform's freight expense, while an own-store parcel's legs still go
// to the escrow (refused here, as for a settled escrow). A repeat of the
// creation without the payer is another request.
func TestPartnerOrdersLegsArePaidByThePlatform(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, Seed: 19, UnservedCountries: []string{}}, 4)
	f.finance.refuse = true
	in := f.input(8, "express")
	in.BuyerID, in.FreightPayer = "partner:demo-partner/buyer-7", domain.PayerPlatform
	partner := f.create(t, in)
	own := f.create(t, f.input(9, "express"))
	escrowed := in
	escrowed.FreightPayer = domain.PayerEscrow
	if _, _, err := f.svc.CreateShipment(ctx, orders, escrowed); !errors.Is(err, idempotency.ErrKeyReused) {
		t.Errorf("the partner parcel again with the escrow paying: %v, want AlreadyExists", err)
	}
	if _, replayed, err := f.svc.CreateShipment(ctx, orders, in); err != nil || !replayed {
		t.Errorf("the partner parcel again, unchanged: replayed %v, %v", replayed, err)
	}
	f.waitQuiet(t, time.Minute)
	log := testkit.Logger(t)
	if err := f.svc.PollCarriers(ctx, 500, log); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := f.svc.PayLegs(ctx, 100, log); err != nil {
			t.Fatal(err)
		}
	}
	pv, err := f.svc.GetShipment(ctx, orders, partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if pv.FreightPayer != domain.PayerPlatform || len(pv.Legs) == 0 {
		t.Fatalf("partner parcel: payer %q, %d legs", pv.FreightPayer, len(pv.Legs))
	}
	for _, l := range pv.Legs {
		if l.PaidAt == nil || l.Refusal != "" || !f.finance.fromPlatform[l.PaymentRef] || f.finance.calls[l.PaymentRef] != 1 {
			t.Errorf("partner leg %s: paid %v, refusal %q, from the platform %v, offered %d times; want paid once by the platform",
				l.LegID, l.PaidAt, l.Refusal, f.finance.fromPlatform[l.PaymentRef], f.finance.calls[l.PaymentRef])
		}
	}
	ov, err := f.svc.GetShipment(ctx, orders, own.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ov.Legs) == 0 {
		t.Fatal("own-store parcel: no legs confirmed")
	}
	for _, l := range ov.Legs {
		if l.PaidAt != nil || l.Refusal == "" || f.finance.fromPlatform[l.PaymentRef] {
			t.Errorf("own-store leg %s: paid %v, refusal %q; want it offered to the escrow (refused here)", l.LegID, l.PaidAt, l.Refusal)
		}
	}
}
