package grpcapi_test

import (
	"context"
	"crypto/ed25519"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/peers"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
)

// What the peers know: one warehouse of another supplier (inventory
// refuses it, as it does for a service naming the wrong supplier), one
// sub-order that can ship, and one product with its SKU's code.
var (
	foreignWarehouse = uuid.NewString()
	shippable        = uuid.NewString()
	productA, skuA   = uuid.NewString(), uuid.NewString()
	shipFrom         = &commonv1.Address{Recipient: "Works", CountryCode: "CN", City: "Shenzhen", Lines: []string{"Dock 4"}}
)

// erpPeers are inventory, orders and the catalogue as small gRPC servers
// that record every request docking sends them and answer as the real ones
// would for one supplier. They are other services: what docking sends them
// is what the tests check.
type erpPeers struct {
	inventoryv1.UnimplementedInventoryServiceServer
	ordersv1.UnimplementedOrdersServiceServer
	catalogv1.UnimplementedCatalogServiceServer

	mu       sync.Mutex
	syncs    []*inventoryv1.SyncStockRequest
	lists    []*ordersv1.ListSupplierSubOrdersRequest
	ships    []*ordersv1.ShipSubOrderRequest
	external []*ordersv1.RecordExternalShipmentRequest
	products []string
	// signed counts requests that arrived carrying an API client's
	// signature headers: docking must call as itself, never pass an ERP's
	// signature on.
	signed int

	inventory, orders, catalog *grpc.ClientConn
}

func startERPPeers(t *testing.T) *erpPeers {
	t.Helper()
	p := &erpPeers{}
	p.inventory = serveGRPC(t, func(g *grpc.Server) { inventoryv1.RegisterInventoryServiceServer(g, p) })
	p.orders = serveGRPC(t, func(g *grpc.Server) { ordersv1.RegisterOrdersServiceServer(g, p) })
	p.catalog = serveGRPC(t, func(g *grpc.Server) { catalogv1.RegisterCatalogServiceServer(g, p) })
	return p
}

// app returns docking's ERP calls over the peers, through the adapters
// the service runs with.
func (p *erpPeers) app() *app.ERP {
	return app.NewERP(peers.Inventory{Client: inventoryv1.NewInventoryServiceClient(p.inventory)},
		peers.Orders{Client: ordersv1.NewOrdersServiceClient(p.orders)},
		peers.Catalog{Client: catalogv1.NewCatalogServiceClient(p.catalog)})
}

// record notes a request and whether it carried a signature.
func (p *erpPeers) record(ctx context.Context, add func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	md, _ := metadata.FromIncomingContext(ctx)
	if len(md.Get(auth.SignatureHeader)) > 0 || len(md.Get(auth.ClientIDHeader)) > 0 {
		p.signed++
	}
	add()
}

// forwarded is how many requests each peer got.
func (p *erpPeers) forwarded() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.syncs) + len(p.lists) + len(p.ships) + len(p.products)
}

func (p *erpPeers) SyncStock(ctx context.Context, req *inventoryv1.SyncStockRequest) (*inventoryv1.SyncStockResponse, error) {
	p.record(ctx, func() { p.syncs = append(p.syncs, req) })
	if req.GetWarehouseId() == foreignWarehouse {
		return nil, grpcerr.Error(apperr.NotFound("warehouse", req.GetWarehouseId()))
	}
	resp := &inventoryv1.SyncStockResponse{}
	for _, l := range req.GetLines() {
		r := &inventoryv1.SyncLineResult{SkuCode: l.GetSkuCode(), Status: inventoryv1.SyncLineStatus_SYNC_LINE_STATUS_APPLIED, SkuId: "sku-" + l.GetSkuCode()}
		if l.GetSkuCode() == "UNKNOWN" {
			r.Status, r.SkuId, r.Message = inventoryv1.SyncLineStatus_SYNC_LINE_STATUS_REJECTED, "", "unknown SKU code"
		}
		resp.Results = append(resp.Results, r)
	}
	return resp, nil
}

// subOrder is the supplier's one sub-order as orders answers it.
func subOrder(supplier string, status ordersv1.SubOrderStatus, parcel *ordersv1.Parcel) *ordersv1.SubOrder {
	at := timestamppb.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	sub := &ordersv1.SubOrder{SubOrderId: shippable, OrderId: "0193a000-0000-7000-8000-000000000001", SupplierId: supplier,
		BuyerId: "buyer-internal", Type: ordersv1.ProductType_PRODUCT_TYPE_PHYSICAL, Status: status,
		Lines: []*ordersv1.OrderLine{
			{SkuId: skuA, ProductId: productA, Quantity: 2, UnitPrice: money("EUR", 1000), LineTotal: money("EUR", 2000)},
			{SkuId: "sku-gone", ProductId: "0193a000-0000-7000-8000-00000000dead", Quantity: 1, UnitPrice: money("EUR", 500), LineTotal: money("EUR", 500)},
		},
		Goods: money("EUR", 2500), Freight: money("EUR", 700), Channel: "partner:dh", PaidAt: at,
		Address: &commonv1.Address{Recipient: "Ana", CountryCode: "PT", City: "Lisboa", Lines: []string{"Praça do Comércio 1"}}}
	if parcel != nil {
		sub.Parcel, sub.ShippedAt = parcel, at
	}
	return sub
}

func (p *erpPeers) ListSupplierSubOrders(ctx context.Context, req *ordersv1.ListSupplierSubOrdersRequest) (*ordersv1.ListSupplierSubOrdersResponse, error) {
	p.record(ctx, func() { p.lists = append(p.lists, req) })
	return &ordersv1.ListSupplierSubOrdersResponse{
		SubOrders: []*ordersv1.SubOrder{subOrder(req.GetSupplierId(), ordersv1.SubOrderStatus_SUB_ORDER_STATUS_AWAITING_TOP_UP,
			&ordersv1.Parcel{ShipmentId: uuid.NewString(), Waybill: "WB-OLD", CarrierCode: "sf", MethodId: "m-old"})},
		Page: &commonv1.PageResponse{NextPageToken: "next-page"},
	}, nil
}

func (p *erpPeers) ShipSubOrder(ctx context.Context, req *ordersv1.ShipSubOrderRequest) (*ordersv1.ShipSubOrderResponse, error) {
	p.record(ctx, func() { p.ships = append(p.ships, req) })
	if req.GetSubOrderId() != shippable {
		return nil, grpcerr.Error(apperr.NotFound("sub-order", req.GetSubOrderId()))
	}
	return &ordersv1.ShipSubOrderResponse{SubOrder: subOrder(req.GetSupplierOrgId(), ordersv1.SubOrderStatus_SUB_ORDER_STATUS_SHIPPED,
		&ordersv1.Parcel{ShipmentId: uuid.NewString(), Waybill: "WB-1", CarrierCode: "sf", MethodId: req.GetMethodId()})}, nil
}

func (p *erpPeers) RecordExternalShipment(ctx context.Context, req *ordersv1.RecordExternalShipmentRequest) (*ordersv1.RecordExternalShipmentResponse, error) {
	p.record(ctx, func() { p.external = append(p.external, req) })
	if req.GetSubOrderId() != shippable {
		return nil, grpcerr.Error(apperr.NotFound("sub-order", req.GetSubOrderId()))
	}
	return &ordersv1.RecordExternalShipmentResponse{SubOrder: subOrder(req.GetSupplierOrgId(), ordersv1.SubOrderStatus_SUB_ORDER_STATUS_SHIPPED,
		&ordersv1.Parcel{Waybill: req.GetWaybill(), CarrierCode: req.GetCarrierCode(), External: true})}, nil
}

func (p *erpPeers) GetProduct(ctx context.Context, req *catalogv1.GetProductRequest) (*catalogv1.GetProductResponse, error) {
	p.record(ctx, func() { p.products = append(p.products, req.GetProductId()) })
	if req.GetProductId() != productA {
		return nil, grpcerr.Error(apperr.NotFound("product", req.GetProductId()))
	}
	return &catalogv1.GetProductResponse{Product: &catalogv1.Product{ProductId: productA,
		Live: &catalogv1.Revision{Content: &catalogv1.ProductContent{Skus: []*catalogv1.SkuContent{{SkuId: skuA, SkuCode: "A-1"}}}}}}, nil
}

// erp is a supplier's ERP API client.
type erp struct {
	clientID string
	org      string
	key      ed25519.PrivateKey
}

// addERP registers an ERP API client of org with users.
func (f *fixture) addERP(t *testing.T, org string) erp {
	t.Helper()
	e := erp{clientID: "erp-" + uuid.NewString()[:8], org: org, key: newKey(t)}
	f.users.mu.Lock()
	defer f.users.mu.Unlock()
	f.users.clients[e.clientID] = &usersv1.GetApiClientKeysResponse{
		Client: &usersv1.ApiClient{ClientId: e.clientID, Kind: usersv1.ApiClientKind_API_CLIENT_KIND_ERP, OrganizationId: org},
		Keys:   []*usersv1.SigningKey{{PublicKey: e.key.Public().(ed25519.PublicKey)}},
	}
	return e
}

func (f *fixture) asERP(t *testing.T, e erp) partnerv1.PartnerServiceClient {
	t.Helper()
	return partnerv1.NewPartnerServiceClient(f.asPartner(t, e.clientID, e.key))
}

// An ERP's signed calls reach inventory and orders as docking's own, with
// the ERP's supplier named whatever the request says, and come back as
// PartnerService's messages.
func TestERPCallsReachTheOwnersForItsSupplier(t *testing.T) {
	f := newFixture(t)
	org := uuid.NewString()
	client := f.asERP(t, f.addERP(t, org))
	ctx := context.Background()
	warehouse := uuid.NewString()

	t.Run("push stock", func(t *testing.T) {
		counted := timestamppb.New(time.Date(2026, 12, 5, 9, 30, 0, 0, time.UTC))
		resp, err := client.PushStock(ctx, &partnerv1.PushStockRequest{SyncId: "count-1", WarehouseId: warehouse, CountedAt: counted,
			Lines: []*partnerv1.StockLevel{{SkuCode: "A-1", Quantity: 7}, {SkuCode: "UNKNOWN", Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		want := &inventoryv1.SyncStockRequest{SyncId: "count-1", WarehouseId: warehouse, SupplierOrgId: org, CountedAt: counted,
			Lines: []*inventoryv1.SyncLine{{SkuCode: "A-1", OnHand: 7}, {SkuCode: "UNKNOWN", OnHand: 1}}}
		if got := f.erp.syncs; len(got) != 1 || !proto.Equal(got[0], want) {
			t.Errorf("inventory got %v, want %v", got, want)
		}
		wantResults := []*partnerv1.StockLineResult{
			{SkuCode: "A-1", Status: partnerv1.StockLineStatus_STOCK_LINE_STATUS_APPLIED, SkuId: "sku-A-1"},
			{SkuCode: "UNKNOWN", Status: partnerv1.StockLineStatus_STOCK_LINE_STATUS_REJECTED, Message: "unknown SKU code"},
		}
		if !slices.EqualFunc(resp.GetResults(), wantResults, func(a, b *partnerv1.StockLineResult) bool { return proto.Equal(a, b) }) {
			t.Errorf("results = %v", resp.GetResults())
		}
		// Another supplier's warehouse is inventory's NotFound, passed on.
		_, err = client.PushStock(ctx, &partnerv1.PushStockRequest{SyncId: "count-2", WarehouseId: foreignWarehouse,
			Lines: []*partnerv1.StockLevel{{SkuCode: "A-1", Quantity: 7}}})
		wantError(t, err, apperr.KindNotFound, "")
	})

	t.Run("list sub-orders", func(t *testing.T) {
		resp, err := client.ListMySubOrders(ctx, &partnerv1.ListMySubOrdersRequest{
			Statuses: []partnerv1.SubOrderStatus{partnerv1.SubOrderStatus_SUB_ORDER_STATUS_DELIVERED},
			Page:     &commonv1.PageRequest{PageSize: 20, PageToken: "page-2"}})
		if err != nil {
			t.Fatal(err)
		}
		got := f.erp.lists
		if len(got) != 1 || got[0].GetSupplierId() != org || got[0].GetPage().GetPageSize() != 20 || got[0].GetPage().GetPageToken() != "page-2" {
			t.Fatalf("orders got %v", got)
		}
		// Delivered is orders' delivered and awaiting top-up: both are at
		// the buyer as far as the supplier is concerned.
		statuses := slices.Clone(got[0].GetStatuses())
		slices.Sort(statuses)
		if !slices.Equal(statuses, []ordersv1.SubOrderStatus{ordersv1.SubOrderStatus_SUB_ORDER_STATUS_DELIVERED,
			ordersv1.SubOrderStatus_SUB_ORDER_STATUS_AWAITING_TOP_UP}) {
			t.Errorf("statuses asked = %v", statuses)
		}
		if resp.GetPage().GetNextPageToken() != "next-page" || len(resp.GetSubOrders()) != 1 {
			t.Fatalf("answer = %v", resp)
		}
		sub := resp.GetSubOrders()[0]
		if sub.GetSubOrderId() != shippable || sub.GetStatus() != partnerv1.SubOrderStatus_SUB_ORDER_STATUS_DELIVERED ||
			sub.GetGoodsType() != partnerv1.GoodsType_GOODS_TYPE_PHYSICAL || sub.GetChannel() != "partner:dh" ||
			sub.GetGoods().GetAmountMinor() != 2500 || sub.GetAddress().GetCity() != "Lisboa" || sub.GetPaidAt() == nil ||
			sub.GetShipment().GetWaybill() != "WB-OLD" || sub.GetShipment().GetShippedAt() == nil {
			t.Errorf("sub-order = %v", sub)
		}
		lines := sub.GetLines()
		if len(lines) != 2 || lines[0].GetSkuId() != skuA || lines[0].GetSkuCode() != "A-1" || lines[0].GetQuantity() != 2 ||
			lines[0].GetLineTotal().GetAmountMinor() != 2000 || lines[1].GetSkuCode() != "" || lines[1].GetSkuId() != "sku-gone" {
			t.Errorf("lines = %v", lines)
		}
	})

	t.Run("confirm a shipment", func(t *testing.T) {
		method := uuid.NewString()
		req := &partnerv1.ConfirmSubOrderShipmentRequest{SubOrderId: shippable, MethodId: method, From: shipFrom}
		for range 2 { // a retry is the owner's to answer the same
			resp, err := client.ConfirmSubOrderShipment(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			sub := resp.GetSubOrder()
			if sub.GetStatus() != partnerv1.SubOrderStatus_SUB_ORDER_STATUS_SHIPPED || sub.GetShipment().GetWaybill() != "WB-1" ||
				sub.GetShipment().GetMethodId() != method || sub.GetLines()[0].GetSkuCode() != "A-1" {
				t.Errorf("shipped = %v", sub)
			}
		}
		want := &ordersv1.ShipSubOrderRequest{SubOrderId: shippable, MethodId: method, From: shipFrom, SupplierOrgId: org}
		if got := f.erp.ships; len(got) != 2 || !proto.Equal(got[0], want) || !proto.Equal(got[1], want) {
			t.Errorf("orders got %v, want %v twice", got, want)
		}
		// Another supplier's sub-order is orders' NotFound, passed on.
		_, err := client.ConfirmSubOrderShipment(ctx, &partnerv1.ConfirmSubOrderShipmentRequest{SubOrderId: uuid.NewString(),
			MethodId: method, From: shipFrom})
		wantError(t, err, apperr.KindNotFound, "")
	})

	t.Run("confirm a parcel of the supplier's own carrier", func(t *testing.T) {
		parcel := &partnerv1.ExternalParcel{CarrierCode: "YTO", Waybill: "YT7000000042"}
		_, err := client.ConfirmSubOrderShipment(ctx, &partnerv1.ConfirmSubOrderShipmentRequest{SubOrderId: shippable,
			MethodId: uuid.NewString(), From: shipFrom, External: parcel})
		wantError(t, err, apperr.KindInvalid, "")
		if len(f.erp.external) != 0 {
			t.Fatalf("a parcel given both ways was forwarded: %v", f.erp.external)
		}
		resp, err := client.ConfirmSubOrderShipment(ctx, &partnerv1.ConfirmSubOrderShipmentRequest{SubOrderId: shippable, External: parcel})
		if err != nil {
			t.Fatal(err)
		}
		if sub := resp.GetSubOrder(); sub.GetStatus() != partnerv1.SubOrderStatus_SUB_ORDER_STATUS_SHIPPED || sub.GetShipment().GetWaybill() != "YT7000000042" ||
			sub.GetShipment().GetCarrierCode() != "YTO" || sub.GetLines()[0].GetSkuCode() != "A-1" {
			t.Errorf("shipped = %v", sub)
		}
		want := &ordersv1.RecordExternalShipmentRequest{SubOrderId: shippable, CarrierCode: "YTO", Waybill: "YT7000000042", SupplierOrgId: org}
		if got := f.erp.external; len(got) != 1 || !proto.Equal(got[0], want) {
			t.Errorf("orders got %v, want %v", got, want)
		}
	})

	if f.erp.signed != 0 {
		t.Errorf("%d requests reached a peer with the ERP's signature", f.erp.signed)
	}
}

// Only an ERP with a supplier reaches the owners: a partner's client, a
// bearer token of anyone, an ERP tied to no organization, bad input and
// every signature pkg/auth refuses forward nothing.
func TestERPCallsRefused(t *testing.T) {
	f := newFixture(t)
	client := partnerv1.NewPartnerServiceClient(dial(t, f.addr))
	ok := f.addERP(t, uuid.NewString())
	orphan := f.addERP(t, "")
	partner := f.startPartner(t, "dh", nil)
	push := &partnerv1.PushStockRequest{SyncId: "s", WarehouseId: uuid.NewString(), Lines: []*partnerv1.StockLevel{{SkuCode: "A-1", Quantity: 1}}}
	method := partnerv1.PartnerService_PushStock_FullMethodName
	replayed := rawSigned(ok.clientID, ok.key, method, time.Now(), auth.NewNonce(), push)
	if _, err := client.PushStock(replayed, push); err != nil {
		t.Fatalf("first use of the nonce: %v", err)
	}
	before := f.erp.forwarded()
	service := auth.Caller{Subject: "svc-orders", Kind: auth.KindService, Roles: []string{auth.RoleService}}
	erpClaim := auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleERP}, OrganizationID: ok.org}

	calls := map[string]func(partnerv1.PartnerServiceClient, context.Context) error{
		"push stock": func(c partnerv1.PartnerServiceClient, ctx context.Context) error {
			_, err := c.PushStock(ctx, push)
			return err
		},
		"list sub-orders": func(c partnerv1.PartnerServiceClient, ctx context.Context) error {
			_, err := c.ListMySubOrders(ctx, &partnerv1.ListMySubOrdersRequest{})
			return err
		},
		"confirm a shipment": func(c partnerv1.PartnerServiceClient, ctx context.Context) error {
			_, err := c.ConfirmSubOrderShipment(ctx, &partnerv1.ConfirmSubOrderShipmentRequest{SubOrderId: shippable,
				MethodId: uuid.NewString(), From: shipFrom})
			return err
		},
	}
	callers := []struct {
		name   string
		client partnerv1.PartnerServiceClient
		ctx    func(t *testing.T) context.Context
		kind   apperr.Kind
		reason string
	}{
		{"a partner's signed client", partnerv1.NewPartnerServiceClient(f.asPartner(t, partner.clientID, partner.key)),
			func(*testing.T) context.Context { return context.Background() }, apperr.KindPermissionDenied, "ERPS_ONLY"},
		{"an ERP tied to no supplier", f.asERP(t, orphan),
			func(*testing.T) context.Context { return context.Background() }, apperr.KindPermissionDenied, "NO_ORGANIZATION"},
		{"a supplier's token", client, func(t *testing.T) context.Context { return testkitAs(t, f, supplier) }, apperr.KindPermissionDenied, "ERPS_ONLY"},
		{"an admin's token", client, func(t *testing.T) context.Context { return testkitAs(t, f, admin) }, apperr.KindPermissionDenied, "ERPS_ONLY"},
		{"a service's token", client, func(t *testing.T) context.Context { return testkitAs(t, f, service) }, apperr.KindPermissionDenied, "ERPS_ONLY"},
		{"a token claiming the ERP role", client, func(t *testing.T) context.Context { return testkitAs(t, f, erpClaim) },
			apperr.KindPermissionDenied, "ERPS_ONLY"},
	}
	for _, c := range callers {
		for name, call := range calls {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				wantError(t, call(c.client, c.ctx(t)), c.kind, c.reason)
			})
		}
	}
	for name, ctx := range map[string]context.Context{
		"signed by another key":     rawSigned(ok.clientID, newKey(t), method, time.Now(), auth.NewNonce(), push),
		"stale timestamp":           rawSigned(ok.clientID, ok.key, method, time.Now().Add(-10*time.Minute), auth.NewNonce(), push),
		"replayed nonce":            replayed,
		"signed for another method": rawSigned(ok.clientID, ok.key, partnerv1.PartnerService_GetMyPartner_FullMethodName, time.Now(), auth.NewNonce(), push),
		"another body":              rawSigned(ok.clientID, ok.key, method, time.Now(), auth.NewNonce(), &partnerv1.PushStockRequest{SyncId: "other"}),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := client.PushStock(ctx, push)
			wantError(t, err, apperr.KindUnauthenticated, "")
		})
	}
	erpClient := f.asERP(t, ok)
	for name, call := range map[string]func() error{
		"a warehouse id that is no UUID": func() error {
			_, err := erpClient.PushStock(context.Background(), &partnerv1.PushStockRequest{SyncId: "s", WarehouseId: "w-1"})
			return err
		},
		"no sub-order": func() error {
			_, err := erpClient.ConfirmSubOrderShipment(context.Background(), &partnerv1.ConfirmSubOrderShipmentRequest{MethodId: uuid.NewString()})
			return err
		},
		"no method": func() error {
			_, err := erpClient.ConfirmSubOrderShipment(context.Background(), &partnerv1.ConfirmSubOrderShipmentRequest{SubOrderId: shippable})
			return err
		},
		"an unknown status": func() error {
			_, err := erpClient.ListMySubOrders(context.Background(), &partnerv1.ListMySubOrdersRequest{Statuses: []partnerv1.SubOrderStatus{99}})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) { wantError(t, call(), apperr.KindInvalid, "") })
	}
	if n := f.erp.forwarded(); n != before {
		t.Errorf("%d refused calls reached a peer", n-before)
	}
}
