package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// pullOrders reads one window of a partner's orders, page by page, and
// takes each order once: a paid one is placed as a local order (placing is
// idempotent on the partner order, and the pulled order is recorded after
// it, so a crash in between places nothing twice, and one no longer paid
// by the next read is looked up), an unknown status is held for an
// operator. The watermark moves to the window's end only after every order
// of the window is stored; a failure leaves it, and the next round reads
// the window on from where this one stopped (windowRead).
func (t *Trade) pullOrders(ctx context.Context, p domain.Partner, conn OrderConnector) error {
	st, err := t.store.PullState(ctx, p.ID, t.start(p))
	if err != nil {
		return err
	}
	w, ok := t.windowToRead(st.Watermark, st.Reading(ReadingOrders))
	if !ok {
		return nil
	}
	patience := pagePatience
	err = windowRead[domain.PartnerOrder]{
		list: func(ctx context.Context, w domain.Window, page string) ([]domain.PartnerOrder, string, error) {
			res, err := t.listOrders(ctx, p, conn, w, page, &patience)
			return res.Orders, res.Next, err
		},
		at:   func(o domain.PartnerOrder) time.Time { return o.UpdatedAt },
		take: func(ctx context.Context, orders []domain.PartnerOrder) error { return t.takeAll(ctx, p, orders) },
		reading: func(ctx context.Context, rest domain.Window) error {
			return t.store.SaveReading(ctx, p.ID, ReadingOrders, rest)
		},
	}.read(ctx, w)
	if err != nil {
		return err
	}
	return t.store.SaveOrderWatermark(ctx, p.ID, w.To, t.clock())
}

// pagePatience is how long one window's pull waits, in all, for a partner
// rate limiting its pages before it gives up until the next round.
const pagePatience = 10 * time.Second

// listOrders reads one page of the window. A partner asking us to wait is
// waited for and asked again while the wait fits in patience (what is left
// of it is updated): giving up would read the window's pages again from the
// first next round, and a partner refusing 2 % of the calls rarely lets a
// window of a few hundred pages through whole. A longer wait fails the
// pull, and the jobs leave the partner alone for that long.
func (t *Trade) listOrders(ctx context.Context, p domain.Partner, conn OrderConnector, w domain.Window, page string, patience *time.Duration) (domain.OrderPage, error) {
	for {
		res, err := conn.ListOrders(ctx, p, w, page)
		after, limited := RetryAfter(err)
		after = max(after, time.Second) // unspecified: a second, as the jobs wait
		if !limited || after > *patience {
			return res, err
		}
		*patience -= after
		if err := t.sleep(ctx, after); err != nil {
			return domain.OrderPage{}, err
		}
	}
}

// sleepFor waits d or until ctx ends.
func sleepFor(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// start is where a partner's first pull begins.
func (t *Trade) start(p domain.Partner) time.Time {
	from := p.CreatedAt
	if p.VerifiedAt != nil && p.VerifiedAt.Before(from) {
		from = *p.VerifiedAt
	}
	return from.Add(-t.timing.Lookback)
}

// pullOne reads one partner order with GetOrder and takes it (a partner's
// webhook, an operator).
func (t *Trade) pullOne(ctx context.Context, p domain.Partner, conn OrderConnector, orderID string) error {
	o, err := conn.GetOrder(ctx, p, orderID)
	if err != nil {
		return err
	}
	return t.takeAll(ctx, p, []domain.PartnerOrder{o})
}

// taking is a pulled order on its way to its record.
type taking struct {
	order    domain.PartnerOrder
	decision domain.ImportDecision
	lines    []domain.OrderLine
	problem  string
	rec      PulledRecord
	// place is set for a paid order not imported yet, lookup for one
	// docking may have placed without recording it (mayHaveBeenPlaced);
	// err is the call's failure worth retrying, which leaves the order
	// unrecorded. cancel is set for an imported order the partner reports
	// cancelled, which cancelAll cancels here.
	place, lookup, cancel bool
	err                   error
	// gaps are the lines sold below our listed prices (compareWithListings).
	gaps []domain.PriceGap
}

// takeAll records a page of pulled orders and places those paid and new,
// with one read of what docking knows of them, the new ones placed with as
// few orders calls as the page needs and one transaction recording them all. Each
// order is recorded only after its placing answered. An order whose placing
// failed for now is not recorded, the others are, and the first failure is
// returned: the window is read again next round.
func (t *Trade) takeAll(ctx context.Context, p domain.Partner, orders []domain.PartnerOrder) error {
	takes := decidePage(orders)
	if len(takes) == 0 {
		return nil
	}
	ids := make([]string, len(takes))
	for i, tk := range takes {
		ids[i] = tk.order.ID
	}
	prev, err := t.store.GetPulledOrders(ctx, p.ID, ids)
	if err != nil {
		return err
	}
	now := t.clock()
	for i := range takes {
		t.plan(p, &takes[i], prev, now)
	}
	failed := t.placeAll(ctx, p, takes)
	if err := t.cancelAll(ctx, p, takes); failed == nil {
		failed = err
	}
	recs := make([]PulledRecord, 0, len(takes))
	for _, tk := range takes {
		if tk.err == nil {
			recs = append(recs, tk.rec)
		}
	}
	if err := t.store.SavePulledOrders(ctx, recs); err != nil {
		return errors.Join(err, failed)
	}
	return failed
}

// decidePage reads a page's orders, leaving out those with nothing of ours; an
// order listed twice is taken once, in its latest version (the last listed
// of equal ones).
func decidePage(orders []domain.PartnerOrder) []taking {
	takes := make([]taking, 0, len(orders))
	at := map[string]int{}
	for _, o := range orders {
		decision, lines, problem := domain.Decide(o)
		if decision == domain.Ignore {
			continue
		}
		tk := taking{order: o, decision: decision, lines: lines, problem: problem}
		if i, ok := at[o.ID]; ok {
			if !o.UpdatedAt.Before(takes[i].order.UpdatedAt) {
				takes[i] = tk
			}
			continue
		}
		at[o.ID] = len(takes)
		takes = append(takes, tk)
	}
	return takes
}

// plan makes an order's record from what it is and what docking did with
// it before: imported once is imported for good; otherwise waiting, held,
// or to be placed.
func (t *Trade) plan(p domain.Partner, tk *taking, prev map[string]PulledOrder, now time.Time) {
	o := tk.order
	rec := PulledOrder{PartnerID: p.ID, PartnerOrderID: o.ID, PartnerStatus: o.RawStatus, Raw: o.Raw,
		PartnerUpdatedAt: o.UpdatedAt, FirstSeenAt: now, UpdatedAt: now}
	before, seen := prev[o.ID]
	if seen && o.UpdatedAt.IsZero() {
		// Read without a time (unreadable: MarkUnreadable), it cannot be
		// ordered against the version recorded: it is taken as of that
		// version's time, held, not passed over as an older one.
		rec.PartnerUpdatedAt = before.PartnerUpdatedAt
	}
	if seen && rec.PartnerUpdatedAt.Before(before.PartnerUpdatedAt) {
		// An older version than the one recorded (the partner's order
		// search lags the reads of one order): read again, not acted on; a
		// paid version older than its cancellation is not placed.
		tk.rec.Order = before
		return
	}
	if seen {
		rec.FirstSeenAt = before.FirstSeenAt
		if before.State == PulledImported {
			// Later versions of the order are kept, and a status we do not
			// know still alerts.
			rec.State, rec.OrderID = PulledImported, before.OrderID
			tk.rec.Order = rec
			t.changedAfterImport(p, tk, before)
			return
		}
	}
	switch tk.decision {
	case domain.Wait:
		rec.State = PulledWaiting
	case domain.Hold:
		rec.State, rec.Problem = PulledHeld, tk.problem
		t.log.Error("a partner order is held for an operator", "partner", p.Code, "partner_order_id", o.ID, "status", o.RawStatus, "problem", tk.problem)
	default:
		tk.place = true
	}
	// Asked once per status: the record written after the lookup answers
	// it for the later reads of the same version.
	tk.lookup = !tk.place && mayHaveBeenPlaced(tk) && (!seen || before.PartnerStatus != o.RawStatus)
	tk.rec.Order = rec
}

// mayHaveBeenPlaced tells a pulled order docking cannot place now but may
// have placed on an earlier read without recording it (the placing's
// answer lost, or docking stopped before its record): it left the paid
// statuses for one that is not awaiting payment (cancelled on the partner,
// a status we do not know) and its lines could have been placed. Its
// local order, if any, must be found and recorded imported, or it would
// be fulfilled with nobody told the partner order is gone.
func mayHaveBeenPlaced(tk *taking) bool {
	if tk.order.Status == domain.OrderAwaitingPayment {
		return false
	}
	for _, l := range tk.lines {
		if l.Quantity <= 0 {
			return false
		}
	}
	return true
}

// changedAfterImport follows an imported order's later version: one
// cancelled on the partner is to be cancelled here (cancelAll), once per
// status read, its outcome kept on the record after; one moved to a status
// docking cannot follow alerts an operator. before is the record as it
// stood, zero when the order was found placed by a lookup.
func (t *Trade) changedAfterImport(p domain.Partner, tk *taking, before PulledOrder) {
	o := tk.order
	switch {
	case o.Status == domain.OrderCancelled && before.PartnerStatus == o.RawStatus && before.State == PulledImported &&
		before.Problem != flaggedCancelled:
		tk.rec.Order.Problem = before.Problem
	case o.Status == domain.OrderCancelled:
		tk.cancel = true
	case tk.decision == domain.Hold:
		tk.rec.Order.Problem = "after import: " + tk.problem
		t.log.Error("a partner order changed after its import in a way docking cannot follow", "partner", p.Code, "partner_order_id", o.ID, "status", o.RawStatus)
	}
}

// flaggedCancelled is the problem an order cancelled on the partner after
// its import was left with before such orders were cancelled here: one read
// again with it is cancelled now (migration 00021 reads each again).
const flaggedCancelled = "after import: cancelled on the partner"

// cancelAll cancels here the imported orders their partner reports
// cancelled, and returns the first failure worth retrying, whose order is
// left unrecorded (read again, and cancelled, next round). One orders
// refuses (its goods shipped) is flagged for an operator: the partner will
// not settle it, and the goods are on their way.
func (t *Trade) cancelAll(ctx context.Context, p domain.Partner, takes []taking) error {
	var failed error
	for i := range takes {
		tk := &takes[i]
		if !tk.cancel || tk.err != nil {
			continue
		}
		err := t.orders.CancelExternal(ctx, *tk.rec.Order.OrderID, "cancelled on the partner")
		switch {
		case err == nil:
			tk.rec.Order.Problem = ""
			t.log.Info("a partner order cancelled on the partner is cancelled here", "partner", p.Code, "partner_order_id", tk.order.ID,
				"order_id", tk.rec.Order.OrderID.String())
		case refusedForGood(err):
			tk.rec.Order.Problem = "after import: cancelled on the partner, not here: " + err.Error()
			t.log.Error("a partner order cancelled on the partner cannot be cancelled here; for an operator", "partner", p.Code,
				"partner_order_id", tk.order.ID, "order_id", tk.rec.Order.OrderID.String(), "error", err)
		default:
			tk.err = err
			if failed == nil {
				failed = fmt.Errorf("cancelling partner order %s: %w", tk.order.ID, err)
			}
		}
	}
	return failed
}

// placeAll places the orders to place, MaxPlacePerCall per orders call,
// and returns the first failure worth retrying; the orders it concerns are
// left unrecorded (their err set).
func (t *Trade) placeAll(ctx context.Context, p domain.Partner, takes []taking) error {
	var todo []*taking
	for i := range takes {
		if takes[i].place || takes[i].lookup {
			todo = append(todo, &takes[i])
		}
	}
	if err := t.compareWithListings(ctx, p, todo); err != nil {
		return err
	}
	var failed error
	for start := 0; start < len(todo); start += MaxPlacePerCall {
		chunk := todo[start:min(start+MaxPlacePerCall, len(todo))]
		in := make([]ExternalOrder, len(chunk))
		for k, tk := range chunk {
			o := tk.order
			in[k] = ExternalOrder{Channel: domain.Channel(p.Code), ExternalOrderID: o.ID, BuyerRef: orEmpty(o.BuyerRef, "unknown"), Lines: tk.lines, Address: o.Address,
				ExistingOnly: tk.lookup}
		}
		answers, err := t.orders.PlaceExternal(ctx, in)
		if err == nil && len(answers) != len(chunk) {
			err = fmt.Errorf("orders answered %d of %d partner orders", len(answers), len(chunk))
		}
		for k, tk := range chunk {
			a := Placing{Err: err}
			if err == nil {
				a = answers[k]
			}
			if t.took(p, tk, a); tk.err != nil && failed == nil {
				failed = fmt.Errorf("partner order %s: %w", tk.order.ID, tk.err)
			}
		}
	}
	return failed
}

// compareWithListings finds, with one read of the listings, the lines of
// the orders to place that the partner sold below our listed prices. Should
// the read fail, none is placed (each left unrecorded, to be read again).
func (t *Trade) compareWithListings(ctx context.Context, p domain.Partner, todo []*taking) error {
	if len(todo) == 0 {
		return nil
	}
	var skus []string
	for _, tk := range todo {
		for _, l := range tk.lines {
			if !slices.Contains(skus, l.SKUID) {
				skus = append(skus, l.SKUID)
			}
		}
	}
	listed, err := t.store.ListedPrices(ctx, p.ID, skus)
	if err != nil {
		err = fmt.Errorf("reading the listed prices: %w", err)
		for _, tk := range todo {
			tk.err = err
		}
		return err
	}
	for _, tk := range todo {
		tk.gaps = domain.BelowListing(tk.lines, listed)
	}
	return nil
}

// imported records an order's local order, the partner's terms it is
// reconciled against and the lines sold below our listed prices, which
// are logged for operators.
func (t *Trade) imported(p domain.Partner, tk *taking, placed PlacedOrder) {
	tk.rec.Order.State, tk.rec.Order.OrderID = PulledImported, &placed.OrderID
	tk.rec.Order.Terms = new(p.Terms())
	tk.rec.Order.BelowListing = tk.gaps
	tk.rec.SubOrders = importedSubOrders(tk.order, placed)
	for _, g := range tk.gaps {
		t.log.Warn("a partner sold a SKU of ours below its listed price", "partner", p.Code, "partner_order_id", tk.order.ID,
			"sku_id", g.SKUID, "sold_at", g.SoldAt.String(), "listed_at", g.ListedAt.String())
	}
}

// took applies one order's placing: imported, held when the mesh refuses
// it for good, or tk.err when it may take it later.
func (t *Trade) took(p domain.Partner, tk *taking, a Placing) {
	if tk.lookup {
		t.lookedUp(p, tk, a)
		return
	}
	o := tk.order
	switch err := a.Err; {
	case err == nil:
		t.imported(p, tk, a.Order)
	case refusedForGood(err):
		tk.rec.Order.State, tk.rec.Order.Problem = PulledHeld, "the order cannot be placed: "+err.Error()
		t.log.Error("a paid partner order cannot be placed; held for an operator", "partner", p.Code, "partner_order_id", o.ID, "error", err)
	default:
		tk.err = err
	}
}

// lookedUp applies a lookup's answer: the local order placed before is
// recorded imported and the change alerts, as for any imported order; one
// never placed, or that orders would refuse for good (so could not have
// placed), keeps the record plan made; any other answer leaves the order
// unrecorded, to be looked up on the next read.
func (t *Trade) lookedUp(p domain.Partner, tk *taking, a Placing) {
	switch {
	case a.Err == nil:
		tk.rec.Order.Problem = ""
		t.imported(p, tk, a.Order)
		t.changedAfterImport(p, tk, PulledOrder{})
	case refusedForGood(a.Err):
	default:
		tk.err = a.Err
	}
}

// refusedForGood tells an order the mesh will never take (bad input, goods
// not on sale, its key taken by other content: the partner changed a paid
// order's lines after a placing whose stock holds stayed) from a failure
// worth retrying. Retried, such an order failed its page every round, and
// the orders after it in the pull were never read.
func refusedForGood(err error) bool {
	switch apperr.KindOf(err) {
	case apperr.KindInvalid, apperr.KindFailedPrecondition, apperr.KindNotFound, apperr.KindAlreadyExists:
		return true
	}
	return false
}

// importedSubOrders pairs the local sub-orders with the partner's items
// that travel in each.
func importedSubOrders(o domain.PartnerOrder, placed PlacedOrder) []ImportedSubOrder {
	out := make([]ImportedSubOrder, len(placed.SubOrders))
	for i, sub := range placed.SubOrders {
		out[i] = ImportedSubOrder{SettledSubOrder: sub.SettledSubOrder, ItemIDs: []string{}}
		for _, it := range o.Items {
			// Compared as the ids they are: a partner may send our
			// marker back in upper case, which orders reads all the same.
			if sku, ok := domain.SKUOfMarker(it.Marker); ok && slices.ContainsFunc(sub.SKUIDs, func(id string) bool { return strings.EqualFold(id, sku) }) {
				out[i].ItemIDs = append(out[i].ItemIDs, it.ItemID)
			}
		}
	}
	return out
}

func orEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
