package app_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/geo"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/pkg/webhook"
	"github.com/crossdock/crossdock/services/logistics/internal/adapters/carrierapi"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
	"github.com/crossdock/crossdock/simulators/carriersim"
)

// newCentralFixture is a carrier fast enough to run whole journeys while a
// test waits, and parcels by air from a supplier in Hangzhou to a buyer's
// address through the central warehouse in Shenzhen.
func newCentralFixture(t *testing.T) (*fixture, func(i int, buyer string, to domain.Address) domain.NewShipmentInput) {
	t.Helper()
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, Seed: 11, UnservedCountries: []string{}}, 8,
		func(c *app.Config) { c.ConsolidationWindow = 6 * time.Hour })
	return f, centralParcels(f)
}

// centralParcels makes parcels by air from a supplier in Hangzhou to a
// buyer's address through the central warehouse in Shenzhen.
func centralParcels(f *fixture) func(i int, buyer string, to domain.Address) domain.NewShipmentInput {
	shenzhen := geo.Point{Lat: 22.5431, Lng: 114.0579}
	central := domain.Address{Recipient: "Crossdock consolidation", Country: "CN", Region: "CN-GD", City: "Shenzhen",
		Lines: []string{"Central warehouse"}, Location: &shenzhen}
	return func(i int, buyer string, to domain.Address) domain.NewShipmentInput {
		in := f.input(i, "air")
		in.From = domain.Address{Recipient: "Supplier", Country: "CN", Region: "CN-ZJ", City: "Hangzhou", Lines: []string{"1 Road"}}
		in.To, in.BuyerID, in.Central = to, buyer, &central
		in.GoodsPrice.Currency = "USD"
		return in
	}
}

// Parcels through the central warehouse travel there first; a buyer's
// parcels to one address then go on as one carrier booking, whose charges
// are shared by weight and paid from each sub-order's escrow, while another
// buyer's parcel goes on alone. Every parcel ends delivered at its address.
func TestCentralWarehouseConsolidatesABuyersParcels(t *testing.T) {
	f, parcel := newCentralFixture(t)
	buyerA, buyerB := f.input(0, "air").BuyerID, f.input(1, "air").BuyerID
	home := address(1, true) // US-CA
	a1, a2 := f.create(t, parcel(1, buyerA, home)), f.create(t, parcel(2, buyerA, home))
	b := f.create(t, parcel(3, buyerB, address(2, false)))

	f.waitQuiet(t, time.Minute)
	log := testkit.Logger(t)
	if err := f.svc.PollCarriers(ctx, 500, log); err != nil {
		t.Fatal(err)
	}
	for _, sh := range []domain.Shipment{a1, a2, b} {
		v, err := f.svc.GetShipment(ctx, orders, sh.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.AtCentralAt == nil || v.Status != domain.StatusInTransit || v.OnwardWaybill != "" {
			t.Fatalf("after the first leg %s is %s, at central %v, onward %q", v.ID, v.Status, v.AtCentralAt, v.OnwardWaybill)
		}
		if v.ETA == nil || !v.ETA.After(time.Now()) {
			t.Errorf("a parcel waiting at the central warehouse shows ETA %v", v.ETA)
		}
		if v.DistanceLeftKm < 1000 {
			t.Errorf("at the central warehouse %.0f km are left to the buyer", v.DistanceLeftKm)
		}
	}

	booked, err := f.svc.BookOnward(ctx, 100, log)
	if err != nil || booked != 3 {
		t.Fatalf("BookOnward = %d, %v; want 3 parcels booked", booked, err)
	}
	if again, err := f.svc.BookOnward(ctx, 100, log); err != nil || again != 0 {
		t.Fatalf("a second round booked %d more (%v)", again, err)
	}
	f.waitQuiet(t, time.Minute)
	if err := f.svc.PollCarriers(ctx, 500, log); err != nil {
		t.Fatal(err)
	}
	f.payAllLegs(t, log)
	views := map[string]app.View{}
	for name, sh := range map[string]domain.Shipment{"a1": a1, "a2": a2, "b": b} {
		v, err := f.svc.GetShipment(ctx, orders, sh.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != domain.StatusDelivered || v.DistanceLeftKm > 0.01 {
			t.Errorf("%s ends %s with %.1f km left", name, v.Status, v.DistanceLeftKm)
		}
		views[name] = v
	}
	if views["a1"].OnwardWaybill == "" || views["a1"].OnwardWaybill != views["a2"].OnwardWaybill || views["a1"].ConsolidationID != views["a2"].ConsolidationID {
		t.Errorf("buyer A's parcels went on apart: %q and %q", views["a1"].OnwardWaybill, views["a2"].OnwardWaybill)
	}
	if views["b"].OnwardWaybill == views["a1"].OnwardWaybill {
		t.Error("another buyer's parcel was consolidated with buyer A's")
	}

	// The onward booking's charges, shared by weight, add up to what the
	// carrier charged, and every share is paid once.
	truth := f.truth(t, views["a1"].OnwardWaybill)
	charged := map[string]int64{}
	for _, e := range f.allSimEvents(t) {
		if e.Type == "charge" && e.Waybill == truth.Waybill {
			charged[e.Charge.LegID] = e.Charge.Amount
		}
	}
	if len(charged) == 0 {
		t.Fatal("the onward booking was never charged")
	}
	shared := map[string]int64{}
	for _, name := range []string{"a1", "a2"} {
		for _, l := range views[name].Legs {
			if l.PaidAt == nil {
				t.Errorf("%s's leg %s is unpaid", name, l.LegID)
			}
			for leg := range charged {
				if len(l.LegID) > len(leg) && l.LegID[:len(leg)+1] == leg+"/" {
					shared[leg] += l.Amount.Amount
				}
			}
		}
	}
	for leg, amount := range charged {
		if shared[leg] != amount {
			t.Errorf("onward leg %s: shares add up to %d, the carrier charged %d", leg, shared[leg], amount)
		}
	}
}

// A buyer's parcels to one address whose values are declared in two
// currencies (orders declares the goods' price when the estimator gave no
// figure) go on in one booking per currency, and nothing holds up the
// round. Before, they were grouped together, the sum of their declared
// values failed, and every onward booking of every buyer waited behind
// that group for good.
func TestParcelsDeclaredInTwoCurrenciesGoOnApart(t *testing.T) {
	f, parcel := newCentralFixture(t)
	buyer := f.input(0, "air").BuyerID
	home := address(1, true)
	inUSD := parcel(1, buyer, home)
	inEUR := parcel(2, buyer, home)
	inEUR.DeclaredValue = money.MustNew(1500, "EUR")
	a, b := f.create(t, inUSD), f.create(t, inEUR)
	f.waitQuiet(t, time.Minute)
	log := testkit.Logger(t)
	if err := f.svc.PollCarriers(ctx, 500, log); err != nil {
		t.Fatal(err)
	}
	if booked, err := f.svc.BookOnward(ctx, 100, log); err != nil || booked != 2 {
		t.Fatalf("BookOnward = %d, %v; want both parcels booked", booked, err)
	}
	va, err := f.svc.GetShipment(ctx, orders, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	vb, err := f.svc.GetShipment(ctx, orders, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if va.OnwardWaybill == "" || vb.OnwardWaybill == "" || va.OnwardWaybill == vb.OnwardWaybill {
		t.Errorf("onward waybills %q and %q, want one booking each", va.OnwardWaybill, vb.OnwardWaybill)
	}
}

// A consolidation whose onward booking the carrier refuses waits an hour
// before it is asked again, out of the way of the parcels behind it, which
// go on meanwhile, and the failing-steps gauge counts it for an operator. Before, it was asked again every round and, being the
// oldest at the warehouse, filled every round's batch: once a batch's worth
// of refused parcels waited there, nothing left the warehouse.
func TestARefusedOnwardBookingHoldsUpNoOtherParcel(t *testing.T) {
	f, parcel := newCentralFixture(t)
	log := testkit.Logger(t)
	arrive := func(in domain.NewShipmentInput) domain.Shipment {
		sh := f.create(t, in)
		f.waitQuiet(t, time.Minute)
		if err := f.svc.PollCarriers(ctx, 500, log); err != nil {
			t.Fatal(err)
		}
		return sh
	}
	refusedTo := address(1, true)
	refusedTo.Recipient = "Refused Recipient"
	refused := arrive(parcel(1, f.input(0, "air").BuyerID, refusedTo)) // first at the warehouse
	other := arrive(parcel(2, f.input(1, "air").BuyerID, address(2, false)))
	var refusing atomic.Bool
	refusing.Store(true)
	fn := interceptor(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if refusing.Load() && r.Method == http.MethodPost && r.URL.Path == "/v1/shipments" && bytes.Contains(body, []byte("Refused Recipient")) {
			refuseParcel(w, r, next)
			return
		}
		next.ServeHTTP(w, r)
	})
	f.intercept.Store(&fn)

	// A batch of one: the refused parcel's, then the next round's.
	for round, want := range []int{0, 1} {
		if n, err := f.svc.BookOnward(ctx, 1, log); err != nil || n != want {
			t.Fatalf("round %d: BookOnward = %d, %v; want %d booked", round+1, n, err, want)
		}
	}
	onward := func(sh domain.Shipment) string {
		v, err := f.svc.GetShipment(ctx, orders, sh.ID)
		if err != nil {
			t.Fatal(err)
		}
		return v.OnwardWaybill
	}
	if onward(other) == "" || onward(refused) != "" {
		t.Fatalf("onward waybills: the other parcel %q, the refused one %q; want only the other booked", onward(other), onward(refused))
	}
	// Operators are told: the failing-steps gauge counts the parcel.
	if got := testkit.FailingSteps(t, f.store.FailingShipments); got["onward_refused"].Count != 1 {
		t.Errorf("failing shipments %+v, want the refused parcel counted as onward_refused", got)
	}
	// Asked again an hour later: the carrier takes it then.
	var retryAt time.Time
	if err := f.pool.QueryRow(ctx, `SELECT onward_retry_at FROM shipments WHERE shipment_id = $1`, refused.ID).Scan(&retryAt); err != nil {
		t.Fatal(err)
	}
	if wait := time.Until(retryAt); wait < 59*time.Minute || wait > time.Hour {
		t.Errorf("the refused parcel is asked again in %v, want an hour", wait)
	}
	if _, err := f.pool.Exec(ctx, `UPDATE shipments SET onward_retry_at = now() - interval '1 second' WHERE shipment_id = $1`, refused.ID); err != nil {
		t.Fatal(err)
	}
	refusing.Store(false)
	if n, err := f.svc.BookOnward(ctx, 1, log); err != nil || n != 1 || onward(refused) == "" {
		t.Fatalf("after the wait: BookOnward = %d, %v, onward %q; want the refused parcel booked", n, err, onward(refused))
	}
	if got := testkit.FailingSteps(t, f.store.FailingShipments); got["onward_refused"].Count != 0 {
		t.Errorf("failing shipments %+v once booked, want no onward_refused", got)
	}
}

// One carrier failing for now (down, timing out, refusing our credentials
// until an operator fixes them) leaves its own parcels at the central
// warehouse for the next round, not deferred; another carrier's parcels,
// behind them in the warehouse, go on meanwhile, even when the failing
// carrier's parcels fill a round's read. Before, a credentials refusal was
// taken for the carrier refusing the parcels: deferred an hour each, and
// reported as refused.
func TestACarrierDownHoldsUpNoOtherCarriersOnwardBookings(t *testing.T) {
	for _, tt := range []struct {
		name   string
		answer func(http.ResponseWriter, *http.Request, http.Handler)
		kind   apperr.Kind
	}{
		{"unreachable", unreachable, apperr.KindUnavailable},
		{"our credentials refused", func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
			writeJSON(w, http.StatusUnauthorized, `{"error":{"type":"authentication_error","code":"invalid_api_key","message":"the API key was revoked"}}`)
		}, apperr.KindFailedPrecondition},
	} {
		t.Run(tt.name, func(t *testing.T) { carrierFailingOnward(t, tt.answer, tt.kind) })
	}
}

func carrierFailingOnward(t *testing.T, answer func(http.ResponseWriter, *http.Request, http.Handler), kind apperr.Kind) {
	f, parcel := newCentralFixture(t)
	log := testkit.Logger(t)
	other := f.addCarrier(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, Seed: 13, UnservedCountries: []string{}})

	held := f.create(t, parcel(1, f.input(0, "air").BuyerID, address(1, true))) // first at the warehouse
	f.waitQuiet(t, time.Minute)
	if err := f.svc.PollCarriers(ctx, 500, log); err != nil {
		t.Fatal(err)
	}
	in := parcel(2, f.input(1, "air").BuyerID, address(2, false))
	in.MethodID = other.airMethod.ID
	goesOn := f.create(t, in)
	other.waitQuiet(t, time.Minute)
	if _, err := f.svc.PollCarrier(ctx, other.carrier, 1000, log); err != nil {
		t.Fatal(err)
	}
	view := func(sh domain.Shipment) app.View {
		v, err := f.svc.GetShipment(ctx, orders, sh.ID)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if a, b := view(held), view(goesOn); a.AtCentralAt == nil || b.AtCentralAt == nil || !a.AtCentralAt.Before(*b.AtCentralAt) {
		t.Fatalf("at the central warehouse: %v and %v; the test needs both there, the first carrier's first", a.AtCentralAt, b.AtCentralAt)
	}

	down := interceptor(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/shipments" {
			answer(w, r, next)
			return
		}
		next.ServeHTTP(w, r)
	})
	f.intercept.Store(&down)
	// The first round reads one parcel at a time: the down carrier's fill
	// the read, and the warehouse is read again without them.
	for round, batch := range []int{1, 500} {
		n, err := f.svc.BookOnward(ctx, batch, log)
		if want := 1 - round; n != want || !apperr.IsKind(err, kind) {
			t.Fatalf("round %d with the first carrier failing: BookOnward = %d, %v; want %d booked and %s", round+1, n, err, want, kind)
		}
	}
	if view(goesOn).OnwardWaybill == "" || view(held).OnwardWaybill != "" {
		t.Fatalf("onward waybills: the other carrier's parcel %q, the down carrier's %q; want only the other's booked",
			view(goesOn).OnwardWaybill, view(held).OnwardWaybill)
	}
	if got := testkit.FailingSteps(t, f.store.FailingShipments); got["onward_refused"].Count != 0 {
		t.Errorf("failing shipments %+v, want no parcel counted as refused by the carrier", got)
	}
	f.intercept.Store(nil)
	if n, err := f.svc.BookOnward(ctx, 500, log); err != nil || n != 1 || view(held).OnwardWaybill == "" {
		t.Fatalf("the carrier back: BookOnward = %d, %v, onward %q; want its parcel booked", n, err, view(held).OnwardWaybill)
	}
}

// A consolidation's onward booking whose answer was lost runs at the
// carrier all the same: its events are refused until the next BookOnward
// round (booking again under the consolidation's reference) stores it,
// not dropped as another's. The feed parks them and reads on past them
// (the carrier's other parcels are not held up behind them), and applies
// them once the booking is stored: the parcels end delivered.
func TestOnwardEventsWaitForTheirBookingToBeStored(t *testing.T) {
	f, parcel := newCentralFixture(t)
	buyer := f.input(0, "air").BuyerID
	home := address(1, true)
	parcels := []domain.Shipment{f.create(t, parcel(1, buyer, home)), f.create(t, parcel(2, buyer, home))}
	f.waitQuiet(t, time.Minute)
	log := testkit.Logger(t)
	if err := f.svc.PollCarriers(ctx, 500, log); err != nil {
		t.Fatal(err)
	}

	lost := make(chan string, 1)
	f.script(carrierScript{"book 1": answerLost(lost)})
	if n, err := f.svc.BookOnward(ctx, 100, log); err == nil || n != 0 {
		t.Fatalf("BookOnward with the carrier's answer lost = %d, %v; want it to fail", n, err)
	}
	onward := <-lost
	var lastOnward int64
	for deadline := time.Now().Add(time.Minute); lastOnward == 0; time.Sleep(10 * time.Millisecond) {
		events := f.allSimEvents(t)
		if slices.ContainsFunc(events, func(e carrierapi.EventJSON) bool { return e.Waybill == onward && e.Status == "delivered" }) {
			for _, e := range events {
				if e.Waybill == onward {
					lastOnward = max(lastOnward, e.Seq)
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the carrier never delivered the onward booking %s", onward)
		}
	}
	if _, err := f.svc.PollCarrier(ctx, f.carrier, 500, log); err != nil {
		t.Fatalf("reading the feed with onward events whose booking is not stored: %v, want them parked", err)
	}
	var cursor int64
	if err := f.pool.QueryRow(ctx, `SELECT coalesce(max(after_seq), 0) FROM carrier_cursors WHERE carrier_id = $1`, f.carrier.ID).Scan(&cursor); err != nil {
		t.Fatal(err)
	}
	if cursor < lastOnward {
		t.Errorf("the feed stopped at %d, before the onward events up to %d", cursor, lastOnward)
	}
	parked := testkit.FailingSteps(t, f.store.FailingShipments)["onward_events_parked"].Count
	if parked == 0 {
		t.Error("no onward event counted parked")
	}
	// Another replica reading the same events parks no second copy.
	if _, err := f.pool.Exec(ctx, `UPDATE carrier_cursors SET after_seq = 0 WHERE carrier_id = $1`, f.carrier.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PollCarrier(ctx, f.carrier, 500, log); err != nil {
		t.Fatal(err)
	}
	if again := testkit.FailingSteps(t, f.store.FailingShipments)["onward_events_parked"].Count; again != parked {
		t.Errorf("the feed read again parked %d events, %d before; want no copies", again, parked)
	}
	// Parked events are read only once their booking is stored: those
	// still waiting hold up none that could be applied.
	if ready, err := f.store.ParkedCarrierEvents(ctx, f.carrier.ID, 500); err != nil || len(ready) != 0 {
		t.Errorf("parked events ready before their booking is stored: %d (%v), want none", len(ready), err)
	}
	// A charge whose text the database would refuse is the event's own
	// fault, not parked (parking it would fail, and stop the feed there).
	waiting, err := f.svc.GetShipment(ctx, orders, parcels[0].ID)
	if err != nil || waiting.ConsolidationID == uuid.Nil {
		t.Fatalf("a parcel of the consolidation: %v, consolidation %s", err, waiting.ConsolidationID)
	}
	charge := carrierapi.EventJSON{ID: "charge-nul", Type: "charge", Waybill: onward, Reference: waiting.ConsolidationID.String(),
		OccurredAt: time.Now()}
	charge.Charge = &struct {
		LegID    string `json:"leg_id"`
		Kind     string `json:"kind"`
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
	}{LegID: "L-nul", Kind: "last_mile", Amount: 100, Currency: "US\x00"}
	body := mustJSON(t, charge)
	if _, err := f.svc.HandleWebhook(ctx, carrierCode, webhook.Sign([]byte(webhookSecret), time.Now(), body), body); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("a charge with a NUL in its currency for a booking not stored = %v, want InvalidArgument", err)
	}
	for _, sh := range parcels {
		if v, err := f.svc.GetShipment(ctx, orders, sh.ID); err != nil || v.Status == domain.StatusDelivered {
			t.Fatalf("%s before its onward booking is stored: %v, %v; want it not delivered yet", sh.ID, v.Status, err)
		}
	}

	if n, err := f.svc.BookOnward(ctx, 100, log); err != nil || n != 2 {
		t.Fatalf("BookOnward again = %d, %v; want the 2 parcels booked", n, err)
	}
	f.waitQuiet(t, time.Minute)
	if err := f.svc.PollCarriers(ctx, 500, log); err != nil {
		t.Fatal(err)
	}
	for _, sh := range parcels {
		v, err := f.svc.GetShipment(ctx, orders, sh.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != domain.StatusDelivered || v.OnwardWaybill != onward {
			t.Errorf("%s ends %s, onward %q; want delivered by %s", sh.ID, v.Status, v.OnwardWaybill, onward)
		}
	}
	if got := testkit.FailingSteps(t, f.store.FailingShipments)["onward_events_parked"].Count; got != 0 {
		t.Errorf("%d onward events still parked once applied", got)
	}
}

// Two replicas consolidating overlapping parcels at once: replica A read
// the two that waited longest (its batch ended there) and consolidates
// them while replica B, which read those and a third just arrived, writes
// its own consolidation. B finds the group changed and gives up, leaving
// nothing of its write: the third parcel is not left in a consolidation
// of its own, which the next round would book onward alone at once, but
// waits its own window for the buyer's next parcels.
func TestRacingConsolidationsLeaveNoPartialGroup(t *testing.T) {
	f, cfg := consolidating(t, 31)
	parcel := centralParcels(f)
	buyer, home := f.input(0, "air").BuyerID, address(1, true)
	var parcels []domain.Shipment
	for i, waited := range []string{"7 hours", "6 hours 30 minutes", "1 minute"} {
		sh := f.create(t, parcel(i+1, buyer, home))
		if _, err := f.pool.Exec(ctx, `UPDATE shipments SET at_central_at = now() - $2::interval WHERE shipment_id = $1`, sh.ID, waited); err != nil {
			t.Fatal(err)
		}
		parcels = append(parcels, sh)
	}

	log := testkit.Logger(t)
	replicaA := f.svc
	raced := &racingStore{Store: f.store, race: func() {
		if n, err := replicaA.BookOnward(ctx, 2, log); err != nil || n != 2 {
			t.Errorf("replica A's BookOnward = %d, %v; want its 2 parcels booked", n, err)
		}
	}}
	replicaB := app.New(raced, carrierapi.New(5*time.Second), f.finance, f.inventory, cfg)
	if n, err := replicaB.BookOnward(ctx, 100, log); !apperr.IsKind(err, apperr.KindAborted) || n != 0 {
		t.Fatalf("replica B's BookOnward over parcels consolidated meanwhile = %d, %v; want Aborted", n, err)
	}
	late, err := f.store.GetShipment(ctx, parcels[2].ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if late.ConsolidationID != uuid.Nil {
		t.Errorf("the parcel just arrived is left in replica B's consolidation %s", late.ConsolidationID)
	}
	if n, err := replicaB.BookOnward(ctx, 100, log); err != nil || n != 0 {
		t.Errorf("the next round booked %d (%v); want the parcel just arrived to wait its window", n, err)
	}
	first, err := f.store.GetShipment(ctx, parcels[0].ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if late, err = f.store.GetShipment(ctx, parcels[2].ID, false); err != nil || late.OnwardWaybill != "" {
		t.Errorf("the parcel just arrived was booked onward: %q (%v)", late.OnwardWaybill, err)
	}
	if second, err := f.store.GetShipment(ctx, parcels[1].ID, false); err != nil || first.OnwardWaybill == "" ||
		second.OnwardWaybill != first.OnwardWaybill || second.ConsolidationID != first.ConsolidationID {
		t.Errorf("replica A's parcels went on apart: %q and %q (%v)", first.OnwardWaybill, second.OnwardWaybill, err)
	}
}

// racingStore runs race once, right after the parcels waiting at the
// central warehouse were read: another replica's work landing between a
// replica's read and its write.
type racingStore struct {
	app.Store
	once sync.Once
	race func()
}

func (s *racingStore) WaitingAtCentral(ctx context.Context, now time.Time, limit int, skip []uuid.UUID) ([]domain.Shipment, error) {
	list, err := s.Store.WaitingAtCentral(ctx, now, limit, skip)
	s.once.Do(s.race)
	return list, err
}

// A consolidation whose onward booking failed is booked whole next round,
// however few of its parcels that round's read of the warehouse holds
// (more parcels waiting than a round reads, late arrivals dated earlier).
// Before, the part read was booked onward alone, and the parcels left out
// never followed the consolidation's waybill.
func TestAConsolidationIsBookedOnwardWhole(t *testing.T) {
	f, _ := consolidating(t, 37)
	parcel := centralParcels(f)
	buyer, home := f.input(0, "air").BuyerID, address(1, true)
	consolidation := uuid.New()
	var parcels []domain.Shipment
	for i, waited := range []string{"8 hours", "7 hours"} {
		sh := f.create(t, parcel(i+1, buyer, home))
		if _, err := f.pool.Exec(ctx, `UPDATE shipments SET at_central_at = now() - $2::interval, consolidation_id = $3 WHERE shipment_id = $1`,
			sh.ID, waited, consolidation); err != nil {
			t.Fatal(err)
		}
		parcels = append(parcels, sh)
	}
	if n, err := f.svc.BookOnward(ctx, 1, testkit.Logger(t)); err != nil || n != 2 {
		t.Fatalf("BookOnward reading one parcel of the consolidation = %d, %v; want both booked", n, err)
	}
	var waybills []string
	for _, p := range parcels {
		sh, err := f.store.GetShipment(ctx, p.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		waybills = append(waybills, sh.OnwardWaybill)
	}
	if waybills[0] == "" || waybills[0] != waybills[1] {
		t.Errorf("the consolidation's parcels went on with %q, want one waybill for both", waybills)
	}
}

// consolidating is a fixture whose parcels wait at the central warehouse
// a window of six hours, on the carrier simulator's real clock.
func consolidating(t *testing.T, seed int64) (*fixture, app.Config) {
	t.Helper()
	cfg := app.Config{Environment: "sandbox", BaseCurrency: "USD", TimeScale: 1, ConsolidationWindow: 6 * time.Hour}
	f := newFixture(t, carriersim.Config{TimeScale: 1, Tick: 5 * time.Millisecond, Seed: seed, UnservedCountries: []string{}}, 8,
		func(c *app.Config) { *c = cfg })
	return f, cfg
}

// A consolidated parcel its onward carrier could not deliver goes back to
// the sender of that booking, the central warehouse: it ends returned (the
// buyer's sub-order is refunded) and its goods, at the warehouse with
// nothing booking them back to their supplier, are counted for an operator
// until one records them settled.
func TestAParcelReturnedToTheCentralWarehouseIsCountedForAnOperator(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, Seed: 11, UnservedCountries: []string{}, LoseRate: 1}, 8,
		func(c *app.Config) { c.ConsolidationWindow = 6 * time.Hour })
	parcel := centralParcels(f)
	sh := f.create(t, parcel(1, f.input(0, "air").BuyerID, address(1, true)))
	f.waitQuiet(t, time.Minute)
	log := testkit.Logger(t)
	if err := f.svc.PollCarriers(ctx, 500, log); err != nil {
		t.Fatal(err)
	}
	if n, err := f.svc.BookOnward(ctx, 100, log); err != nil || n != 1 {
		t.Fatalf("BookOnward = %d, %v; want the parcel booked", n, err)
	}
	v, err := f.svc.GetShipment(ctx, orders, sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := testkit.FailingSteps(t, f.store.FailingShipments)["returned_at_central"].Count; got != 0 {
		t.Fatalf("%d parcels counted returned to the central warehouse before any was", got)
	}

	// The onward carrier gives up (its webhooks are lost, the feed is not
	// read again: only this event reaches the service).
	f.post(t, carrierapi.EventJSON{ID: "onward-returned", Type: "tracking", Waybill: v.OnwardWaybill, Reference: v.ConsolidationID.String(),
		OccurredAt: time.Now().Add(24 * time.Hour), SeqInShipment: 1000, Status: "returned", Leg: "last_mile",
		Description: "returned to the sender after 3 failed delivery attempts"})
	if v, err = f.svc.GetShipment(ctx, orders, sh.ID); err != nil || v.Status != domain.StatusReturned {
		t.Fatalf("after the onward return the parcel is %s (%v), want returned", v.Status, err)
	}
	got := testkit.FailingSteps(t, f.store.FailingShipments)["returned_at_central"]
	if got.Count != 1 {
		t.Fatalf("returned to the central warehouse: counted %d, want 1", got.Count)
	}
	if _, err := f.pool.Exec(ctx, `UPDATE shipments SET central_return_settled_at = now() WHERE shipment_id = $1`, sh.ID); err != nil {
		t.Fatal(err)
	}
	if got := testkit.FailingSteps(t, f.store.FailingShipments)["returned_at_central"].Count; got != 0 {
		t.Errorf("once settled by an operator still counted %d", got)
	}
}
