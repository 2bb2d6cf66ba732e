package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// CouponRepository is what the coupon use cases store: campaigns,
// issuances and the coupons themselves. Part of Repository, so checkout
// redeems a coupon in the transaction that stores its order.
type CouponRepository interface {
	// InsertCampaign stores a new campaign; false when one with its id
	// exists (a retried create).
	InsertCampaign(ctx context.Context, c domain.Campaign) (bool, error)
	// Campaigns returns the campaigns among ids that exist.
	Campaigns(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.Campaign, error)
	// ListCampaigns returns campaigns newest first, after the cursor.
	ListCampaigns(ctx context.Context, after *OrderCursor, limit int) ([]domain.Campaign, error)
	// IssueCoupons stores an issuance with its coupons. When an issuance
	// with its id exists already (committed, or by a concurrent command
	// that then commits), it stores nothing and returns that one, with its
	// coupon ids, and false.
	IssueCoupons(ctx context.Context, iss domain.Issuance, coupons []domain.Coupon) (domain.Issuance, bool, error)
	// GetCoupon returns a coupon; NotFound when there is none.
	GetCoupon(ctx context.Context, id uuid.UUID) (domain.Coupon, error)
	// ListCoupons returns the coupons of any of holders, newest first,
	// after the cursor; of one status when status is not empty.
	ListCoupons(ctx context.Context, holders []domain.Holder, status domain.CouponStatus, after *OrderCursor, limit int) ([]domain.Coupon, error)
	// RedeemCoupon marks the holder's coupon redeemed by the order, in one
	// conditional write: it succeeds when the coupon is available, or
	// already redeemed by that same order. It returns the coupon as stored
	// afterwards and whether it is now the order's; NotFound when there is
	// no such coupon at all.
	RedeemCoupon(ctx context.Context, id uuid.UUID, holder domain.Holder, orderID uuid.UUID, at time.Time) (domain.Coupon, bool, error)
	// RestoreCoupons makes the coupons the order redeemed available again;
	// none is nothing to do.
	RestoreCoupons(ctx context.Context, orderID uuid.UUID) error
}

// ErrCouponAlreadyUsed refuses a coupon another order redeemed.
var ErrCouponAlreadyUsed = apperr.FailedPrecondition("the coupon was already used by another order").WithReason("COUPON_ALREADY_USED")

// CouponCampaign returns the campaign of the holder's coupon for checkout
// to price the order with (domain.CouponDiscounts) before its transaction.
// A coupon the holder does not hold (or an id that is none) is NotFound;
// one another order redeemed is ErrCouponAlreadyUsed; one this same order
// redeemed (a retried checkout) is fine.
func (s *Service) CouponCampaign(ctx context.Context, couponID string, holder domain.Holder, orderID uuid.UUID) (domain.Campaign, error) {
	coupon, err := heldCoupon(ctx, s.store, couponID, holder)
	if err != nil {
		return domain.Campaign{}, err
	}
	if coupon.Status == domain.CouponRedeemed && *coupon.OrderID != orderID {
		return domain.Campaign{}, ErrCouponAlreadyUsed
	}
	return campaignOf(ctx, s.store, coupon.CampaignID)
}

// RedeemCoupon redeems the holder's coupon for the order in r, the
// checkout's transaction, so the order and the redemption commit together
// or not at all. Of many orders redeeming one coupon at once exactly one
// wins; the others get ErrCouponAlreadyUsed. The same order redeeming it
// again (a retried checkout) succeeds. A coupon the holder does not hold is
// NotFound. It returns the coupon's campaign; the campaign's terms (dates,
// channel, goods) are not checked here: checkout priced the order with
// domain.CouponDiscounts, which checks them.
func (s *Service) RedeemCoupon(ctx context.Context, r Repository, couponID string, holder domain.Holder, orderID uuid.UUID) (domain.Campaign, error) {
	id, err := uuid.Parse(couponID)
	if err != nil {
		return domain.Campaign{}, notFoundCoupon(couponID)
	}
	coupon, mine, err := r.RedeemCoupon(ctx, id, holder, orderID, s.clock())
	switch {
	case apperr.IsKind(err, apperr.KindNotFound) || (err == nil && coupon.Holder != holder):
		return domain.Campaign{}, notFoundCoupon(couponID)
	case err != nil:
		return domain.Campaign{}, err
	case !mine:
		return domain.Campaign{}, ErrCouponAlreadyUsed
	}
	return campaignOf(ctx, r, coupon.CampaignID)
}

// RestoreCoupon gives back the coupon a cancelled order redeemed, in r,
// the cancellation's transaction: it is available again to its holder.
// Idempotent, and nothing to do for an order that used none.
func (s *Service) RestoreCoupon(ctx context.Context, r Repository, orderID uuid.UUID) error {
	return r.RestoreCoupons(ctx, orderID)
}

// heldCoupon returns the holder's coupon; NotFound when the id is none or
// the coupon is someone else's.
func heldCoupon(ctx context.Context, r Repository, couponID string, holder domain.Holder) (domain.Coupon, error) {
	id, err := uuid.Parse(couponID)
	if err != nil {
		return domain.Coupon{}, notFoundCoupon(couponID)
	}
	coupon, err := r.GetCoupon(ctx, id)
	if err != nil && !apperr.IsKind(err, apperr.KindNotFound) {
		return domain.Coupon{}, err
	}
	if err != nil || coupon.Holder != holder {
		return domain.Coupon{}, notFoundCoupon(couponID)
	}
	return coupon, nil
}

// campaignOf returns a campaign; NotFound when there is none.
func campaignOf(ctx context.Context, r Repository, id uuid.UUID) (domain.Campaign, error) {
	found, err := r.Campaigns(ctx, []uuid.UUID{id})
	if err != nil {
		return domain.Campaign{}, err
	}
	c, ok := found[id]
	if !ok {
		return domain.Campaign{}, notFoundCampaign(id)
	}
	return c, nil
}

func notFoundCoupon(id string) error { return apperr.NotFound("coupon", id) }

func notFoundCampaign(id uuid.UUID) error { return apperr.NotFound("coupon campaign", id.String()) }
