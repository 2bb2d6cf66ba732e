package e2e

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/auth"
)

// A supplier's ERP does its work through docking's PartnerService, the one
// edge partners and ERPs reach: it reads its supplier's paid sub-order with
// the SKU's own code, pushes the stock it counted by that code, and
// confirms the parcel's shipment, which orders books with logistics. Docking
// relays each call naming the ERP's supplier, so another supplier's ERP
// finds neither the sub-order nor the warehouse.
func TestERPThroughPartnerService(t *testing.T) {
	base, offset := apiMesh(t)
	c := newClient(t, base, "127.0.0.71")
	admin, _ := c.login(adminEmail, demoPassword)
	reviewer, _ := c.login(reviewerEmail, demoPassword)
	f := newCatalogFixture(t, c, admin)
	word := strings.ToLower(rand.Text()[:6])
	works := newSeller(t, c, admin, "ERP Works "+word, "CN", "CN-GD", "Shenzhen", "USD")
	rival := newSeller(t, c, admin, "ERP Rival "+word, "CN", "CN-GD", "Shenzhen", "USD")
	lamp := works.offer(t, c, f, reviewer, "PRODUCT_TYPE_PHYSICAL", 1999, 10)

	erpOf := func(s seller) partnerv1.PartnerServiceClient {
		t.Helper()
		created := c.do("POST", "/v1/api-clients", s.Access, map[string]any{
			"name": "ERP of " + s.name, "kind": "API_CLIENT_KIND_ERP", "organizationId": s.OrgID,
		}).must(t, 200, "create the ERP client of "+s.name)
		key, err := auth.ParseRequestPrivateKey(created.str("privateKey"))
		if err != nil {
			t.Fatal(err)
		}
		conn, err := grpc.NewClient(addr(9108, offset), grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithChainUnaryInterceptor(auth.SignedUnaryClientInterceptor(created.str("client", "clientId"), key)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return partnerv1.NewPartnerServiceClient(conn)
	}
	erp, rivalERP := erpOf(works), erpOf(rival)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	buyer := c.signUp("ACCOUNT_TYPE_BUYER", "")
	c.do("POST", "/v1/me/addresses", buyer.Access, address("DE", "DE-BE", "Berlin")).must(t, 200, "the buyer's default address")
	fundWallet(t, c, buyer.Access, "USD", 100_000, "erp-partner-"+word)
	c.do("PUT", "/v1/cart/lines/"+lamp, buyer.Access, map[string]any{"quantity": 2}).must(t, 200, "add to the cart")
	placed := c.do("POST", "/v1/checkouts", buyer.Access, map[string]any{"checkoutId": "erp-partner-" + word, "currency": "USD"}).must(t, 200, "checkout")
	orderID := placed.str("order", "orderId")
	c.do("POST", "/v1/orders/"+orderID+"/pay", buyer.Access, map[string]any{}).must(t, 200, "pay")

	// The ERP lists its supplier's paid sub-orders with the SKUs' codes.
	paid := []partnerv1.SubOrderStatus{partnerv1.SubOrderStatus_SUB_ORDER_STATUS_PAID}
	list, err := erp.ListMySubOrders(ctx, &partnerv1.ListMySubOrdersRequest{Statuses: paid})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(list.GetSubOrders()) != 1 {
		t.Fatalf("the ERP lists %v, want its one paid sub-order", list.GetSubOrders())
	}
	sub := list.GetSubOrders()[0]
	lines := sub.GetLines()
	if sub.GetOrderId() != orderID || sub.GetGoodsType() != partnerv1.GoodsType_GOODS_TYPE_PHYSICAL || sub.GetAddress().GetCountryCode() != "DE" ||
		len(lines) != 1 || lines[0].GetSkuId() != lamp || lines[0].GetQuantity() != 2 || !strings.HasPrefix(lines[0].GetSkuCode(), "OR-") {
		t.Fatalf("sub-order as the ERP sees it: %v", sub)
	}
	if theirs, err := rivalERP.ListMySubOrders(ctx, &partnerv1.ListMySubOrdersRequest{}); err != nil || len(theirs.GetSubOrders()) != 0 {
		t.Fatalf("another supplier's ERP lists %v, %v; want nothing", theirs.GetSubOrders(), err)
	}

	// It pushes the level it counted, by the SKU's code; a retry is
	// answered from the first push.
	code := lines[0].GetSkuCode()
	push := &partnerv1.PushStockRequest{SyncId: "count-" + word, WarehouseId: works.warehouse,
		Lines: []*partnerv1.StockLevel{{SkuCode: code, Quantity: 25}, {SkuCode: "NO-SUCH-" + word, Quantity: 1}}}
	for range 2 {
		pushed, err := erp.PushStock(ctx, push)
		if err != nil {
			t.Fatalf("push: %v", err)
		}
		r := pushed.GetResults()
		if len(r) != 2 || r[0].GetStatus() != partnerv1.StockLineStatus_STOCK_LINE_STATUS_APPLIED || r[0].GetSkuId() != lamp ||
			r[1].GetStatus() != partnerv1.StockLineStatus_STOCK_LINE_STATUS_REJECTED {
			t.Fatalf("push results %v", r)
		}
	}
	if onHand, reserved := stockOf(t, c, works.Access, lamp); onHand != 25 || reserved != 2 {
		t.Errorf("stock after the push: %d on hand, %d reserved; want 25 and 2", onHand, reserved)
	}
	rivalPush := &partnerv1.PushStockRequest{SyncId: "count-" + word, WarehouseId: works.warehouse,
		Lines: []*partnerv1.StockLevel{{SkuCode: code, Quantity: 0}}}
	if _, err := rivalERP.PushStock(ctx, rivalPush); status.Code(err) != codes.NotFound {
		t.Fatalf("another supplier's ERP pushes into this warehouse: %v, want NotFound", err)
	}

	// It confirms the shipment: the parcel is booked and the sub-order
	// shipped with its waybill; a retry answers the same waybill, and
	// another supplier's ERP finds no such sub-order.
	express := methodID(t, c, buyer.Access, "DE", "express")
	ship := &partnerv1.ConfirmSubOrderShipmentRequest{SubOrderId: sub.GetSubOrderId(), MethodId: express,
		From: &commonv1.Address{Recipient: works.name, Phone: "+8613800000000", CountryCode: "CN", RegionCode: "CN-GD", City: "Shenzhen",
			Postcode: "518000", Lines: []string{"Dock 4"}}}
	if _, err := rivalERP.ConfirmSubOrderShipment(ctx, ship); status.Code(err) != codes.NotFound {
		t.Fatalf("another supplier's ERP ships the sub-order: %v, want NotFound", err)
	}
	var waybill string
	for range 2 {
		shipped, err := erp.ConfirmSubOrderShipment(ctx, ship)
		if err != nil {
			t.Fatalf("confirm the shipment: %v", err)
		}
		got := shipped.GetSubOrder()
		if got.GetStatus() != partnerv1.SubOrderStatus_SUB_ORDER_STATUS_SHIPPED || got.GetShipment().GetWaybill() == "" ||
			waybill != "" && got.GetShipment().GetWaybill() != waybill {
			t.Fatalf("shipped: %v (first waybill %q)", got, waybill)
		}
		waybill = got.GetShipment().GetWaybill()
	}
	seen := c.do("GET", "/v1/sub-orders/"+sub.GetSubOrderId(), works.Access, nil).must(t, 200, "the supplier reads its sub-order")
	if seen.str("subOrder", "status") != "SUB_ORDER_STATUS_SHIPPED" || seen.str("subOrder", "parcel", "waybill") != waybill {
		t.Errorf("the supplier sees %s, want shipped with waybill %s", seen.Raw, waybill)
	}
}
