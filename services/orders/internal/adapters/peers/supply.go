package peers

import (
	"context"
	"time"

	"github.com/google/uuid"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/orders/internal/app"
)

// Supply is app.Supply over inventory's purchase orders and stock.
type Supply struct {
	Client inventoryv1.InventoryServiceClient
}

var _ app.Supply = Supply{}

// Reading purchase orders: inventory lists them newest first across every
// supplier to a service account and filters by neither supplier nor SKU, so
// they are read page by page, up to a bound, and filtered here.
const (
	poPageSize = 200
	poMaxPages = 25
)

var poStatus = map[inventoryv1.PurchaseOrderStatus]string{
	inventoryv1.PurchaseOrderStatus_PURCHASE_ORDER_STATUS_OPEN:               app.POOpen,
	inventoryv1.PurchaseOrderStatus_PURCHASE_ORDER_STATUS_PARTIALLY_RECEIVED: app.POPartiallyReceived,
	inventoryv1.PurchaseOrderStatus_PURCHASE_ORDER_STATUS_RECEIVED:           app.POReceived,
	inventoryv1.PurchaseOrderStatus_PURCHASE_ORDER_STATUS_CANCELLED:          app.POCancelled,
}

// PurchaseOrders returns the supplier's purchase orders holding the SKU,
// created on or after since, newest first.
func (s Supply) PurchaseOrders(ctx context.Context, supplierID, skuID uuid.UUID, since time.Time) ([]app.PurchaseOrder, bool, error) {
	var out []app.PurchaseOrder
	token := ""
	for range poMaxPages {
		resp, err := s.Client.ListPurchaseOrders(ctx, &inventoryv1.ListPurchaseOrdersRequest{
			Page: &commonv1.PageRequest{PageSize: poPageSize, PageToken: token}})
		if err != nil {
			return nil, false, peerError(err)
		}
		for _, po := range resp.GetPurchaseOrders() {
			created := po.GetCreatedAt().AsTime()
			if !since.IsZero() && created.Before(since) {
				return out, false, nil
			}
			if po.GetSupplierId() != supplierID.String() {
				continue
			}
			if line, ok := skuLine(po, skuID); ok {
				id, _ := uuid.Parse(po.GetPurchaseOrderId())
				warehouse, _ := uuid.Parse(po.GetWarehouseId())
				out = append(out, app.PurchaseOrder{ID: id, WarehouseID: warehouse, Status: poStatus[po.GetStatus()],
					Reference: po.GetReference(), CreatedAt: created, Ordered: line.GetOrdered(), Received: line.GetReceived()})
			}
		}
		if token = resp.GetPage().GetNextPageToken(); token == "" {
			return out, false, nil
		}
	}
	return out, true, nil
}

// skuLine is the purchase order's line of the SKU, if it has one.
func skuLine(po *inventoryv1.PurchaseOrder, skuID uuid.UUID) (*inventoryv1.PurchaseOrderLine, bool) {
	for _, l := range po.GetLines() {
		if l.GetSkuId() == skuID.String() {
			return l, true
		}
	}
	return nil, false
}

// Stock returns the SKU's stock per warehouse; a SKU inventory has not
// heard of yet has none.
func (s Supply) Stock(ctx context.Context, skuID uuid.UUID) ([]app.StockLevel, error) {
	resp, err := s.Client.GetStock(ctx, &inventoryv1.GetStockRequest{SkuId: skuID.String()})
	if err = peerError(err); apperr.IsKind(err, apperr.KindNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]app.StockLevel, 0, len(resp.GetLevels()))
	for _, l := range resp.GetLevels() {
		warehouse, _ := uuid.Parse(l.GetWarehouseId())
		out = append(out, app.StockLevel{WarehouseID: warehouse, OnHand: l.GetOnHand(), Reserved: l.GetReserved(), Available: l.GetAvailable()})
	}
	return out, nil
}
