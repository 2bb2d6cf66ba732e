package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

// testTiming pulls every round the orders updated up to a moment ago, the
// whole past day again each time.
var testTiming = app.Timing{Round: 10 * time.Millisecond, SettleEvery: time.Hour,
	Pull: domain.PullTiming{Lag: time.Millisecond, Overlap: 24 * time.Hour}, Lookback: 24 * time.Hour, Retry: time.Second}

// pulled is what docking recorded of one partner order.
type pulled struct {
	state, problem string
	orderID        *string
	raw            bool
	subs           int
}

func (f *pullFixture) pulled(t *testing.T) map[string]pulled {
	t.Helper()
	rows, err := f.pool.Query(context.Background(), `SELECT o.partner_order_id, o.state, o.problem, o.order_id::text, o.raw <> 'null'::jsonb,
		(SELECT count(*) FROM partner_sub_orders s WHERE s.partner_id = o.partner_id AND s.partner_order_id = o.partner_order_id)
		FROM partner_orders o`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]pulled{}
	for rows.Next() {
		var id string
		var p pulled
		if err := rows.Scan(&id, &p.state, &p.problem, &p.orderID, &p.raw, &p.subs); err != nil {
			t.Fatal(err)
		}
		out[id] = p
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *pullFixture) watermark(t *testing.T) time.Time {
	t.Helper()
	st, err := f.store.PullState(context.Background(), f.partner, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return st.Watermark
}

// round runs one round a moment after the last change on the market, so
// the window reaches it.
func (f *pullFixture) round(t *testing.T) error {
	t.Helper()
	time.Sleep(5 * time.Millisecond)
	return f.trade.Round(context.Background())
}

// marketWithUnpaid is a partner market holding n paid orders of ours and,
// last, one not paid yet.
func marketWithUnpaid(t *testing.T, n int) (*partnersim.Market, []partnersim.Order, partnersim.Order) {
	t.Helper()
	clk := &benchClock{}
	m := partnersim.NewMarket(partnersim.MarketConfig{Now: clk.Now, Seed: 3})
	fillMarket(t, m, clk, n)
	all := m.Orders()
	unpaid, err := m.PlaceOrder("bob", partnersim.Address{Recipient: "Bob", CountryCode: "DE", City: "Köln"},
		[]partnersim.ItemInput{{Marker: all[0].Items[0].Marker, Quantity: 1}}, false)
	if err != nil {
		t.Fatal(err)
	}
	return m, all, unpaid
}

// Each paid order becomes one local order, recorded with its sub-orders and
// raw form; reading it again (here with every order of the day again, one
// of them cancelled since) places nothing twice and keeps it imported. The
// one cancelled on the partner is cancelled here, once however often it is
// read. An unpaid order waits.
func TestPullImportsEachPaidOrderOnce(t *testing.T) {
	m, all, unpaid := marketWithUnpaid(t, 120)
	f := newPullFixture(t, m, testTiming)
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	cancelled := all[7].OrderID
	if _, err := m.Cancel(cancelled); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := f.round(t); err != nil {
			t.Fatal(err)
		}
	}

	got := f.pulled(t)
	for _, o := range all {
		p := got[o.OrderID]
		placed := f.orders.byKey[domain.Channel("bench")+"\x00"+o.OrderID]
		if p.state != app.PulledImported || p.orderID == nil || *p.orderID != placed.OrderID.String() || !p.raw || p.subs != 1 {
			t.Errorf("%s: %+v, want imported as %s with its raw form and 1 sub-order", o.OrderID, p, placed.OrderID)
		}
		if n := f.orders.calls[o.OrderID]; n != 1 {
			t.Errorf("%s placed %d times, want once", o.OrderID, n)
		}
	}
	local := f.orders.byKey[domain.Channel("bench")+"\x00"+cancelled].OrderID
	if p := got[cancelled]; p.problem != "" || !f.orders.cancelled[local] || f.orders.cancels[local] != 1 {
		t.Errorf("cancelled after import: %+v, cancelled here %v after %d calls; want cancelled once, no problem",
			p, f.orders.cancelled[local], f.orders.cancels[local])
	}
	if n := len(f.orders.cancels); n != 1 {
		t.Errorf("%d local orders asked to cancel, want 1", n)
	}
	if p := got[unpaid.OrderID]; p.state != app.PulledWaiting || f.orders.calls[unpaid.OrderID] != 0 {
		t.Errorf("unpaid: %+v, placed %d times", p, f.orders.calls[unpaid.OrderID])
	}
	if n := f.orders.placed(); n != len(all) {
		t.Errorf("%d local orders, want %d", n, len(all))
	}
}

// A partner order cancelled on the partner whose cancel here fails for now
// (orders down) is left unrecorded and cancelled on the next read; one
// whose goods shipped (orders refuses) is flagged for an operator, and its
// later reads neither ask again nor drop the flag.
func TestAnOrderCancelledOnThePartnerIsCancelledHereOrFlagged(t *testing.T) {
	m, all, _ := marketWithUnpaid(t, 10)
	f := newPullFixture(t, m, testTiming)
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	down, shipped := all[2].OrderID, all[4].OrderID
	localOf := func(id string) uuid.UUID { return f.orders.byKey[domain.Channel("bench")+"\x00"+id].OrderID }
	f.orders.cancelFails[localOf(down)] = apperr.Unavailable("orders is restarting")
	f.orders.cancelFails[localOf(shipped)] = apperr.FailedPrecondition("a sub-order has shipped").WithReason("ALREADY_SHIPPED")
	for _, id := range []string{down, shipped} {
		if _, err := m.Cancel(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.round(t); err != nil {
		t.Fatal(err) // recorded on the partner, not returned
	}
	if p := f.pulled(t)[down]; p.problem != "" || f.orders.cancelled[localOf(down)] || f.orders.cancels[localOf(down)] != 1 {
		t.Fatalf("orders down: %+v, want the record as it was", p)
	}
	delete(f.orders.cancelFails, localOf(down))
	for range 2 {
		if err := f.round(t); err != nil {
			t.Fatal(err)
		}
	}
	got := f.pulled(t)
	if p := got[down]; p.state != app.PulledImported || p.problem != "" || !f.orders.cancelled[localOf(down)] {
		t.Errorf("cancelled once orders was back: %+v, cancelled here %v", p, f.orders.cancelled[localOf(down)])
	}
	want := "after import: cancelled on the partner, not here: a sub-order has shipped"
	if p := got[shipped]; p.state != app.PulledImported || p.problem != want || f.orders.cancels[localOf(shipped)] != 1 {
		t.Errorf("shipped: %+v after %d cancels, want flagged %q after one", p, f.orders.cancels[localOf(shipped)], want)
	}
}

// An order an earlier version only flagged when it was cancelled on the
// partner after its import ("after import: cancelled on the partner") is
// cancelled here when read again (migration 00021 asks for that read), not
// left flagged as the status it was read in before.
func TestAnOrderFlaggedCancelledByAnEarlierVersionIsCancelledWhenReadAgain(t *testing.T) {
	m, all, _ := marketWithUnpaid(t, 10)
	f := newPullFixture(t, m, testTiming)
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	id := all[3].OrderID
	local := f.orders.byKey[domain.Channel("bench")+"\x00"+id].OrderID
	if _, err := m.Cancel(id); err != nil {
		t.Fatal(err)
	}
	// Read in its cancelled status, the cancel here refused: the record now
	// holds that status, as the earlier version's did.
	f.orders.cancelFails[local] = apperr.FailedPrecondition("not now").WithReason("ALREADY_SHIPPED")
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	delete(f.orders.cancelFails, local)
	if _, err := f.pool.Exec(context.Background(), `UPDATE partner_orders SET problem = 'after import: cancelled on the partner' WHERE partner_order_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	if p := f.pulled(t)[id]; !f.orders.cancelled[local] || p.problem != "" {
		t.Errorf("the flagged order: %+v, cancelled here %v; want cancelled, its flag gone", p, f.orders.cancelled[local])
	}
}

// An order placed whose answer was lost (or docking stopped before its
// record), then cancelled on the partner before the next read, is not
// taken for one never placed: its local order is looked up, recorded
// imported and cancelled (it must not be fulfilled). An order cancelled
// before it was paid is looked up once, found never placed, and waits.
func TestPullFindsAnOrderPlacedButNotRecordedOnceCancelled(t *testing.T) {
	m, all, unpaid := marketWithUnpaid(t, 20)
	f := newPullFixture(t, m, testTiming)
	lost := all[5].OrderID
	f.orders.lose[lost] = true
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	if p, ok := f.pulled(t)[lost]; ok {
		t.Fatalf("%s recorded though its placing's answer was lost: %+v", lost, p)
	}
	delete(f.orders.lose, lost)
	for _, id := range []string{lost, unpaid.OrderID} {
		if _, err := m.Cancel(id); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := f.round(t); err != nil {
			t.Fatal(err)
		}
	}

	got := f.pulled(t)
	placed := f.orders.byKey[domain.Channel("bench")+"\x00"+lost]
	if p := got[lost]; p.state != app.PulledImported || p.orderID == nil || *p.orderID != placed.OrderID.String() || p.subs != 1 ||
		p.problem != "" || !f.orders.cancelled[placed.OrderID] {
		t.Errorf("placed, answer lost, then cancelled: %+v, cancelled here %v; want imported as %s and cancelled",
			p, f.orders.cancelled[placed.OrderID], placed.OrderID)
	}
	if p := got[unpaid.OrderID]; p.state != app.PulledWaiting || p.orderID != nil {
		t.Errorf("cancelled unpaid: %+v, want waiting", p)
	}
	if n := f.orders.calls[unpaid.OrderID]; n != 1 {
		t.Errorf("the cancelled unpaid order was looked up %d times over two reads, want once", n)
	}
	if n := f.orders.placed(); n != len(all) {
		t.Errorf("%d local orders, want %d (none for the unpaid one)", n, len(all))
	}
}

// An order the orders service cannot take now fails the pull: the orders
// placed before it are recorded, it is not, and the watermark stays until a
// round stores the whole window.
func TestPullWatermarkWaitsForEveryOrder(t *testing.T) {
	clk := &benchClock{}
	m := partnersim.NewMarket(partnersim.MarketConfig{Now: clk.Now, Seed: 3})
	fillMarket(t, m, clk, 120)
	all := m.Orders()
	f := newPullFixture(t, m, testTiming)
	stuck := all[75].OrderID // on the second page of 50
	f.orders.fail[stuck] = apperr.Unavailable("orders is restarting")
	start := f.watermark(t)
	if err := f.round(t); err != nil {
		t.Fatal(err) // recorded on the partner, not returned
	}
	got := f.pulled(t)
	if _, ok := got[stuck]; ok {
		t.Errorf("%s recorded though it was not placed", stuck)
	}
	for _, o := range all[:75] {
		if got[o.OrderID].state != app.PulledImported {
			t.Errorf("%s, listed before the stuck order: %+v, want imported", o.OrderID, got[o.OrderID])
		}
	}
	if w := f.watermark(t); !w.Equal(start) {
		t.Errorf("watermark moved from %v to %v with an order not stored", start, w)
	}
	// The next pull reads on from the whole second of the first page's
	// last order, where the failed read was, not from the window's start.
	st, err := f.store.PullState(context.Background(), f.partner, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	rest := st.Reading(app.ReadingOrders)
	if want := all[49].UpdatedAt.Truncate(time.Second); rest == nil || !rest.From.Equal(want) || !rest.To.After(all[len(all)-1].UpdatedAt) {
		t.Errorf("the window's rest to read = %+v, want from %v to after the last order", rest, want)
	}
	// Operators see the partner's order pull failing, and only that job.
	if got := testkit.FailingSteps(t, f.store.FailingPartnerJobs); got[app.JobOrderPull].Count != 1 || len(got) != 1 {
		t.Errorf("failing partner jobs = %+v, want the order pull", got)
	}

	delete(f.orders.fail, stuck)
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	if got := f.pulled(t); got[stuck].state != app.PulledImported || len(got) != len(all) {
		t.Errorf("after the retry: %d recorded, the stuck one %+v", len(got), got[stuck])
	}
	if w := f.watermark(t); !w.After(start) {
		t.Errorf("watermark %v did not move after the whole window was stored", w)
	}
	if st, err = f.store.PullState(context.Background(), f.partner, time.Time{}); err != nil || st.Reading(app.ReadingOrders) != nil {
		t.Errorf("after the whole window was read, its rest = %+v (%v), want none", st.Reading(app.ReadingOrders), err)
	}
	if n := f.orders.placed(); n != len(all) {
		t.Errorf("%d local orders, want %d", n, len(all))
	}
	if got := testkit.FailingSteps(t, f.store.FailingPartnerJobs); len(got) != 0 {
		t.Errorf("failing partner jobs after a good pull = %+v", got)
	}
}

// A partner rate limiting pages makes the pull wait as asked and go on
// with the window where it was, not start it again.
func TestPullWaitsOutRateLimitedPages(t *testing.T) {
	clk := &benchClock{}
	m := partnersim.NewMarket(partnersim.MarketConfig{Now: clk.Now, Seed: 5,
		Faults: partnersim.Faults{RateLimit: 0.3, RetryAfter: time.Second}})
	fillMarket(t, m, clk, 160)
	f := newPullFixture(t, m, testTiming)
	start := f.watermark(t)
	// The first round's settlement pull may be rate limited too; its
	// orders' pull ran before it.
	_ = f.round(t)
	if n := len(f.pulled(t)); n != 160 {
		t.Errorf("%d orders recorded after one round, want 160", n)
	}
	if w := f.watermark(t); !w.After(start) {
		t.Error("the watermark did not move")
	}
	for id, n := range f.orders.calls {
		if n != 1 {
			t.Errorf("%s placed %d times", id, n)
		}
	}
}

// A catch-up window of an hour read while the partner's orders change: an
// order of an earlier page updated meanwhile leaves the window, and a
// later page read by offset would skip the order after it, older than any
// later window reaches. Every order is still imported once.
func TestPullLosesNoOrderWhenEarlierPagesChangeWhileRead(t *testing.T) {
	clk := &benchClock{}
	m := partnersim.NewMarket(partnersim.MarketConfig{Now: clk.Now, Seed: 11,
		Faults: partnersim.Faults{PageShift: 1}})
	fillMarket(t, m, clk, 300)
	all := m.Orders()
	f := newPullFixture(t, m, app.Timing{Round: 10 * time.Millisecond, SettleEvery: time.Hour,
		Pull: domain.PullTiming{Lag: time.Millisecond, Overlap: time.Second}, Lookback: 2 * time.Hour, Retry: time.Second})
	for range 2 { // the second round reads the orders moved to its window
		if err := f.round(t); err != nil {
			t.Fatal(err)
		}
	}
	got := f.pulled(t)
	for _, o := range all {
		if got[o.OrderID].state != app.PulledImported {
			t.Errorf("%s: %+v, want imported", o.OrderID, got[o.OrderID])
		}
		if n := f.orders.calls[o.OrderID]; n != 1 {
			t.Errorf("%s placed %d times, want once", o.OrderID, n)
		}
	}
}

// An order the partner sold below the price we listed a SKU at (its own
// promotion) is imported at the partner's price and flagged with each line
// below, at its sold and listed prices; an order at the listed price, or
// of a SKU never pushed, is not. Operators list the flagged orders alone.
func TestPullFlagsOrdersSoldBelowOurListedPrice(t *testing.T) {
	clk := &benchClock{}
	m := partnersim.NewMarket(partnersim.MarketConfig{Now: clk.Now, Seed: 5})
	f := newPullFixture(t, m, testTiming)
	ctx := context.Background()
	lamp, mug, unpushed := uuid.NewString(), uuid.NewString(), uuid.NewString()
	pushed := time.Now()
	for _, sku := range []string{lamp, mug, unpushed} {
		l := domain.Listing{Marker: domain.Marker(sku), ProductID: uuid.NewString(), SKUID: sku, SKUCode: "L-" + sku[:4], SupplierID: uuid.NewString(),
			Locale: "de-DE", Title: "Lampe", Price: money.Money{Amount: 2000, Currency: "EUR"}, Stock: 100, WeightG: 500}
		if _, err := m.UpsertListing(partnersim.ListingInput{Marker: l.Marker, ProductID: l.ProductID, SKUID: sku, SKUCode: l.SKUCode,
			SupplierID: l.SupplierID, Locale: l.Locale, Title: l.Title, Currency: "EUR", PriceMinor: 2000, Stock: 100, WeightG: 500}); err != nil {
			t.Fatal(err)
		}
		stored := app.StoredListing{PartnerID: f.partner, Listing: l, Status: domain.ListingLive, UpdatedAt: pushed, PushedAt: &pushed}
		if sku == unpushed {
			stored.PushedAt = nil
		}
		if err := f.store.SaveListing(ctx, stored); err != nil {
			t.Fatal(err)
		}
	}
	addr := partnersim.Address{Recipient: "Anna", CountryCode: "DE", City: "Berlin", Postcode: "10115", Lines: []string{"Torstr. 1"}}
	place := func(items ...partnersim.ItemInput) string {
		o, err := m.PlaceOrder("anna", addr, items, true)
		if err != nil {
			t.Fatal(err)
		}
		return o.OrderID
	}
	promoted := place(partnersim.ItemInput{Marker: domain.Marker(lamp), Quantity: 2, PriceMinor: 1550},
		partnersim.ItemInput{Marker: domain.Marker(mug), Quantity: 1})
	listed := place(partnersim.ItemInput{Marker: domain.Marker(lamp), Quantity: 1})
	neverPushed := place(partnersim.ItemInput{Marker: domain.Marker(unpushed), Quantity: 1, PriceMinor: 900})
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}

	eur := func(a int64) money.Money { return money.Money{Amount: a, Currency: "EUR"} }
	for id, want := range map[string][]domain.PriceGap{
		promoted: {{SKUID: lamp, SoldAt: eur(1550), ListedAt: eur(2000)}}, listed: nil, neverPushed: nil,
	} {
		o, ok, err := f.store.GetPulledOrder(ctx, f.partner, id)
		if err != nil || !ok || o.State != app.PulledImported {
			t.Fatalf("%s: %+v %v %v, want imported", id, o, ok, err)
		}
		if !slices.Equal(o.BelowListing, want) {
			t.Errorf("%s is flagged %+v, want %+v", id, o.BelowListing, want)
		}
	}
	flagged, _, err := f.store.ListPulledOrders(ctx, app.PulledOrderFilter{PartnerID: f.partner, BelowListingOnly: true, Limit: 10})
	if err != nil || len(flagged) != 1 || flagged[0].PartnerOrderID != promoted {
		t.Errorf("the orders sold below our prices: %+v %v, want %s alone", flagged, err, promoted)
	}
	if all, _, err := f.store.ListPulledOrders(ctx, app.PulledOrderFilter{PartnerID: f.partner, Limit: 10}); err != nil || len(all) != 3 {
		t.Errorf("every order: %d %v, want 3", len(all), err)
	}
}

// An admin's sync lifts a rate limit the partner asked for: the next round
// pulls at once (a partner still limiting answers so again). It is the one
// way an operator overrides a partner's wait.
func TestASyncLiftsThePartnersRateLimit(t *testing.T) {
	m, _, _ := marketWithUnpaid(t, 3)
	f := newPullFixture(t, m, testTiming)
	ctx := context.Background()
	f.watermark(t) // the pull's state, as the first round leaves it
	if err := f.store.RecordFailure(ctx, f.partner, "pull: rate limited", time.Now(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_ = f.round(t)
	if n := len(f.pulled(t)); n != 0 {
		t.Fatalf("%d orders pulled from a partner that asked to be left alone for an hour, want none", n)
	}
	if err := f.trade.Sync(ctx, admin, f.partner); err != nil {
		t.Fatal(err)
	}
	_ = f.round(t)
	if n := len(f.pulled(t)); n != 4 {
		t.Errorf("%d orders pulled after the admin's sync, want the market's 4", n)
	}
}
