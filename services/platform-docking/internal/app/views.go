package app

import (
	"context"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// ErrAdminsOrSuppliers refuses listings to anyone but admins and suppliers.
var ErrAdminsOrSuppliers = apperr.PermissionDenied("only admins and suppliers see partner listings").WithReason("ADMINS_OR_SUPPLIERS_ONLY")

// Activity returns what docking did with a partner lately (admins).
func (t *Trade) Activity(ctx context.Context, c auth.Caller, partnerID uuid.UUID) (Activity, error) {
	if err := requireAdmin(c); err != nil {
		return Activity{}, err
	}
	p, err := t.partners.GetPartner(ctx, partnerID)
	if err != nil {
		return Activity{}, err
	}
	// A partner never pulled yet gets its pull state here as the first
	// round would make it, starting at the lookback: started at the view's
	// time, the first pull would skip the orders of the lookback.
	return t.store.Activity(ctx, p.ID, t.start(p))
}

// ListListings lists pushed listings: every one to admins, their own
// products' to a supplier's members and ERP clients.
func (t *Trade) ListListings(ctx context.Context, c auth.Caller, f ListingFilter) ([]StoredListing, string, error) {
	if !c.IsAdmin() {
		org, ok := c.SupplierOrg()
		if !ok {
			return nil, "", ErrAdminsOrSuppliers
		}
		if f.SupplierID != uuid.Nil && f.SupplierID != org {
			// Another supplier's listings are none of theirs: an empty page.
			return nil, "", nil
		}
		f.SupplierID = org
	}
	return t.store.ListListings(ctx, f)
}

// ListPulledOrders lists a partner's pulled orders (admins).
func (t *Trade) ListPulledOrders(ctx context.Context, c auth.Caller, f PulledOrderFilter) ([]PulledOrder, string, error) {
	if err := requireAdmin(c); err != nil {
		return nil, "", err
	}
	if _, err := t.partners.GetPartner(ctx, f.PartnerID); err != nil {
		return nil, "", err
	}
	return t.store.ListPulledOrders(ctx, f)
}

// ListLines lists a partner's settlement lines (admins).
func (t *Trade) ListLines(ctx context.Context, c auth.Caller, f LineFilter) ([]StoredLine, string, error) {
	if err := requireAdmin(c); err != nil {
		return nil, "", err
	}
	if _, err := t.partners.GetPartner(ctx, f.PartnerID); err != nil {
		return nil, "", err
	}
	return t.store.ListLines(ctx, f)
}

// ListPayouts lists a partner's payouts (admins): each recorded in finance,
// waiting (with finance's last refusal), unreadable or dismissed.
func (t *Trade) ListPayouts(ctx context.Context, c auth.Caller, f PayoutFilter) ([]StoredPayout, string, error) {
	if err := requireAdmin(c); err != nil {
		return nil, "", err
	}
	if _, err := t.partners.GetPartner(ctx, f.PartnerID); err != nil {
		return nil, "", err
	}
	return t.store.ListPayouts(ctx, f)
}

// ErrNotVerified refuses to sync a partner that cannot dock.
var ErrNotVerified = apperr.FailedPrecondition("the partner is not verified: it docks nothing").WithReason("PARTNER_NOT_VERIFIED")

// Sync asks for a full push and an order pull of a verified partner now
// (admins): every product on sale is queued, the partner's next pull is due
// at once (a rate limit the partner asked for is lifted: the admin's ask
// overrides it, and a partner still limiting says so again), and a round
// starts.
func (t *Trade) Sync(ctx context.Context, c auth.Caller, partnerID uuid.UUID) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	p, err := t.partners.GetPartner(ctx, partnerID)
	if err != nil {
		return err
	}
	if p.Status != domain.StatusVerified {
		return ErrNotVerified
	}
	if err := t.QueueAllProducts(ctx); err != nil {
		return err
	}
	if _, err := t.store.PullState(ctx, p.ID, t.start(p)); err != nil {
		return err
	}
	if err := t.store.ClearOrderPull(ctx, p.ID); err != nil {
		return err
	}
	t.Nudge()
	return nil
}

// ErrPartnerOrderNotHeld refuses to retry a pulled order that is not held.
var ErrPartnerOrderNotHeld = apperr.FailedPrecondition("only a held partner order is retried; this one is not held").
	WithReason("PARTNER_ORDER_NOT_HELD")

// ErrPartnerOrderIDUnpullable refuses to retry a held order whose id a pull
// by id cannot name (longer than MaxPullOrderID).
var ErrPartnerOrderIDUnpullable = apperr.FailedPrecondition("this order's id is too long to read the order by it; it is read again when the partner updates it").
	WithReason("PARTNER_ORDER_ID_UNPULLABLE")

// MaxPullOrderID bounds the partner order ids a pull by id names, in
// characters (the pull_requests table's check).
const MaxPullOrderID = 128

// RetryPartnerOrder asks for a held partner order to be read again now
// (admins): the next round reads it from the partner and places it if it
// can be placed. It answers the order's record as it stands.
func (t *Trade) RetryPartnerOrder(ctx context.Context, c auth.Caller, partnerID uuid.UUID, partnerOrderID string) (PulledOrder, error) {
	if err := requireAdmin(c); err != nil {
		return PulledOrder{}, err
	}
	p, err := t.partners.GetPartner(ctx, partnerID)
	if err != nil {
		return PulledOrder{}, err
	}
	o, seen, err := t.store.GetPulledOrder(ctx, p.ID, partnerOrderID)
	switch {
	case err != nil:
		return PulledOrder{}, err
	case !seen:
		return PulledOrder{}, apperr.NotFound("partner order", partnerOrderID)
	case o.State != PulledHeld:
		return PulledOrder{}, ErrPartnerOrderNotHeld.WithMetadata("state", o.State)
	case utf8.RuneCountInString(partnerOrderID) > MaxPullOrderID:
		return PulledOrder{}, ErrPartnerOrderIDUnpullable
	}
	if err := t.store.RequestPull(ctx, p.ID, partnerOrderID, t.clock()); err != nil {
		return PulledOrder{}, err
	}
	t.Nudge()
	return o, nil
}

// PartnerCodes maps every partner's id to its code, for answers that name
// partners.
func (t *Trade) PartnerCodes(ctx context.Context) (map[uuid.UUID]string, error) {
	all, err := t.partners.ListPartners(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]string, len(all))
	for _, p := range all {
		out[p.ID] = p.Code
	}
	return out, nil
}
