package app

import (
	"bytes"
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Errors of the operators' coupon commands.
var (
	ErrAdminsOnly            = apperr.PermissionDenied("only operators (admins) manage coupon campaigns").WithReason("ADMINS_ONLY")
	ErrCampaignEnded         = apperr.FailedPrecondition("the campaign has ended: its coupons would never work").WithReason("CAMPAIGN_ENDED")
	ErrCampaignRequestReused = apperr.AlreadyExists("this request id created a campaign with other terms").
					WithReason("CAMPAIGN_REQUEST_REUSED")
	ErrIssuanceReused = apperr.AlreadyExists("this issuance id was used for another campaign or other holders").
				WithReason("ISSUANCE_ID_REUSED")
)

// CreateCampaign starts a coupon campaign on the terms given (its id,
// author and creation time are set here). With the client's request id the
// campaign's id derives from it, so a retry answers the first campaign and
// the id reused with other terms is ErrCampaignRequestReused. Admins only.
func (s *Service) CreateCampaign(ctx context.Context, c auth.Caller, requestID string, in domain.Campaign) (domain.Campaign, error) {
	if !c.IsAdmin() {
		return domain.Campaign{}, ErrAdminsOnly
	}
	// PostgreSQL keeps microseconds: the campaign is validated as stored.
	in.ValidFrom, in.ValidUntil = in.ValidFrom.UTC().Truncate(time.Microsecond), in.ValidUntil.UTC().Truncate(time.Microsecond)
	err := in.Validate()
	if requestID != "" {
		var v apperr.Violations
		domain.CheckCheckoutID(&v, "request_id", requestID)
		err = apperr.JoinInvalid(err, v.Err())
	}
	if err != nil {
		return domain.Campaign{}, err
	}
	in.ID, in.CreatedBy, in.CreatedAt = uuid.New(), c.Subject, s.clock()
	if requestID != "" {
		in.ID = uuid.NewSHA1(campaignSpace, []byte(requestID))
	}
	inserted, err := s.store.InsertCampaign(ctx, in)
	if err != nil || inserted {
		return in, err
	}
	first, err := campaignOf(ctx, s.store, in.ID)
	if err != nil {
		return domain.Campaign{}, err
	}
	if !first.SameTerms(in) {
		return domain.Campaign{}, ErrCampaignRequestReused.WithMetadata("campaign_id", first.ID.String())
	}
	return first, nil
}

// campaignSpace names the campaigns created under a client's request id.
var campaignSpace = uuid.MustParse("6d3f0b4e-8f35-5b7c-9a51-0c2f6e1d7a90")

// GetCampaign returns a campaign. Admins only.
func (s *Service) GetCampaign(ctx context.Context, c auth.Caller, id uuid.UUID) (domain.Campaign, error) {
	if !c.IsAdmin() {
		return domain.Campaign{}, ErrAdminsOnly
	}
	return campaignOf(ctx, s.store, id)
}

// ListCampaigns lists the campaigns, newest first. Admins only.
func (s *Service) ListCampaigns(ctx context.Context, c auth.Caller, size int, token string) ([]domain.Campaign, string, error) {
	if !c.IsAdmin() {
		return nil, "", ErrAdminsOnly
	}
	limit, after, err := page(size, token, nil)
	if err != nil {
		return nil, "", err
	}
	list, err := s.store.ListCampaigns(ctx, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	return pageOf(list, limit, func(c domain.Campaign) OrderCursor { return OrderCursor{At: c.CreatedAt, ID: c.ID} }, nil)
}

// IssueCoupons issues one coupon of the campaign to each holder, once per
// issuance id: a retry stores nothing and answers the first issuance
// (replayed); the id reused for another campaign or other holders is
// ErrIssuanceReused. Every holder must be an account (a merchant's
// organization for merchant coupons). Admins only.
func (s *Service) IssueCoupons(ctx context.Context, c auth.Caller, campaignID uuid.UUID, issuanceID string, holders []domain.Holder) (domain.Issuance, bool, error) {
	if !c.IsAdmin() {
		return domain.Issuance{}, false, ErrAdminsOnly
	}
	campaign, err := campaignOf(ctx, s.store, campaignID)
	if err != nil {
		return domain.Issuance{}, false, err
	}
	if err := domain.CheckIssuance(campaign, issuanceID, holders); err != nil {
		return domain.Issuance{}, false, err
	}
	found, err := s.Users.FindHolders(ctx, holders)
	if err != nil {
		return domain.Issuance{}, false, err
	}
	if err := domain.CheckHolders(campaign, holders, found); err != nil {
		return domain.Issuance{}, false, err
	}
	now := s.clock()
	iss := domain.Issuance{ID: issuanceID, CampaignID: campaignID, Fingerprint: domain.Fingerprint(campaignID, holders), IssuedBy: c.Subject, IssuedAt: now}
	coupons := make([]domain.Coupon, len(holders))
	for i, h := range holders {
		coupons[i] = domain.Coupon{ID: uuid.New(), CampaignID: campaignID, Holder: h, Status: domain.CouponAvailable, IssuanceID: issuanceID, IssuedAt: now}
		iss.CouponIDs = append(iss.CouponIDs, coupons[i].ID)
	}
	var stored domain.Issuance
	inserted := false
	err = s.store.InTx(ctx, func(r Repository) error {
		var err error
		stored, inserted, err = r.IssueCoupons(ctx, iss, coupons)
		if err == nil && inserted && campaign.Ended(now) {
			// Refused only when new (the transaction undoes it), so a
			// retry of an issuance made in time still answers it.
			return ErrCampaignEnded
		}
		return err
	})
	switch {
	case err != nil:
		return domain.Issuance{}, false, err
	case !inserted && !bytes.Equal(stored.Fingerprint, iss.Fingerprint):
		return domain.Issuance{}, false, ErrIssuanceReused.WithMetadata("issuance_id", issuanceID)
	}
	return stored, !inserted, nil
}
