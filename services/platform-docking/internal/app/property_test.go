package app_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/marketplace"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/services/platform-docking/migrations"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

// propSKU is one SKU of the property run's catalogue.
type propSKU struct {
	id, product, supplier string
	price                 int64
	delisted              bool // off sale: not among the listed products
}

// propCatalog serves the run's catalogue: every product listed in English.
type propCatalog struct{ skus []propSKU }

func (c propCatalog) sku(product uuid.UUID) propSKU {
	i := slices.IndexFunc(c.skus, func(s propSKU) bool { return s.product == product.String() })
	return c.skus[i]
}

func (c propCatalog) Product(_ context.Context, id uuid.UUID) (app.CatalogProduct, error) {
	s := c.sku(id)
	return app.CatalogProduct{ID: id, SupplierID: uuid.MustParse(s.supplier), SKUCodes: map[string]string{s.id: "CODE-" + s.id[:8]},
		Facts: domain.ProductFacts{Listed: !s.delisted, DefaultLocale: "en"}}, nil
}

func (c propCatalog) Content(_ context.Context, id uuid.UUID, locale string) (app.CatalogContent, error) {
	s := c.sku(id)
	return app.CatalogContent{Locale: locale, Title: "Teapot " + s.id[:8], Description: "A teapot.",
		SKUs: []app.CatalogSKU{{ID: s.id, Price: money.MustNew(s.price, "EUR"), Available: 1_000_000, WeightG: 500}}}, nil
}

func (c propCatalog) ListedProducts(context.Context, string) ([]uuid.UUID, string, error) {
	ids := make([]uuid.UUID, 0, len(c.skus))
	for _, s := range c.skus {
		if !s.delisted {
			ids = append(ids, uuid.MustParse(s.product))
		}
	}
	return ids, "", nil
}

// propOrders plays the orders service: PlaceExternalOrder idempotent on
// channel and partner order, split per supplier, priced at the partner's
// prices; a share of calls fail,
// half of them after placing (the answer lost), as a network would.
type propOrders struct {
	mu      sync.Mutex
	cat     propCatalog
	rnd     *rand.Rand
	placed  map[string]app.PlacedOrder
	replays int
}

func (o *propOrders) PlaceExternal(ctx context.Context, in []app.ExternalOrder) ([]app.Placing, error) {
	return app.OneAtATime(o.placeOne).PlaceExternal(ctx, in)
}

// CancelExternal cancels nothing: the partner cancels none of the
// property's orders.
func (o *propOrders) CancelExternal(_ context.Context, orderID uuid.UUID, _ string) error {
	return fmt.Errorf("order %s: no partner order of the property is cancelled", orderID)
}

func (o *propOrders) placeOne(_ context.Context, in app.ExternalOrder) (app.PlacedOrder, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	key := in.Channel + "|" + in.ExternalOrderID
	fail := o.rnd.Float64() < 0.05
	if fail && o.rnd.IntN(2) == 0 {
		return app.PlacedOrder{}, apperr.Unavailable("orders is restarting")
	}
	if p, ok := o.placed[key]; ok {
		o.replays++
		return p, nil
	}
	if in.ExistingOnly {
		return app.PlacedOrder{}, apperr.NotFound("external order", in.ExternalOrderID)
	}
	p := app.PlacedOrder{OrderID: uuid.NewSHA1(uuid.NameSpaceOID, []byte(key))}
	bySupplier := map[string]int{}
	for _, l := range in.Lines {
		s := o.cat.skus[slices.IndexFunc(o.cat.skus, func(s propSKU) bool { return s.id == l.SKUID })]
		i, ok := bySupplier[s.supplier]
		if !ok {
			i = len(p.SubOrders)
			bySupplier[s.supplier] = i
			p.SubOrders = append(p.SubOrders, app.PlacedSubOrder{SettledSubOrder: domain.SettledSubOrder{
				SubOrderID: uuid.NewSHA1(p.OrderID, []byte(s.supplier)).String(), SupplierID: s.supplier, Currency: "EUR"}})
		}
		p.SubOrders[i].GoodsMinor += l.UnitPrice.Amount * l.Quantity // priced at the partner's price, as orders does
		p.SubOrders[i].SKUIDs = append(p.SubOrders[i].SKUIDs, s.id)
	}
	o.placed[key] = p
	if fail {
		return app.PlacedOrder{}, apperr.Unavailable("the answer was lost")
	}
	return p, nil
}

// propFinance plays finance's CreditPartnerSettlement and
// RecordPartnerWithdrawal: each idempotent on the partner and its key,
// refusing another body under the same key, and failing a share of calls
// (half after booking) unless calm. Like finance's virtual account, it
// refuses a withdrawal larger than what was credited (gross less fees) and
// not yet withdrawn in that currency.
type propFinance struct {
	mu      sync.Mutex
	rnd     *rand.Rand
	calm    bool
	credits map[string]domain.SupplierCredit
	clashes int
	// held is each virtual account's balance, by partner and currency.
	held map[string]int64
	// withdrawals are the payouts recorded, by partner and payout id, and
	// unallocated the part of each booked beyond the virtual account.
	withdrawals map[string]money.Money
	unallocated map[string]int64
	// down fails every withdrawal before booking, whatever calm says.
	down bool
	// refused counts withdrawals refused as more than the account held.
	refused int
	// asked counts the calls for each withdrawal, by partner and payout id.
	asked map[string]int
	// lose is how many of the next credits are booked with their answer
	// lost, whatever calm says.
	lose int
	// refuseOneLine refuses every credit of the first line credited for
	// good (FailedPrecondition), whatever calm says; refusedLine is it.
	refuseOneLine bool
	refusedLine   string
	// refusePayout refuses the withdrawal of this payout id for good
	// (InvalidArgument, as for an amount beyond what finance takes).
	refusePayout string
}

func (f *propFinance) fault() (before, after bool) {
	if f.calm || f.rnd.Float64() >= 0.05 {
		return false, false
	}
	if f.rnd.IntN(2) == 0 {
		return true, false
	}
	return false, true
}

func (f *propFinance) CreditPartnerSettlement(_ context.Context, partnerID uuid.UUID, currency string, c domain.SupplierCredit) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if line, _, _ := strings.Cut(c.LineID, "/"); f.refuseOneLine && (f.refusedLine == "" || f.refusedLine == line) {
		f.refusedLine = line
		return apperr.FailedPrecondition("the settlement cannot be credited").WithReason("SETTLEMENT_REFUSED")
	}
	before, after := f.fault()
	if before {
		return apperr.Unavailable("finance is restarting")
	}
	key := partnerID.String() + "|" + c.LineID
	prev, ok := f.credits[key]
	if ok && prev != c {
		f.clashes++
		return apperr.AlreadyExists("another body under the same line")
	}
	if !ok {
		if f.held == nil {
			f.held = map[string]int64{}
		}
		f.held[partnerID.String()+"|"+currency] += c.GrossMinor - c.FeesMinor
	}
	f.credits[key] = c
	if f.lose > 0 {
		f.lose--
		after = true
	}
	if after {
		return apperr.Unavailable("the answer was lost")
	}
	return nil
}

func (f *propFinance) RecordPartnerWithdrawal(_ context.Context, partnerID uuid.UUID, payoutID string, amount money.Money, excessUnallocated bool) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	before, after := f.fault()
	if before || f.down {
		return 0, apperr.Unavailable("finance is restarting")
	}
	key := partnerID.String() + "|" + payoutID
	if f.asked == nil {
		f.asked = map[string]int{}
	}
	f.asked[key]++
	if payoutID == f.refusePayout {
		return 0, apperr.InvalidField("amount", "is more than finance takes")
	}
	if prev, ok := f.withdrawals[key]; ok {
		if prev != amount {
			f.clashes++
			return 0, apperr.AlreadyExists("another body under the same withdrawal")
		}
		return f.unallocated[key], nil
	}
	account := partnerID.String() + "|" + amount.Currency
	var unallocated int64
	if amount.Amount > f.held[account] {
		if !excessUnallocated {
			f.refused++
			return 0, apperr.FailedPrecondition("the withdrawal exceeds the partner virtual account").WithReason("CREDITS_EXCEED_DEBITS")
		}
		unallocated = amount.Amount - max(0, f.held[account])
	}
	if f.withdrawals == nil {
		f.withdrawals, f.unallocated = map[string]money.Money{}, map[string]int64{}
	}
	f.held[account] -= amount.Amount - unallocated
	f.withdrawals[key], f.unallocated[key] = amount, unallocated
	if after {
		return 0, apperr.Unavailable("the answer was lost")
	}
	return unallocated, nil
}

// recorded returns the withdrawals recorded for the partner, by payout id.
func (f *propFinance) recorded(partnerID uuid.UUID) map[string]money.Money {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]money.Money{}
	for key, m := range f.withdrawals {
		if id, ok := strings.CutPrefix(key, partnerID.String()+"|"); ok {
			out[id] = m
		}
	}
	return out
}

// balance is what the partner's virtual account holds in currency.
func (f *propFinance) balance(partnerID uuid.UUID, currency string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.held[partnerID.String()+"|"+currency]
}

// The docking property: a partner marketplace with every fault on (rate
// limits, 5xx, calls that time out after doing their work, extra
// visibility lag, pages shifting while paged, listings rejected, an
// undocumented status, settlements delayed and out of order), its buyers
// placing 2,000 orders over simulated time, and an orders service and a
// finance that fail and lose answers. Checked after every step: no local
// order placed twice, no settlement part credited twice or differently.
// Checked at the end: every paid order with our goods imported exactly
// once, every shipped sub-order's waybill confirmed exactly once, every
// settlement line matched, and what finance was credited equals what the
// partner settled, to the minor unit.
func TestDockingPropertyUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("the property run takes a while; run without -short")
	}
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "platform-docking", FS: migrations.FS})
	ring, err := kek.Parse(kek.Generate("test"))
	if err != nil {
		t.Fatal(err)
	}
	// One clock for the marketplace and docking, advanced a second per step,
	// so lags, reviews, settlement delays and Retry-After all pass in
	// simulated time.
	clk := testkit.NewClock(time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC))
	rnd := rand.New(rand.NewPCG(7, 2026))

	market := partnersim.NewMarket(partnersim.MarketConfig{Now: clk.Now, Seed: 7,
		VisibilityLag: 2 * time.Second, ReviewDelay: 3 * time.Second, SettlementDelay: 20 * time.Second, FeeBps: 1200, PayoutEvery: 30 * time.Second,
		Faults: partnersim.Faults{RateLimit: 0.03, RetryAfter: time.Second, ServerError: 0.15, Timeout: 0.01, TimeoutDelay: 600 * time.Millisecond,
			ExtraLag: 8 * time.Second, ExtraLagShare: 0.1, PageShift: 0.3, RejectListings: 0.15, SettlementDelayJitter: 30 * time.Second,
			UnknownStatus: 0.03}})
	crossdock, _ := auth.GenerateRequestKey()
	partnerKey, _ := auth.GenerateRequestKey()
	sim, err := partnersim.New(partnersim.Config{Code: "prop", Key: partnerKey, CrossdockClientID: "crossdock",
		CrossdockKey: crossdock.Public().(ed25519.PublicKey), Market: market})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = sim.Serve(l) }()
	t.Cleanup(sim.Stop)
	conn := marketplace.NewConnector(marketplace.Signer{ClientID: "crossdock", Key: crossdock}, 500*time.Millisecond,
		partnertls.Transport{Plaintext: true})
	t.Cleanup(func() { _ = conn.Close() })

	partners := postgres.New(pool, ring)
	p, err := domain.NewPartner(uuid.New(), domain.Partner{Name: "Property market", Code: "prop", Protocol: domain.ProtocolStandardGRPC,
		Endpoint: l.Addr().String(), APIClientID: "prop-client", Locales: []string{"en"}, CommissionBPS: 1200}, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := partners.CreatePartner(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := partners.UpdatePartner(ctx, p.ID, func(cur *domain.Partner) error { return cur.MarkVerified(clk.Now()) }); err != nil {
		t.Fatal(err)
	}

	var cat propCatalog
	suppliers := []string{uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()}
	for i := range 30 {
		cat.skus = append(cat.skus, propSKU{id: uuid.NewString(), product: uuid.NewString(), supplier: suppliers[i%len(suppliers)], price: int64(999 + 37*i)})
	}
	orders := &propOrders{cat: cat, rnd: rand.New(rand.NewPCG(1, 1)), placed: map[string]app.PlacedOrder{}}
	finance := &propFinance{rnd: rand.New(rand.NewPCG(2, 2)), credits: map[string]domain.SupplierCredit{}}
	store := postgres.NewTrade(pool)
	trade := app.NewTrade(partners, store, map[domain.Protocol]app.Connector{domain.ProtocolStandardGRPC: conn.App()}, cat, orders, finance,
		app.Timing{Round: time.Second, PullEvery: 3 * time.Second, SettleEvery: 5 * time.Second,
			Pull: domain.PullTiming{Lag: 4 * time.Second, Overlap: 2 * time.Minute}, Lookback: time.Minute, Retry: 2 * time.Second},
		slog.New(slog.DiscardHandler))
	trade.SetClock(clk.Now)
	trade.SetSleep(func(_ context.Context, d time.Duration) error { clk.Advance(d); return nil })
	if err := trade.QueueAllProducts(ctx); err != nil {
		t.Fatal(err)
	}

	const total = 2000
	var placed []string // partner order ids, in placement order
	unpaid := map[string]bool{}
	shipped := map[string]bool{} // local sub-orders whose shipment was announced
	address := partnersim.Address{Recipient: "Erika", Phone: "+4915112345678", CountryCode: "DE", RegionCode: "DE-BE", City: "Berlin", Postcode: "10115", Lines: []string{"1 Street"}}
	live := func() []string {
		var out []string
		for _, v := range market.Listings(nil) {
			if v.Status == partnersim.ListingLive {
				out = append(out, v.Marker)
			}
		}
		return out
	}
	step := func() {
		clk.Advance(time.Second)
		// Buyers: up to 25 orders a step, 1–3 lines, some with another
		// seller's goods, some placed unpaid and paid later or cancelled.
		if markers := live(); len(markers) > 0 {
			for range min(25, total-len(placed)) {
				var items []partnersim.ItemInput
				for range 1 + rnd.IntN(3) {
					items = append(items, partnersim.ItemInput{Marker: markers[rnd.IntN(len(markers))], Quantity: int32(1 + rnd.IntN(2))})
				}
				if rnd.IntN(10) == 0 {
					items = append(items, partnersim.ItemInput{Quantity: 1})
				}
				paid := rnd.IntN(10) != 0
				o, err := market.PlaceOrder(fmt.Sprintf("buyer-%d", rnd.IntN(300)), address, items, paid)
				if err != nil {
					t.Fatalf("placing a buyer's order: %v", err)
				}
				placed = append(placed, o.OrderID)
				if !paid {
					unpaid[o.OrderID] = true
				}
			}
		}
		for id := range unpaid {
			switch rnd.IntN(8) {
			case 0:
				if _, err := market.Pay(id); err != nil {
					t.Fatal(err)
				}
				delete(unpaid, id)
			case 1:
				if _, err := market.Cancel(id); err != nil {
					t.Fatal(err)
				}
				delete(unpaid, id)
			}
		}
		if err := trade.Round(ctx); err != nil {
			t.Logf("round: %v", err) // faults: the next round goes on
		}
		// The supplier ships what was imported (the shipped event queues
		// the waybill; a redelivered event queues nothing twice).
		orders.mu.Lock()
		for key, o := range orders.placed {
			for _, sub := range o.SubOrders {
				if shipped[sub.SubOrderID] || rnd.IntN(3) == 0 {
					continue
				}
				shipped[sub.SubOrderID] = true
				w := app.Waybill{SubOrderID: uuid.MustParse(sub.SubOrderID), PartnerCode: "prop", PartnerOrderID: key[len("partner:prop|"):],
					CarrierCode: "sim", Waybill: "WB-" + sub.SubOrderID[:13], QueuedAt: clk.Now()}
				for range 1 + rnd.IntN(2) {
					if err := postgres.QueueWaybill(ctx, pool, w); err != nil {
						orders.mu.Unlock()
						t.Fatal(err)
					}
				}
			}
		}
		orders.mu.Unlock()
		// After every step: nothing credited twice or differently.
		if finance.clashes > 0 {
			t.Fatalf("finance was asked to credit %d parts twice with different amounts", finance.clashes)
		}
	}

	done := func() (bool, string) {
		if len(placed) < total || len(unpaid) > 0 {
			return false, fmt.Sprintf("%d of %d placed, %d unpaid", len(placed), total, len(unpaid))
		}
		want := expectedImports(market)
		orders.mu.Lock()
		defer orders.mu.Unlock()
		for _, id := range want {
			if _, ok := orders.placed["partner:prop|"+id]; !ok {
				return false, "partner order " + id + " not imported yet"
			}
		}
		confirmations := market.Confirmations()
		for key, o := range orders.placed {
			id := key[len("partner:prop|"):]
			if confirmations[id] != len(o.SubOrders) {
				return false, fmt.Sprintf("order %s: %d of %d waybills confirmed", id, confirmations[id], len(o.SubOrders))
			}
		}
		lines := market.AllSettlements()
		if len(lines) < len(orders.placed) {
			return false, fmt.Sprintf("%d of %d orders settled by the partner", len(lines), len(orders.placed))
		}
		stored, _, err := store.ListLines(ctx, app.LineFilter{PartnerID: p.ID, Limit: 10 * total})
		if err != nil {
			t.Fatal(err)
		}
		matched := 0
		for _, l := range stored {
			if l.State == domain.SettlementMatched && l.CreditedAt != nil {
				matched++
			}
		}
		if matched < len(lines) {
			return false, fmt.Sprintf("%d of %d settlement lines matched and credited", matched, len(lines))
		}
		recorded := finance.recorded(p.ID)
		for _, po := range market.AllPayouts() {
			if _, ok := recorded[po.PayoutID]; !ok {
				return false, "payout " + po.PayoutID + " not recorded yet"
			}
		}
		// Finance may hold a withdrawal whose answer was lost: docking
		// records it on a later round.
		a, err := store.Activity(ctx, p.ID, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		if a.PayoutsUnrecorded > 0 {
			return false, fmt.Sprintf("%d payouts recorded by finance, not yet by docking", a.PayoutsUnrecorded)
		}
		// A confirmation whose answer was lost is the partner's already and
		// not yet docking's: a later round records it.
		if a.WaybillsPending > 0 {
			return false, fmt.Sprintf("%d waybills confirmed on the partner, not yet recorded by docking", a.WaybillsPending)
		}
		return true, ""
	}
	var state string
	for steps := 0; ; steps++ {
		step()
		ok, why := done()
		if ok {
			t.Logf("converged after %d simulated seconds; %d orders placed on the partner, %d imported, %d placement replays", steps, len(placed),
				len(orders.placed), orders.replays)
			break
		}
		state = why
		if steps > 3000 {
			t.Fatalf("not converged after %d simulated seconds: %s\n%s", steps, state, stuckOrders(ctx, t, market, store, p.ID, orders))
		}
	}

	// Exactly once: the paid orders with our goods and nothing else, each
	// one local order, the one docking recorded.
	want := expectedImports(market)
	if len(orders.placed) != len(want) {
		t.Fatalf("%d local orders for %d paid partner orders with our goods", len(orders.placed), len(want))
	}
	pulled, _, err := store.ListPulledOrders(ctx, app.PulledOrderFilter{PartnerID: p.ID, State: app.PulledImported, Limit: 10 * total})
	if err != nil {
		t.Fatal(err)
	}
	if len(pulled) != len(want) {
		t.Fatalf("docking recorded %d imports for %d orders", len(pulled), len(want))
	}
	for _, r := range pulled {
		if o := orders.placed["partner:prop|"+r.PartnerOrderID]; r.OrderID == nil || *r.OrderID != o.OrderID || len(r.Raw) == 0 {
			t.Fatalf("partner order %s recorded as %v, placed as %s (raw %d bytes)", r.PartnerOrderID, r.OrderID, o.OrderID, len(r.Raw))
		}
	}
	// Settlements: every line matched, and finance credited exactly what
	// the partner settled, gross and fees, to the minor unit.
	var settledGross, settledFees, creditedGross, creditedFees int64
	for _, l := range market.AllSettlements() {
		settledGross += l.GrossMinor
		settledFees += l.FeesMinor
	}
	for _, c := range finance.credits {
		creditedGross += c.GrossMinor
		creditedFees += c.FeesMinor
	}
	if settledGross != creditedGross || settledFees != creditedFees {
		t.Fatalf("the partner settled %d (fees %d), finance was credited %d (fees %d)", settledGross, settledFees, creditedGross, creditedFees)
	}
	stored, _, err := store.ListLines(ctx, app.LineFilter{PartnerID: p.ID, Limit: 10 * total})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range stored {
		if l.State != domain.SettlementMatched || l.CreditedAt == nil {
			t.Fatalf("line %s is %s, credited at %v", l.LineID, l.State, l.CreditedAt)
		}
	}
	// Payouts: every payout recorded once with its amount, and the virtual
	// account in finance holds what the partner has not paid out yet.
	payouts := market.AllPayouts()
	recorded := finance.recorded(p.ID)
	if len(payouts) == 0 || len(recorded) != len(payouts) {
		t.Fatalf("%d payouts recorded for %d made", len(recorded), len(payouts))
	}
	for _, po := range payouts {
		if r := recorded[po.PayoutID]; r.Amount != po.AmountMinor || r.Currency != po.Currency {
			t.Fatalf("payout %+v recorded as %v", po, r)
		}
	}
	owed := market.Unpaid()
	for _, l := range market.AllSettlements() {
		if got, cur := finance.balance(p.ID, l.Currency), l.Currency; got != owed[cur] {
			t.Fatalf("the virtual account holds %d %s, the partner owes %d", got, cur, owed[cur])
		}
	}
	a, err := store.Activity(ctx, p.ID, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if a.OrdersImported != int64(len(want)) || a.WaybillsPending != 0 || a.LinesUnreconciled != 0 || a.LinesUncredited != 0 || a.PayoutsUnrecorded != 0 {
		t.Fatalf("activity: %+v", a)
	}
	t.Logf("%d payouts recorded, %d withdrawals refused until their lines were matched", len(payouts), finance.refused)
}

// expectedImports are the partner orders that must become local orders:
// paid (then or later) with at least one item of ours.
func expectedImports(m *partnersim.Market) []string {
	var out []string
	for _, o := range m.Orders() {
		if o.PaidAt == nil || !slices.ContainsFunc(o.Items, func(it partnersim.Item) bool { return it.Marker != "" }) {
			continue
		}
		out = append(out, o.OrderID)
	}
	return out
}

// stuckOrders describes the paid partner orders with our goods not
// imported yet, as the partner and docking see each, so a run that does
// not converge says why.
func stuckOrders(ctx context.Context, t *testing.T, m *partnersim.Market, store postgres.Trade, partnerID uuid.UUID, orders *propOrders) string {
	orders.mu.Lock()
	var missing []string
	for _, id := range expectedImports(m) {
		if _, ok := orders.placed["partner:prop|"+id]; !ok {
			missing = append(missing, id)
		}
	}
	orders.mu.Unlock()
	recs, err := store.GetPulledOrders(ctx, partnerID, missing)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]partnersim.Order{}
	for _, o := range m.Orders() {
		byID[o.OrderID] = o
	}
	var b strings.Builder
	for _, id := range missing {
		o, r := byID[id], recs[id]
		fmt.Fprintf(&b, "%s: partner %v paid %v updated %s; docking %q status %q problem %q partner-updated %s\n", id, o.Status, o.PaidAt,
			o.UpdatedAt.Format(time.RFC3339Nano), r.State, r.PartnerStatus, r.Problem, r.PartnerUpdatedAt.Format(time.RFC3339Nano))
	}
	st, err := store.PullState(ctx, partnerID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "pull state: %+v", st)
	return b.String()
}
