package app

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// pushBatch bounds the products one round pushes.
const pushBatch = 50

// pushLease is how long a round holds the products it pushes, so no other
// replica pushes them at the same time (the later of two reads of a stock
// level arriving first). A round's calls end before it does (the round's
// push budget, nine tenths of it, partners slow to answer): a product cut
// short keeps its lease and is pushed again when it runs out, rather than
// at once while its last calls may still be landing; the products the
// round did not start are released for the next round.
const pushLease = 5 * time.Minute

// pushRound pushes the queued products to every verified partner that
// takes listings: each SKU's listing is upserted when its content, price or
// stock changed since the last push, and withdrawn when the product is no
// longer to be pushed there. A partner failing defers the product (the
// others keep theirs: pushing again is idempotent). So does a partner left
// alone after a rate limit (quietUntil, the first such partner's end, zero
// when none; or one that rate limits a push of this round, asked nothing
// more in it): its turn comes when the partner is asked again, not never.
func (t *Trade) pushRound(ctx context.Context, partners []domain.Partner, quietUntil time.Time) error {
	due, err := t.store.DueProducts(ctx, t.clock(), pushLease, pushBatch)
	if err != nil || len(due) == 0 {
		return err
	}
	limited := map[uuid.UUID]time.Time{} // partners that rate limited a push of this round, until when
	pushing, stop := context.WithTimeout(ctx, t.pushBudget)
	defer stop()
	for i, q := range due {
		if pushing.Err() != nil {
			return t.release(ctx, due[i:])
		}
		if err := t.pushProduct(pushing, partners, limited, q.ProductID); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if pushing.Err() != nil {
				// Cut short: pushed again, whole (pushing is idempotent),
				// once its lease has run out.
				return t.release(ctx, due[i+1:])
			}
			t.log.Warn("pushing a product to partners failed; it is retried", "product_id", q.ProductID, "error", err)
			if err := t.store.DeferProduct(ctx, q.ProductID, t.clock().Add(t.retryAfter(err))); err != nil {
				return err
			}
			continue
		}
		if until := earliest(quietUntil, limited); !until.IsZero() {
			if err := t.store.DeferProduct(ctx, q.ProductID, until); err != nil {
				return err
			}
			continue
		}
		if err := t.store.DoneProduct(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// release gives up the leases on the products a round ran out of time
// for; should that fail, they come back when the leases run out.
func (t *Trade) release(ctx context.Context, left []QueuedProduct) error {
	if len(left) == 0 {
		return nil
	}
	t.log.Info("a push round ran out of time; the products it did not start are left to the next", "left", len(left))
	return t.store.ReleaseProducts(ctx, left)
}

// earliest is the first of until and the times in limited; zero when all
// are.
func earliest(until time.Time, limited map[uuid.UUID]time.Time) time.Time {
	for _, u := range limited {
		if until.IsZero() || u.Before(until) {
			until = u
		}
	}
	return until
}

// retryAfter is how long to wait after err: what a rate limit asks, else
// the configured retry delay.
func (t *Trade) retryAfter(err error) time.Duration {
	if d, ok := RetryAfter(err); ok && d > 0 {
		return d
	}
	return t.timing.Retry
}

// pushProduct brings one product's listings on every partner up to date,
// but for the partners in limited, which rate limited a push before in
// the round; one that does now joins them.
func (t *Trade) pushProduct(ctx context.Context, partners []domain.Partner, limited map[uuid.UUID]time.Time, id uuid.UUID) error {
	product, err := t.catalog.Product(ctx, id)
	gone := apperr.IsKind(err, apperr.KindNotFound)
	if err != nil && !gone {
		return err
	}
	var failed error
	for _, p := range partners {
		conn := t.connectors[p.Protocol].Listings
		if _, skip := limited[p.ID]; conn == nil || skip {
			continue
		}
		if err := t.pushTo(ctx, p, conn, id, product, gone); err != nil {
			failed = errors.Join(failed, err)
			quiet := t.quiet(err)
			_ = t.store.RecordFailure(ctx, p.ID, "push "+id.String()+": "+err.Error(), t.clock(), quiet)
			if quiet.IsZero() && retryable(err) {
				// Down or hanging: asked nothing more this round, so one
				// partner's timeouts do not hold every other's pushes.
				quiet = t.clock().Add(t.timing.Retry)
			}
			if !quiet.IsZero() {
				limited[p.ID] = quiet
			}
		}
	}
	return failed
}

// quiet is until when a rate-limited partner is left alone; zero for other
// errors.
func (t *Trade) quiet(err error) time.Time {
	if d, ok := RetryAfter(err); ok {
		return t.clock().Add(max(d, time.Second))
	}
	return time.Time{}
}

func (t *Trade) pushTo(ctx context.Context, p domain.Partner, conn ListingConnector, id uuid.UUID, product CatalogProduct, gone bool) error {
	stored, err := t.store.ListingsOfProduct(ctx, p.ID, id)
	if err != nil {
		return err
	}
	locale, ok, why := "", false, "the product no longer exists"
	if !gone {
		locale, ok, why = domain.PushLocale(p, product.Facts)
	}
	if !ok {
		return t.withdraw(ctx, p, conn, stored, why)
	}
	content, err := t.catalog.Content(ctx, id, locale)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return t.withdraw(ctx, p, conn, stored, "not on sale")
	}
	if err != nil {
		return err
	}
	// One SKU the partner refuses does not hold the others back (a sold-out
	// SKU's stock of 0 among them): each is pushed, and the refusals come
	// back together. A partner busy or unreachable is asked nothing more.
	listings := buildListings(product, content)
	var refused error
	first := false
	for _, l := range listings {
		first = first || !slices.ContainsFunc(stored, func(s StoredListing) bool { return s.SKUID == l.SKUID })
		if err := t.upsert(ctx, p, conn, l, stored); err != nil {
			if retryable(err) {
				return errors.Join(refused, err)
			}
			refused = errors.Join(refused, err)
		}
	}
	if first {
		// A stock change landing while a SKU's first listing was pushed
		// found no listing to queue the product by (the row is written
		// after the partner's answer): the product is pushed once more,
		// from stock read after the row exists.
		if err := t.store.QueueProducts(ctx, []uuid.UUID{id}, t.clock()); err != nil {
			return errors.Join(refused, err)
		}
	}
	// SKUs the product no longer has are withdrawn.
	var dropped []StoredListing
	for _, s := range stored {
		if !slices.ContainsFunc(listings, func(l domain.Listing) bool { return l.SKUID == s.SKUID }) {
			dropped = append(dropped, s)
		}
	}
	return errors.Join(refused, t.withdraw(ctx, p, conn, dropped, "the SKU is gone"))
}

// buildListings is a product's listings: one per SKU, in the content's
// locale, spec values added to the attributes, our marker and the
// supplier's code on each.
func buildListings(product CatalogProduct, c CatalogContent) []domain.Listing {
	out := make([]domain.Listing, 0, len(c.SKUs))
	for _, sku := range c.SKUs {
		attrs := make(map[string]string, len(c.Attributes)+len(sku.Specs))
		for k, v := range c.Attributes {
			attrs[k] = v
		}
		for k, v := range sku.Specs {
			attrs[k] = v
		}
		out = append(out, domain.Listing{
			Marker: domain.Marker(sku.ID), ProductID: product.ID.String(), SKUID: sku.ID, SKUCode: product.SKUCodes[sku.ID],
			SupplierID: product.SupplierID.String(), Locale: c.Locale, Title: c.Title, Description: c.Description,
			Images: c.Images, Attributes: attrs, Price: sku.Price, Stock: max(sku.Available, 0), WeightG: sku.WeightG,
		})
	}
	return out
}

// upsert pushes one listing unless the partner already has exactly it.
func (t *Trade) upsert(ctx context.Context, p domain.Partner, conn ListingConnector, l domain.Listing, stored []StoredListing) error {
	fp := l.Fingerprint()
	i := slices.IndexFunc(stored, func(s StoredListing) bool { return s.SKUID == l.SKUID })
	if i >= 0 && slices.Equal(stored[i].Fingerprint, fp) && stored[i].Status != domain.ListingWithdrawn {
		return nil
	}
	state, err := conn.UpsertListing(ctx, p, l)
	now := t.clock()
	row := StoredListing{PartnerID: p.ID, Listing: l, Status: domain.ListingQueued, UpdatedAt: now}
	if i >= 0 {
		row.PartnerListingID, row.Status, row.Reasons, row.PushedAt = stored[i].PartnerListingID, stored[i].Status, stored[i].Reasons, stored[i].PushedAt
	}
	if err != nil {
		// The partner still shows what was last pushed: the row keeps it
		// (its price is what a sale there is compared with), without the
		// fingerprint, so the next round pushes again. A withdrawn listing
		// pushed again may be live now (the push applied, its answer
		// lost): it is not kept withdrawn, or withdrawing it once more
		// would be skipped.
		row.LastError = err.Error()
		if row.Status == domain.ListingWithdrawn {
			row.Status = domain.ListingQueued
		}
		if i >= 0 && stored[i].PushedAt != nil {
			row.Listing = stored[i].Listing
		}
		return errors.Join(err, t.store.SaveListing(ctx, row))
	}
	row.PartnerListingID, row.Status, row.Reasons, row.Fingerprint, row.PushedAt = state.PartnerListingID, state.Status, state.Reasons, fp, &now
	return t.store.SaveListing(ctx, row)
}

// withdraw takes listings off the partner; those already withdrawn are
// left alone.
func (t *Trade) withdraw(ctx context.Context, p domain.Partner, conn ListingConnector, listings []StoredListing, why string) error {
	var refused error
	for _, s := range listings {
		if s.Status == domain.ListingWithdrawn {
			continue
		}
		if _, err := conn.WithdrawListing(ctx, p, s.Marker); err != nil {
			if retryable(err) {
				return errors.Join(refused, err)
			}
			refused = errors.Join(refused, err) // the others are still withdrawn
			continue
		}
		s.Status, s.Reasons, s.UpdatedAt, s.LastError, s.Fingerprint = domain.ListingWithdrawn, []string{why}, t.clock(), "", nil
		if err := t.store.SaveListing(ctx, s); err != nil {
			return err
		}
	}
	return refused
}

// listingStatusBatch is how many pending listings one status read asks
// about.
const listingStatusBatch = 100

// pollListings reads the partner's verdict on its pending listings, a
// batch at a time, each listing in its turn.
func (t *Trade) pollListings(ctx context.Context, p domain.Partner) error {
	conn := t.connectors[p.Protocol].Listings
	if conn == nil {
		return nil
	}
	pending, err := t.store.PendingListings(ctx, p.ID, listingStatusBatch)
	if err != nil || len(pending) == 0 {
		return err
	}
	markers := make([]string, len(pending))
	asked := make([]string, len(pending))
	for i, l := range pending {
		markers[i], asked[i] = l.Marker, l.SKUID
	}
	// A partial answer (some states unreadable) comes with its states and
	// an error: the verdicts read are recorded, and the poll still fails
	// for operators to see.
	states, err := conn.ListingStates(ctx, p, markers)
	if err != nil && states == nil {
		return err
	}
	return errors.Join(t.store.SetListingStates(ctx, p.ID, asked, states, t.clock()), err)
}

// QueueAllProducts queues every product on sale for a push, and every
// product still listed on a partner: after a partner is verified or asked
// to sync, and at start. The second kind covers products delisted or
// deleted while a partner could not dock (suspended, or unverified after
// an edit): their events were handled, and the product left the queue,
// while that partner was skipped, and the catalogue's products on sale no
// longer name them, so their listings there would stay live for good.
func (t *Trade) QueueAllProducts(ctx context.Context) error {
	if err := t.store.QueueListedProducts(ctx, t.clock()); err != nil {
		return err
	}
	page := ""
	for {
		ids, next, err := t.catalog.ListedProducts(ctx, page)
		if err != nil {
			return err
		}
		if err := t.store.QueueProducts(ctx, ids, t.clock()); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		page = next
	}
}
