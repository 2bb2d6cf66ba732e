package seed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
)

// demoCampaigns are the demo's coupon campaigns: a platform-funded welcome
// coupon for the demo buyer in the own store, and a trade discount the
// linen supplier funds for the demo merchant.
var demoCampaigns = []struct {
	name, code, holderEmail string
	build                   func(supplier2Org string) *ordersv1.CreateCampaignRequest
}{
	{"Welcome to Crossdock", "welcome", BuyerEmail, func(string) *ordersv1.CreateCampaignRequest {
		return &ordersv1.CreateCampaignRequest{Kind: ordersv1.CampaignKind_CAMPAIGN_KIND_FIXED_AMOUNT, CurrencyCode: "EUR", Amount: eur(500),
			MinimumSpend: eur(2000), FundedBy: ordersv1.CampaignFunder_CAMPAIGN_FUNDER_PLATFORM, Channel: ordersv1.CouponChannel_COUPON_CHANNEL_OWN_STORE}
	}},
	{"Porto Linen trade 10%", "linen-trade", MerchantEmail, func(supplier2Org string) *ordersv1.CreateCampaignRequest {
		return &ordersv1.CreateCampaignRequest{Kind: ordersv1.CampaignKind_CAMPAIGN_KIND_PERCENTAGE, CurrencyCode: "EUR", PercentBps: 1000,
			MinimumSpend: eur(0), SupplierIds: []string{supplier2Org}, FundedBy: ordersv1.CampaignFunder_CAMPAIGN_FUNDER_SUPPLIER,
			Channel: ordersv1.CouponChannel_COUPON_CHANNEL_MERCHANT}
	}},
}

// Coupons creates the demo campaigns (once, by request id) valid for a year and
// issues one coupon of each to its holder (once, by issuance id): the demo
// buyer's own, and the demo merchant organization's.
func Coupons(ctx context.Context, usersAddr, ordersAddr string) error {
	conns, closeAll, err := dial(map[string]string{"users": usersAddr, "orders": ordersAddr})
	if err != nil {
		return err
	}
	defer closeAll()
	users := usersv1.NewUsersServiceClient(conns["users"])
	coupons := ordersv1.NewCouponsServiceClient(conns["orders"])
	admin, err := login(ctx, users, AdminEmail)
	if err != nil {
		return fmt.Errorf("log in the admin: %w", err)
	}
	supplier2, err := me(ctx, users, Supplier2Email)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, dc := range demoCampaigns {
		req := dc.build(supplier2.GetOrganization().GetOrganizationId())
		req.Name, req.RequestId = dc.name, "demo-"+dc.code
		req.ValidFrom, req.ValidUntil = timestamppb.New(now.Add(-time.Hour)), timestamppb.New(now.AddDate(1, 0, 0))
		made, err := coupons.CreateCampaign(admin, req)
		id := made.GetCampaign().GetCampaignId()
		if status.Code(err) == codes.AlreadyExists {
			// Created by an earlier start, valid from then: that one stands.
			id, err = campaignID(err), nil
		}
		if err != nil || id == "" {
			return fmt.Errorf("campaign %q: %v", dc.name, err)
		}
		holder, err := me(ctx, users, dc.holderEmail)
		if err != nil {
			return err
		}
		h := &ordersv1.CouponHolder{Kind: ordersv1.CouponHolderKind_COUPON_HOLDER_KIND_USER, Id: holder.GetUser().GetUserId()}
		if org := holder.GetOrganization(); org != nil {
			h = &ordersv1.CouponHolder{Kind: ordersv1.CouponHolderKind_COUPON_HOLDER_KIND_ORGANIZATION, Id: org.GetOrganizationId()}
		}
		if _, err := coupons.IssueCoupons(admin, &ordersv1.IssueCouponsRequest{CampaignId: id, IssuanceId: "demo-" + id, Holders: []*ordersv1.CouponHolder{h}}); err != nil {
			return fmt.Errorf("issue %q: %w", dc.name, err)
		}
	}
	return nil
}

// campaignID is the campaign a create refused as a repeat names: the one
// the same request id made before.
func campaignID(err error) string {
	var e *apperr.Error
	if errors.As(grpcerr.FromStatus(status.Convert(err)), &e) {
		return e.Metadata["campaign_id"]
	}
	return ""
}

// me returns the account at email as it sees itself.
func me(ctx context.Context, users usersv1.UsersServiceClient, email string) (*usersv1.GetMeResponse, error) {
	as, err := login(ctx, users, email)
	if err != nil {
		return nil, fmt.Errorf("log in %s: %w", email, err)
	}
	return users.GetMe(as, &usersv1.GetMeRequest{})
}
