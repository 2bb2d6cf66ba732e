package app

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// ErrUsersOnly refuses coupon lists to callers that hold none: services
// and API clients.
var ErrUsersOnly = apperr.PermissionDenied("coupons are listed to signed-in people").WithReason("USERS_ONLY")

// CouponView is a coupon with its campaign's terms, so a holder sees what
// it gives.
type CouponView struct {
	domain.Coupon
	Campaign domain.Campaign
}

// holdersOf are the holders whose coupons the caller may see and use: a
// person's own, and a merchant member's organization's too.
func holdersOf(c auth.Caller) []domain.Holder {
	if c.Kind != auth.KindUser {
		return nil
	}
	holders := []domain.Holder{domain.UserHolder(c.Subject)}
	if org, ok := c.MerchantOrg(); ok {
		holders = append(holders, domain.Holder{Kind: domain.HolderOrganization, ID: org})
	}
	return holders
}

// ListMyCoupons lists the caller's coupons (see holdersOf), newest first,
// of one status when status is not empty.
func (s *Service) ListMyCoupons(ctx context.Context, c auth.Caller, status domain.CouponStatus, size int, token string) ([]CouponView, string, error) {
	holders := holdersOf(c)
	if len(holders) == 0 {
		return nil, "", ErrUsersOnly
	}
	limit, after, err := page(size, token, status)
	if err != nil {
		return nil, "", err
	}
	list, err := s.store.ListCoupons(ctx, holders, status, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	list, next, err := pageOf(list, limit, func(c domain.Coupon) OrderCursor { return OrderCursor{At: c.IssuedAt, ID: c.ID} }, status)
	if err != nil {
		return nil, "", err
	}
	views, err := s.withCampaigns(ctx, list)
	return views, next, err
}

// GetCoupon returns a coupon to its holders (see holdersOf) and admins; to
// anyone else it does not exist.
func (s *Service) GetCoupon(ctx context.Context, c auth.Caller, id uuid.UUID) (CouponView, error) {
	coupon, err := s.store.GetCoupon(ctx, id)
	if err != nil {
		return CouponView{}, err
	}
	if !c.IsAdmin() && !slices.Contains(holdersOf(c), coupon.Holder) {
		return CouponView{}, notFoundCoupon(id.String())
	}
	views, err := s.withCampaigns(ctx, []domain.Coupon{coupon})
	if err != nil {
		return CouponView{}, err
	}
	return views[0], nil
}

// withCampaigns reads the coupons' campaigns in one query.
func (s *Service) withCampaigns(ctx context.Context, coupons []domain.Coupon) ([]CouponView, error) {
	ids := make([]uuid.UUID, 0, len(coupons))
	for _, c := range coupons {
		ids = append(ids, c.CampaignID)
	}
	campaigns, err := s.store.Campaigns(ctx, ids)
	if err != nil {
		return nil, err
	}
	views := make([]CouponView, len(coupons))
	for i, c := range coupons {
		views[i] = CouponView{Coupon: c, Campaign: campaigns[c.CampaignID]}
	}
	return views, nil
}
