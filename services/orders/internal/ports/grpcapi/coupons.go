package grpcapi

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/enummap"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/pbtime"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Coupons implements CouponsService over the use cases.
type Coupons struct {
	ordersv1.UnimplementedCouponsServiceServer
	svc *app.Service
}

// CreateCampaign starts a coupon campaign (admins).
func (s *Coupons) CreateCampaign(ctx context.Context, req *ordersv1.CreateCampaignRequest) (*ordersv1.CreateCampaignResponse, error) {
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Violations
	in := domain.Campaign{
		Name: req.GetName(), Kind: campaignKindFromProto[req.GetKind()], Currency: req.GetCurrencyCode(),
		Amount: moneyOf(req.GetAmount()), PercentBPS: int64(req.GetPercentBps()), MinimumSpend: moneyOf(req.GetMinimumSpend()),
		FundedBy: funderFromProto[req.GetFundedBy()], Channel: channelFromProto[req.GetChannel()],
		CategoryIDs: apperr.ParseIDs(&v, "category_ids", req.GetCategoryIds()), SupplierIDs: apperr.ParseIDs(&v, "supplier_ids", req.GetSupplierIds()),
	}
	if req.GetMinimumSpend() == nil {
		in.MinimumSpend = money.Money{Currency: in.Currency}
	}
	if req.GetCap() != nil {
		limit := moneyOf(req.GetCap())
		in.Cap = &limit
	}
	if req.GetValidFrom() != nil {
		in.ValidFrom = req.GetValidFrom().AsTime()
	}
	if req.GetValidUntil() != nil {
		in.ValidUntil = req.GetValidUntil().AsTime()
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	campaign, err := s.svc.CreateCampaign(ctx, c, req.GetRequestId(), in)
	if err != nil {
		return nil, err
	}
	return &ordersv1.CreateCampaignResponse{Campaign: campaignProto(campaign)}, nil
}

// GetCampaign returns a campaign (admins).
func (s *Coupons) GetCampaign(ctx context.Context, req *ordersv1.GetCampaignRequest) (*ordersv1.GetCampaignResponse, error) {
	c, id, err := callerAnd(ctx, "campaign_id", req.GetCampaignId())
	if err != nil {
		return nil, err
	}
	campaign, err := s.svc.GetCampaign(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &ordersv1.GetCampaignResponse{Campaign: campaignProto(campaign)}, nil
}

// ListCampaigns lists the campaigns (admins).
func (s *Coupons) ListCampaigns(ctx context.Context, req *ordersv1.ListCampaignsRequest) (*ordersv1.ListCampaignsResponse, error) {
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	list, next, err := s.svc.ListCampaigns(ctx, c, int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &ordersv1.ListCampaignsResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, campaign := range list {
		out.Campaigns = append(out.Campaigns, campaignProto(campaign))
	}
	return out, nil
}

// IssueCoupons issues a campaign's coupons to holders (admins).
func (s *Coupons) IssueCoupons(ctx context.Context, req *ordersv1.IssueCouponsRequest) (*ordersv1.IssueCouponsResponse, error) {
	c, campaign, err := callerAnd(ctx, "campaign_id", req.GetCampaignId())
	if err != nil {
		return nil, err
	}
	var v apperr.Violations
	holders := make([]domain.Holder, 0, len(req.GetHolders()))
	for i, h := range req.GetHolders() {
		id, err := uuid.Parse(h.GetId())
		if err != nil {
			v.Add(apperr.Index("holders", i, "id"), "must be a UUID")
		}
		holders = append(holders, domain.Holder{Kind: holderKindFromProto[h.GetKind()], ID: id})
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	iss, replayed, err := s.svc.IssueCoupons(ctx, c, campaign, req.GetIssuanceId(), holders)
	if err != nil {
		return nil, err
	}
	out := &ordersv1.IssueCouponsResponse{IssuedCount: int32(len(iss.CouponIDs)), Replayed: replayed}
	for _, id := range iss.CouponIDs {
		out.CouponIds = append(out.CouponIds, id.String())
	}
	return out, nil
}

// ListMyCoupons lists the caller's coupons.
func (s *Coupons) ListMyCoupons(ctx context.Context, req *ordersv1.ListMyCouponsRequest) (*ordersv1.ListMyCouponsResponse, error) {
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	status, ok := couponStatusFromProto[req.GetStatus()]
	if !ok {
		return nil, apperr.InvalidField("status", "is not a coupon status")
	}
	list, next, err := s.svc.ListMyCoupons(ctx, c, status, int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &ordersv1.ListMyCouponsResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, coupon := range list {
		out.Coupons = append(out.Coupons, couponProto(coupon))
	}
	return out, nil
}

// GetCoupon returns one coupon to its holders and admins.
func (s *Coupons) GetCoupon(ctx context.Context, req *ordersv1.GetCouponRequest) (*ordersv1.GetCouponResponse, error) {
	c, id, err := callerAnd(ctx, "coupon_id", req.GetCouponId())
	if err != nil {
		return nil, err
	}
	coupon, err := s.svc.GetCoupon(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &ordersv1.GetCouponResponse{Coupon: couponProto(coupon)}, nil
}

// moneyOf reads an amount as sent; validation names a bad one.
func moneyOf(m *commonv1.Money) money.Money {
	if m == nil {
		return money.Money{}
	}
	return money.Money{Amount: m.GetAmountMinor(), Currency: m.GetCurrencyCode()}
}

var campaignKinds = map[domain.CampaignKind]ordersv1.CampaignKind{
	domain.FixedAmount: ordersv1.CampaignKind_CAMPAIGN_KIND_FIXED_AMOUNT,
	domain.Percentage:  ordersv1.CampaignKind_CAMPAIGN_KIND_PERCENTAGE,
}

var funders = map[domain.Funder]ordersv1.CampaignFunder{
	domain.FundedByPlatform: ordersv1.CampaignFunder_CAMPAIGN_FUNDER_PLATFORM,
	domain.FundedBySupplier: ordersv1.CampaignFunder_CAMPAIGN_FUNDER_SUPPLIER,
}

var channels = map[string]ordersv1.CouponChannel{
	domain.OwnStore:        ordersv1.CouponChannel_COUPON_CHANNEL_OWN_STORE,
	domain.MerchantChannel: ordersv1.CouponChannel_COUPON_CHANNEL_MERCHANT,
	domain.AnyChannel:      ordersv1.CouponChannel_COUPON_CHANNEL_ANY,
}

var holderKinds = map[domain.HolderKind]ordersv1.CouponHolderKind{
	domain.HolderUser:         ordersv1.CouponHolderKind_COUPON_HOLDER_KIND_USER,
	domain.HolderOrganization: ordersv1.CouponHolderKind_COUPON_HOLDER_KIND_ORGANIZATION,
}

var couponStatuses = map[domain.CouponStatus]ordersv1.CouponStatus{
	domain.CouponAvailable: ordersv1.CouponStatus_COUPON_STATUS_AVAILABLE,
	domain.CouponRedeemed:  ordersv1.CouponStatus_COUPON_STATUS_REDEEMED,
}

// The reverse maps: an UNSPECIFIED (or unknown) value reads as the empty
// domain value, which validation refuses by name; a status left
// UNSPECIFIED lists every status.
var (
	campaignKindFromProto = enummap.Invert(campaignKinds)
	funderFromProto       = enummap.Invert(funders)
	channelFromProto      = enummap.Invert(channels)
	holderKindFromProto   = enummap.Invert(holderKinds)
	couponStatusFromProto = func() map[ordersv1.CouponStatus]domain.CouponStatus {
		m := enummap.Invert(couponStatuses)
		m[ordersv1.CouponStatus_COUPON_STATUS_UNSPECIFIED] = ""
		return m
	}()
)

func campaignProto(c domain.Campaign) *ordersv1.CouponCampaign {
	out := &ordersv1.CouponCampaign{
		CampaignId: c.ID.String(), Name: c.Name, Kind: campaignKinds[c.Kind], CurrencyCode: c.Currency, Amount: moneyProto(c.Amount),
		PercentBps: int32(c.PercentBPS), MinimumSpend: moneyProto(c.MinimumSpend), ValidFrom: timestamppb.New(c.ValidFrom),
		ValidUntil: timestamppb.New(c.ValidUntil), FundedBy: funders[c.FundedBy], Channel: channels[c.Channel], CreatedBy: c.CreatedBy,
		CreatedAt: timestamppb.New(c.CreatedAt),
	}
	if c.Cap != nil {
		out.Cap = moneyProto(*c.Cap)
	}
	for _, id := range c.CategoryIDs {
		out.CategoryIds = append(out.CategoryIds, id.String())
	}
	for _, id := range c.SupplierIDs {
		out.SupplierIds = append(out.SupplierIds, id.String())
	}
	return out
}

func couponProto(v app.CouponView) *ordersv1.Coupon {
	out := &ordersv1.Coupon{
		CouponId: v.ID.String(), CampaignId: v.CampaignID.String(), Status: couponStatuses[v.Status],
		Holder:     &ordersv1.CouponHolder{Kind: holderKinds[v.Holder.Kind], Id: v.Holder.ID.String()},
		RedeemedAt: pbtime.ProtoOf(v.RedeemedAt), IssuanceId: v.IssuanceID, IssuedAt: timestamppb.New(v.IssuedAt), Campaign: campaignProto(v.Campaign),
	}
	if v.OrderID != nil {
		out.OrderId = v.OrderID.String()
	}
	return out
}
