package grpcapi

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
	"github.com/crossdock/crossdock/services/orders/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// everyoneAMerchant is a users service for which every holder is an
// account, every organization a merchant's.
type everyoneAMerchant struct{}

func (everyoneAMerchant) DefaultAddress(context.Context, string) (*domain.Address, error) {
	return nil, nil
}

func (everyoneAMerchant) FindHolders(_ context.Context, holders []domain.Holder) (map[domain.Holder]domain.AccountKind, error) {
	found := map[domain.Holder]domain.AccountKind{}
	for _, h := range holders {
		found[h] = domain.AccountMerchant
		if h.Kind == domain.HolderUser {
			found[h] = domain.AccountUser
		}
	}
	return found, nil
}

func as(c auth.Caller) context.Context { return auth.WithCaller(context.Background(), c) }

// The coupons API reads what it is sent into the use cases and answers
// what they stored, field for field.
func TestCouponsAPI(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "orders", FS: migrations.FS})
	svc := app.New(postgres.New(pool), app.Peers{Users: everyoneAMerchant{}}, app.Config{})
	svc.SetClock(func() time.Time { return time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) })
	api := &Coupons{svc: svc}
	admin := as(auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleAdmin}})
	org := uuid.New()
	member := auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleMerchant}, OrganizationID: org.String()}

	req := &ordersv1.CreateCampaignRequest{
		Name: "Merchant week", Kind: ordersv1.CampaignKind_CAMPAIGN_KIND_PERCENTAGE, CurrencyCode: "EUR", PercentBps: 750,
		Cap:          &commonv1.Money{CurrencyCode: "EUR", AmountMinor: 5000},
		MinimumSpend: &commonv1.Money{CurrencyCode: "EUR", AmountMinor: 10000},
		ValidFrom:    timestamppb.New(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)),
		ValidUntil:   timestamppb.New(time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)),
		SupplierIds:  []string{uuid.NewString()}, FundedBy: ordersv1.CampaignFunder_CAMPAIGN_FUNDER_SUPPLIER,
		Channel: ordersv1.CouponChannel_COUPON_CHANNEL_MERCHANT,
	}
	created, err := api.CreateCampaign(admin, req)
	if err != nil {
		t.Fatal(err)
	}
	got := created.GetCampaign()
	if got.GetName() != req.Name || got.GetKind() != req.Kind || got.GetCurrencyCode() != "EUR" || got.GetPercentBps() != 750 ||
		!proto.Equal(got.GetCap(), req.Cap) || !proto.Equal(got.GetMinimumSpend(), req.MinimumSpend) || got.GetAmount() != nil ||
		!got.GetValidFrom().AsTime().Equal(req.ValidFrom.AsTime()) || !got.GetValidUntil().AsTime().Equal(req.ValidUntil.AsTime()) ||
		!slices.Equal(got.GetSupplierIds(), req.SupplierIds) || got.GetFundedBy() != req.FundedBy || got.GetChannel() != req.Channel {
		t.Fatalf("created %v from %v", got, req)
	}
	read, err := api.GetCampaign(admin, &ordersv1.GetCampaignRequest{CampaignId: got.GetCampaignId()})
	if err != nil || !proto.Equal(read.GetCampaign(), got) {
		t.Fatalf("read back %v, %v", read.GetCampaign(), err)
	}

	// Bad ids and unset enums are named, all at once.
	_, err = api.CreateCampaign(admin, &ordersv1.CreateCampaignRequest{CategoryIds: []string{uuid.NewString(), "shoes"}})
	var e *apperr.Error
	if !asErr(err, &e) || len(e.Violations) != 1 || e.Violations[0].Field != "category_ids[1]" {
		t.Fatalf("a bad category id: %v", err)
	}
	_, err = api.CreateCampaign(admin, &ordersv1.CreateCampaignRequest{Name: "x", CurrencyCode: "EUR"})
	if !asErr(err, &e) || !hasFields(e, "kind", "valid_from", "funded_by", "channel") {
		t.Fatalf("unset enums and dates: %v", err)
	}

	issued, err := api.IssueCoupons(admin, &ordersv1.IssueCouponsRequest{CampaignId: got.GetCampaignId(), IssuanceId: "week-1",
		Holders: []*ordersv1.CouponHolder{{Kind: ordersv1.CouponHolderKind_COUPON_HOLDER_KIND_ORGANIZATION, Id: org.String()}}})
	if err != nil || issued.GetIssuedCount() != 1 || len(issued.GetCouponIds()) != 1 || issued.GetReplayed() {
		t.Fatalf("issued %v, %v", issued, err)
	}
	_, err = api.IssueCoupons(admin, &ordersv1.IssueCouponsRequest{CampaignId: got.GetCampaignId(), IssuanceId: "week-2",
		Holders: []*ordersv1.CouponHolder{{Kind: ordersv1.CouponHolderKind_COUPON_HOLDER_KIND_ORGANIZATION, Id: "acme"}}})
	if !asErr(err, &e) || !hasFields(e, "holders[0].id") {
		t.Fatalf("a bad holder id: %v", err)
	}

	mine, err := api.ListMyCoupons(as(member), &ordersv1.ListMyCouponsRequest{Status: ordersv1.CouponStatus_COUPON_STATUS_AVAILABLE})
	if err != nil || len(mine.GetCoupons()) != 1 {
		t.Fatalf("the member's available coupons: %v, %v", mine, err)
	}
	c := mine.GetCoupons()[0]
	if c.GetCouponId() != issued.GetCouponIds()[0] || c.GetHolder().GetId() != org.String() ||
		c.GetHolder().GetKind() != ordersv1.CouponHolderKind_COUPON_HOLDER_KIND_ORGANIZATION || c.GetStatus() != ordersv1.CouponStatus_COUPON_STATUS_AVAILABLE ||
		c.GetIssuanceId() != "week-1" || c.GetOrderId() != "" || c.GetRedeemedAt() != nil || !proto.Equal(c.GetCampaign(), got) {
		t.Fatalf("coupon %v", c)
	}
	if redeemed, err := api.ListMyCoupons(as(member), &ordersv1.ListMyCouponsRequest{Status: ordersv1.CouponStatus_COUPON_STATUS_REDEEMED}); err != nil || len(redeemed.GetCoupons()) != 0 {
		t.Fatalf("the member's redeemed coupons: %v, %v", redeemed, err)
	}
	if _, err := api.ListMyCoupons(as(member), &ordersv1.ListMyCouponsRequest{Status: 9}); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Fatalf("an unknown status: %v", err)
	}
	stranger := as(auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}})
	if _, err := api.GetCoupon(stranger, &ordersv1.GetCouponRequest{CouponId: c.GetCouponId()}); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("a stranger reading the coupon: %v", err)
	}
	if one, err := api.GetCoupon(as(member), &ordersv1.GetCouponRequest{CouponId: c.GetCouponId()}); err != nil || !proto.Equal(one.GetCoupon(), c) {
		t.Fatalf("the member reading the coupon: %v, %v", one, err)
	}
}

func asErr(err error, target **apperr.Error) bool { return errors.As(err, target) }

func hasFields(e *apperr.Error, fields ...string) bool {
	for _, f := range fields {
		if !slices.ContainsFunc(e.Violations, func(v apperr.FieldViolation) bool { return v.Field == f }) {
			return false
		}
	}
	return true
}
