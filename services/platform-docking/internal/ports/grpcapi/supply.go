package grpcapi

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

var supplyOrderStates = map[dockingv1.SupplyOrderState]string{
	dockingv1.SupplyOrderState_SUPPLY_ORDER_STATE_QUEUED:  app.SupplyQueued,
	dockingv1.SupplyOrderState_SUPPLY_ORDER_STATE_PLACED:  app.SupplyPlaced,
	dockingv1.SupplyOrderState_SUPPLY_ORDER_STATE_SHIPPED: app.SupplyShipped,
	dockingv1.SupplyOrderState_SUPPLY_ORDER_STATE_HELD:    app.SupplyHeld,
}

var supplyOrderStateProto = reverse(supplyOrderStates)

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
		Default:   domain.SupplyAccount{AccountID: in.GetDefaultAccount().GetAccountId(), APIKey: in.GetDefaultAccount().GetApiKey()},
		Merchants: map[uuid.UUID]domain.SupplyAccount{}}
	for _, m := range in.GetMerchantAccounts() {
		id, err := apperr.ParseID("merchant_accounts.merchant_org_id", m.GetMerchantOrgId())
		if err != nil {
			return domain.SupplyPlatform{}, err
		}
		if _, dup := out.Merchants[id]; dup {
			return domain.SupplyPlatform{}, apperr.InvalidField("merchant_accounts.merchant_org_id", "is given twice: "+id.String())
		}
		out.Merchants[id] = domain.SupplyAccount{AccountID: m.GetAccount().GetAccountId(), APIKey: m.GetAccount().GetApiKey()}
	}
	return out, nil
}

// supplyPlatformProto is a platform as operators see it: no key, only
// whether each is stored.
func supplyPlatformProto(p domain.SupplyPlatform, a *app.SupplyActivity) *dockingv1.SupplyPlatform {
	out := &dockingv1.SupplyPlatform{PlatformId: p.ID.String(), Code: p.Code, Name: p.Name, Endpoint: p.Endpoint,
		SupplierOrgId: p.SupplierOrgID.String(), ErpClientId: p.ERPClientID, HasErpKey: p.ERPKey != "",
		Defaults: &dockingv1.SupplyImportDefaults{ModelId: p.Defaults.ModelID, CategoryId: p.Defaults.CategoryID, BrandId: p.Defaults.BrandID,
			OriginCountryCode: p.Defaults.OriginCountry, OriginRegionCode: p.Defaults.OriginRegion, DefaultLocale: p.Defaults.Locale, WarehouseId: p.Defaults.WarehouseID},
		DefaultAccount: &dockingv1.SupplyAccount{AccountId: p.Default.AccountID, HasApiKey: p.Default.APIKey != ""},
		CreatedAt:      timestamppb.New(p.CreatedAt)}
	for m, acc := range p.Merchants {
		out.MerchantAccounts = append(out.MerchantAccounts, &dockingv1.MerchantAccount{MerchantOrgId: m.String(),
			Account: &dockingv1.SupplyAccount{AccountId: acc.AccountID, HasApiKey: acc.APIKey != ""}})
	}
	if a != nil {
		out.Activity = &dockingv1.SupplyActivity{LastImportAt: ts(a.LastImportAt), ImportWatermark: ts(a.ImportWatermark),
			ProductsImported: a.ProductsImported, LastStockSyncAt: ts(a.LastStockSyncAt), LastError: a.LastError, LastErrorAt: ts(a.LastErrorAt),
			OrdersQueued: a.OrdersQueued, OrdersPlaced: a.OrdersPlaced, OrdersHeld: a.OrdersHeld}
	}
	return out
}

// CreateSupplyPlatform registers a supply platform (admins).
func (s *Docking) CreateSupplyPlatform(ctx context.Context, req *dockingv1.CreateSupplyPlatformRequest) (*dockingv1.CreateSupplyPlatformResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	sup, err := s.supply()
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
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	sup, err := s.supply()
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
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	sup, err := s.supply()
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

// ListSupplyOrders lists a platform's purchase orders (admins).
func (s *Docking) ListSupplyOrders(ctx context.Context, req *dockingv1.ListSupplyOrdersRequest) (*dockingv1.ListSupplyOrdersResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	sup, err := s.supply()
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("platform_id", req.GetPlatformId())
	if err != nil {
		return nil, err
	}
	size, err := pageLimits.Size(int(req.GetPage().GetPageSize()))
	if err != nil {
		return nil, err
	}
	list, next, err := sup.ListSupplyOrders(ctx, c, app.SupplyOrderFilter{PlatformID: id, State: supplyOrderStates[req.GetState()], Page: req.GetPage().GetPageToken(), Limit: size})
	if err != nil {
		return nil, err
	}
	out := &dockingv1.ListSupplyOrdersResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, o := range list {
		po := &dockingv1.SupplyOrder{PlatformId: o.PlatformID.String(), SubOrderId: o.SubOrderID.String(), OrderId: o.OrderID.String(),
			AccountId: o.AccountID, State: supplyOrderStateProto[o.State], PlatformOrderId: o.PlatformOrderID, PlatformStatus: o.PlatformStatus,
			CarrierCode: o.CarrierCode, Waybill: o.Waybill, Attempts: int32(o.Attempts), Problem: o.Problem,
			QueuedAt: timestamppb.New(o.QueuedAt), PlacedAt: ts(o.PlacedAt)}
		if o.MerchantOrgID != uuid.Nil {
			po.MerchantOrgId = o.MerchantOrgID.String()
		}
		out.Orders = append(out.Orders, po)
	}
	return out, nil
}
