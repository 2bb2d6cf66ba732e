package grpcapi

import (
	"context"
	"maps"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/enummap"
	"github.com/crossdock/crossdock/pkg/pbtime"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

var supplyOrderStates = map[dockingv1.SupplyOrderState]string{
	dockingv1.SupplyOrderState_SUPPLY_ORDER_STATE_QUEUED:    app.SupplyQueued,
	dockingv1.SupplyOrderState_SUPPLY_ORDER_STATE_PLACED:    app.SupplyPlaced,
	dockingv1.SupplyOrderState_SUPPLY_ORDER_STATE_SHIPPED:   app.SupplyShipped,
	dockingv1.SupplyOrderState_SUPPLY_ORDER_STATE_HELD:      app.SupplyHeld,
	dockingv1.SupplyOrderState_SUPPLY_ORDER_STATE_CANCELLED: app.SupplyCancelled,
}

var supplyOrderStateProto = enummap.Invert(supplyOrderStates)

var supplyProductStateProto = map[string]dockingv1.SupplyProductState{
	app.SupplySubmitted: dockingv1.SupplyProductState_SUPPLY_PRODUCT_STATE_SUBMITTED,
	app.SupplyListed:    dockingv1.SupplyProductState_SUPPLY_PRODUCT_STATE_LISTED,
	app.SupplySkipped:   dockingv1.SupplyProductState_SUPPLY_PRODUCT_STATE_SKIPPED,
}

// errNoSupply answers the supply methods of a docking run without them.
var errNoSupply = apperr.Unavailable("supply platforms are not docked by this deployment").WithReason("SUPPLY_NOT_CONFIGURED")

func (s *Docking) supply() (*app.Supply, error) {
	if s.trade == nil || s.trade.Supply() == nil {
		return nil, errNoSupply
	}
	return s.trade.Supply(), nil
}

// supplyPlatformOf reads a registration; a merchant id that is not a UUID
// is named as the bad field.
func supplyPlatformOf(in *dockingv1.SupplyPlatform) (domain.SupplyPlatform, error) {
	supplier, _ := uuid.Parse(in.GetSupplierOrgId()) // nil is reported by the domain's validation
	d := in.GetDefaults()
	out := domain.SupplyPlatform{Code: in.GetCode(), Name: in.GetName(), Endpoint: in.GetEndpoint(), SupplierOrgID: supplier,
		ERPClientID: in.GetErpClientId(), ERPKey: in.GetErpPrivateKey(),
		Defaults: domain.SupplyDefaults{ModelID: d.GetModelId(), CategoryID: d.GetCategoryId(), BrandID: d.GetBrandId(),
			OriginCountry: d.GetOriginCountryCode(), OriginRegion: d.GetOriginRegionCode(), Locale: d.GetDefaultLocale(), WarehouseID: d.GetWarehouseId()},
		Default: accountOf(in.GetDefaultAccount())}
	var err error
	out.Merchants, err = merchantAccountsOf(in.GetMerchantAccounts())
	return out, err
}

func accountOf(a *dockingv1.SupplyAccount) domain.SupplyAccount {
	return domain.SupplyAccount{AccountID: a.GetAccountId(), APIKey: a.GetApiKey()}
}

// merchantAccountsOf reads merchants' accounts by merchant; a merchant id
// that is not a UUID, or given twice, is named as the bad field.
func merchantAccountsOf(in []*dockingv1.MerchantAccount) (map[uuid.UUID]domain.SupplyAccount, error) {
	out := make(map[uuid.UUID]domain.SupplyAccount, len(in))
	for _, m := range in {
		id, err := apperr.ParseID("merchant_accounts.merchant_org_id", m.GetMerchantOrgId())
		if err != nil {
			return nil, err
		}
		if _, dup := out[id]; dup {
			return nil, apperr.InvalidField("merchant_accounts.merchant_org_id", "is given twice: "+id.String())
		}
		out[id] = accountOf(m.GetAccount())
	}
	return out, nil
}

// supplyUpdateOf reads an edit: only what is set changes.
func supplyUpdateOf(req *dockingv1.UpdateSupplyPlatformRequest) (domain.SupplyUpdate, error) {
	u := domain.SupplyUpdate{Name: req.Name, Endpoint: req.Endpoint, ERPClientID: req.ErpClientId, ERPKey: req.ErpPrivateKey}
	if d := req.GetDefaults(); d != nil {
		u.CategoryID, u.OriginRegion = d.CategoryId, d.OriginRegionCode
	}
	if req.DefaultAccount != nil {
		a := accountOf(req.GetDefaultAccount())
		u.Default = &a
	}
	var err error
	if u.SetMerchants, err = merchantAccountsOf(req.GetMerchantAccounts()); err != nil {
		return u, err
	}
	for _, raw := range req.GetRemoveMerchantOrgIds() {
		id, err := apperr.ParseID("remove_merchant_org_ids", raw)
		if err != nil {
			return u, err
		}
		u.RemoveMerchants = append(u.RemoveMerchants, id)
	}
	return u, nil
}

// supplyPlatformProto is a platform as operators see it: no key, only
// whether each is stored.
func supplyPlatformProto(p domain.SupplyPlatform, a *app.SupplyActivity) *dockingv1.SupplyPlatform {
	out := &dockingv1.SupplyPlatform{PlatformId: p.ID.String(), Code: p.Code, Name: p.Name, Endpoint: p.Endpoint,
		SupplierOrgId: p.SupplierOrgID.String(), ErpClientId: p.ERPClientID, HasErpKey: p.ERPKey != "",
		Defaults: &dockingv1.SupplyImportDefaults{ModelId: p.Defaults.ModelID, CategoryId: p.Defaults.CategoryID, BrandId: p.Defaults.BrandID,
			OriginCountryCode: p.Defaults.OriginCountry, OriginRegionCode: p.Defaults.OriginRegion, DefaultLocale: p.Defaults.Locale, WarehouseId: p.Defaults.WarehouseID},
		DefaultAccount: accountProto(p.Default), CreatedAt: timestamppb.New(p.CreatedAt), UpdatedAt: timestamppb.New(p.UpdatedAt)}
	for m, acc := range p.Merchants {
		out.MerchantAccounts = append(out.MerchantAccounts, &dockingv1.MerchantAccount{MerchantOrgId: m.String(), Account: accountProto(acc)})
	}
	for _, id := range slices.Sorted(maps.Keys(p.Retired)) {
		out.RetiredAccounts = append(out.RetiredAccounts, accountProto(p.Retired[id]))
	}
	if a != nil {
		out.Activity = &dockingv1.SupplyActivity{LastImportAt: pbtime.ProtoOf(a.LastImportAt), ImportWatermark: pbtime.ProtoOf(a.ImportWatermark),
			ProductsImported: a.ProductsImported, LastStockSyncAt: pbtime.ProtoOf(a.LastStockSyncAt), LastError: a.LastError, LastErrorAt: pbtime.ProtoOf(a.LastErrorAt),
			OrdersQueued: a.OrdersQueued, OrdersPlaced: a.OrdersPlaced, OrdersHeld: a.OrdersHeld,
			ProductsWaitingForReview: a.ProductsWaitingForReview, ProductsRefused: a.ProductsRefused}
	}
	return out
}

// supplyAs is what every supply handler needs first: the caller and the
// supply use cases (Unavailable when the installation has none).
func (s *Docking) supplyAs(ctx context.Context) (auth.Caller, *app.Supply, error) {
	c, err := caller(ctx)
	if err != nil {
		return auth.Caller{}, nil, err
	}
	sup, err := s.supply()
	return c, sup, err
}

// accountProto is an account without its key, only whether one is stored.
func accountProto(a domain.SupplyAccount) *dockingv1.SupplyAccount {
	return &dockingv1.SupplyAccount{AccountId: a.AccountID, HasApiKey: a.APIKey != ""}
}

// CreateSupplyPlatform registers a supply platform (admins).
func (s *Docking) CreateSupplyPlatform(ctx context.Context, req *dockingv1.CreateSupplyPlatformRequest) (*dockingv1.CreateSupplyPlatformResponse, error) {
	c, sup, err := s.supplyAs(ctx)
	if err != nil {
		return nil, err
	}
	in, err := supplyPlatformOf(req.GetPlatform())
	if err != nil {
		return nil, err
	}
	p, err := sup.CreateSupplyPlatform(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &dockingv1.CreateSupplyPlatformResponse{Platform: supplyPlatformProto(p, nil)}, nil
}

// GetSupplyPlatform returns a platform with its activity (admins).
func (s *Docking) GetSupplyPlatform(ctx context.Context, req *dockingv1.GetSupplyPlatformRequest) (*dockingv1.GetSupplyPlatformResponse, error) {
	c, sup, err := s.supplyAs(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("platform_id", req.GetPlatformId())
	if err != nil {
		return nil, err
	}
	p, a, err := sup.GetSupplyPlatform(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &dockingv1.GetSupplyPlatformResponse{Platform: supplyPlatformProto(p, &a)}, nil
}

// ListSupplyPlatforms lists the platforms (admins).
func (s *Docking) ListSupplyPlatforms(ctx context.Context, _ *dockingv1.ListSupplyPlatformsRequest) (*dockingv1.ListSupplyPlatformsResponse, error) {
	c, sup, err := s.supplyAs(ctx)
	if err != nil {
		return nil, err
	}
	list, err := sup.ListSupplyPlatforms(ctx, c)
	if err != nil {
		return nil, err
	}
	out := &dockingv1.ListSupplyPlatformsResponse{}
	for _, p := range list {
		out.Platforms = append(out.Platforms, supplyPlatformProto(p, nil))
	}
	return out, nil
}

// UpdateSupplyPlatform changes a platform's registration (admins).
func (s *Docking) UpdateSupplyPlatform(ctx context.Context, req *dockingv1.UpdateSupplyPlatformRequest) (*dockingv1.UpdateSupplyPlatformResponse, error) {
	sup, err := s.supply()
	if err != nil {
		return nil, err
	}
	p, err := byID(ctx, "platform_id", req.GetPlatformId(), func(ctx context.Context, c auth.Caller, id uuid.UUID) (domain.SupplyPlatform, error) {
		u, err := supplyUpdateOf(req)
		if err != nil {
			return domain.SupplyPlatform{}, err
		}
		return sup.UpdateSupplyPlatform(ctx, c, id, u)
	})
	if err != nil {
		return nil, err
	}
	return &dockingv1.UpdateSupplyPlatformResponse{Platform: supplyPlatformProto(p, nil)}, nil
}

// ListSupplyOrders lists a platform's purchase orders (admins).
func (s *Docking) ListSupplyOrders(ctx context.Context, req *dockingv1.ListSupplyOrdersRequest) (*dockingv1.ListSupplyOrdersResponse, error) {
	sup, err := s.supply()
	if err != nil {
		return nil, err
	}
	c, id, size, err := listOf(ctx, "platform_id", req.GetPlatformId(), req.GetPage())
	if err != nil {
		return nil, err
	}
	list, next, err := sup.ListSupplyOrders(ctx, c, app.SupplyOrderFilter{PlatformID: id, State: supplyOrderStates[req.GetState()], Page: req.GetPage().GetPageToken(), Limit: size})
	if err != nil {
		return nil, err
	}
	out := &dockingv1.ListSupplyOrdersResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, o := range list {
		out.Orders = append(out.Orders, supplyOrderProto(o))
	}
	return out, nil
}

// ListSupplyProducts lists a platform's product records (admins).
func (s *Docking) ListSupplyProducts(ctx context.Context, req *dockingv1.ListSupplyProductsRequest) (*dockingv1.ListSupplyProductsResponse, error) {
	sup, err := s.supply()
	if err != nil {
		return nil, err
	}
	c, id, size, err := listOf(ctx, "platform_id", req.GetPlatformId(), req.GetPage())
	if err != nil {
		return nil, err
	}
	list, next, err := sup.ListSupplyProducts(ctx, c, app.SupplyProductFilter{PlatformID: id, WithProblem: req.GetWithProblem(), Page: req.GetPage().GetPageToken(), Limit: size})
	if err != nil {
		return nil, err
	}
	out := &dockingv1.ListSupplyProductsResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, r := range list {
		out.Products = append(out.Products, supplyProductProto(r))
	}
	return out, nil
}

// RetrySupplyOrder puts a held purchase order back to work (admins).
func (s *Docking) RetrySupplyOrder(ctx context.Context, req *dockingv1.RetrySupplyOrderRequest) (*dockingv1.RetrySupplyOrderResponse, error) {
	c, sup, err := s.supplyAs(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Violations
	platform, sub := requiredID(&v, "platform_id", req.GetPlatformId()), requiredID(&v, "sub_order_id", req.GetSubOrderId())
	if err := v.Err(); err != nil {
		return nil, err
	}
	o, err := sup.RetrySupplyOrder(ctx, c, platform, sub)
	if err != nil {
		return nil, err
	}
	return &dockingv1.RetrySupplyOrderResponse{Order: supplyOrderProto(o)}, nil
}

func supplyOrderProto(o app.SupplyOrder) *dockingv1.SupplyOrder {
	po := &dockingv1.SupplyOrder{PlatformId: o.PlatformID.String(), SubOrderId: o.SubOrderID.String(), OrderId: o.OrderID.String(),
		AccountId: o.AccountID, State: supplyOrderStateProto[o.State], PlatformOrderId: o.PlatformOrderID, PlatformStatus: o.PlatformStatus,
		CarrierCode: o.CarrierCode, Waybill: o.Waybill, Attempts: int32(o.Attempts), Problem: o.Problem,
		QueuedAt: timestamppb.New(o.QueuedAt), PlacedAt: pbtime.ProtoOf(o.PlacedAt)}
	if o.MerchantOrgID != uuid.Nil {
		po.MerchantOrgId = o.MerchantOrgID.String()
	}
	return po
}

func supplyProductProto(r app.SupplyProductRecord) *dockingv1.SupplyProduct {
	out := &dockingv1.SupplyProduct{PlatformId: r.PlatformID.String(), PlatformProductId: r.PlatformProductID,
		State: supplyProductStateProto[r.State], Problem: r.Problem, ChangesWaiting: r.Deferred != nil,
		ChangesWaitingSince: pbtime.ProtoOf(r.DeferredSince), UpdatedAt: timestamppb.New(r.UpdatedAt)}
	if r.ProductID != uuid.Nil {
		out.ProductId = r.ProductID.String()
	}
	return out
}
