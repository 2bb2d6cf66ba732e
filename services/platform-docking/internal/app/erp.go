package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// ERP authorization errors: PartnerService is one edge for partner platforms
// and supplier ERPs, and a partner's signature must not reach a supplier's
// stock or sub-orders.
var (
	ErrERPsOnly = apperr.PermissionDenied("this method is for supplier ERPs' signed calls").WithReason("ERPS_ONLY")
	ErrERPNoOrg = apperr.PermissionDenied("this ERP client is tied to no supplier organization").WithReason("NO_ORGANIZATION")
)

// RequireERP lets through a supplier's ERP client authenticated by its
// request signature, and returns the supplier it acts for: the only
// supplier docking will name to the owning services on its behalf. The
// ERP methods check it themselves; the gRPC edge checks it before reading
// a request too, so that a caller who may not call a method learns that
// rather than what is wrong with its request.
func RequireERP(c auth.Caller) (uuid.UUID, error) {
	if !c.IsERP() || c.Subject == "" {
		return uuid.Nil, ErrERPsOnly
	}
	org, err := uuid.Parse(c.OrganizationID)
	if err != nil || org == uuid.Nil {
		return uuid.Nil, ErrERPNoOrg
	}
	return org, nil
}

// Inventory sets a supplier's stock levels for its ERP.
type Inventory interface {
	// SyncStock sets absolute on-hand levels in one of the supplier's
	// warehouses, as docking relaying for supplier; idempotent on the
	// sync id within the warehouse.
	SyncStock(ctx context.Context, supplier uuid.UUID, in StockSync) ([]StockLineResult, error)
}

// StockSync is an ERP's count of one warehouse.
type StockSync struct {
	SyncID      string
	WarehouseID uuid.UUID
	Lines       []StockLevel
	// CountedAt is when the ERP counted the levels; zero is now (inventory
	// applies a count as of when it was taken).
	CountedAt time.Time
}

// StockLevel is the on-hand level counted for a SKU code.
type StockLevel struct {
	SKUCode string
	OnHand  int64
}

// StockLineStatus is what became of one level pushed.
type StockLineStatus string

// Stock line statuses.
const (
	StockApplied   StockLineStatus = "applied"
	StockUnchanged StockLineStatus = "unchanged"
	StockRejected  StockLineStatus = "rejected"
)

// StockLineResult is one line's result.
type StockLineResult struct {
	SKUCode string
	Status  StockLineStatus
	SKUID   string
	Message string
}

// SupplierOrders reads and ships a supplier's sub-orders for its ERP.
type SupplierOrders interface {
	// SupplierSubOrders returns a page of the supplier's paid sub-orders,
	// newest first, in the statuses given (none: all).
	SupplierSubOrders(ctx context.Context, supplier uuid.UUID, statuses []SubOrderStatus, size int, page string) ([]SupplierSubOrder, string, error)
	// ShipSubOrder books the parcel of one of the supplier's sub-orders
	// and marks it shipped; a retry answers the same shipment. Another
	// supplier's sub-order is an apperr NotFound error.
	ShipSubOrder(ctx context.Context, supplier uuid.UUID, in ShipmentInput) (SupplierSubOrder, error)
	SupplyShipments
}

// SubOrderStatus is where a supplier's sub-order is, as its ERP sees it.
type SubOrderStatus string

// Sub-order statuses an ERP sees.
const (
	SubOrderPaid      SubOrderStatus = "paid"
	SubOrderAccepted  SubOrderStatus = "accepted"
	SubOrderShipped   SubOrderStatus = "shipped"
	SubOrderDelivered SubOrderStatus = "delivered"
	SubOrderCompleted SubOrderStatus = "completed"
	SubOrderCancelled SubOrderStatus = "cancelled"
)

// SupplierSubOrder is a supplier's sub-order as its ERP sees it.
type SupplierSubOrder struct {
	ID       uuid.UUID
	OrderID  uuid.UUID
	Status   SubOrderStatus
	Physical bool
	Lines    []SupplierLine
	Goods    money.Money
	// Address is where physical goods go.
	Address *domain.Address
	Channel string
	PaidAt  *time.Time
	// Shipment is set once shipped.
	Shipment *Shipment
}

// SupplierLine is one SKU of a sub-order.
type SupplierLine struct {
	SKUID     string
	ProductID string
	// SKUCode is the supplier's own code, from the catalogue; empty when
	// the product is gone.
	SKUCode   string
	Quantity  int32
	UnitPrice money.Money
	LineTotal money.Money
}

// Shipment is a shipped sub-order's parcel.
type Shipment struct {
	Waybill     string
	CarrierCode string
	MethodID    string
	ShippedAt   *time.Time
}

// ShipmentInput books one sub-order's parcel.
type ShipmentInput struct {
	SubOrderID uuid.UUID
	MethodID   uuid.UUID
	From       domain.Address
	// External is a parcel the supplier booked with its own carrier,
	// instead of a method and a pick-up address.
	External *ExternalParcel
}

// ExternalParcel is a parcel booked outside our logistics.
type ExternalParcel struct {
	CarrierCode, Waybill string
}

// ERP serves supplier ERPs' signed calls to PartnerService by relaying them
// to the services that own stock and sub-orders, as docking's service
// account naming the ERP's supplier: those services check that the
// warehouse or sub-order is that supplier's, so an ERP can reach nothing of
// another supplier's whatever ids it sends. Docking stores nothing of these
// calls; their idempotency is the owning services'.
type ERP struct {
	inventory Inventory
	orders    SupplierOrders
	// catalog gives the lines their SKU codes: ERPs know SKUs by their
	// own codes, orders by ids only.
	catalog Catalog
}

// NewERP returns the ERP calls over the owning services.
func NewERP(inventory Inventory, orders SupplierOrders, catalog Catalog) *ERP {
	return &ERP{inventory: inventory, orders: orders, catalog: catalog}
}

// PushStock sets the on-hand levels an ERP counted in one of its supplier's
// warehouses.
func (e *ERP) PushStock(ctx context.Context, c auth.Caller, in StockSync) ([]StockLineResult, error) {
	org, err := RequireERP(c)
	if err != nil {
		return nil, err
	}
	return e.inventory.SyncStock(ctx, org, in)
}

// MySubOrders lists a page of the ERP's supplier's paid sub-orders.
func (e *ERP) MySubOrders(ctx context.Context, c auth.Caller, statuses []SubOrderStatus, size int, page string) ([]SupplierSubOrder, string, error) {
	org, err := RequireERP(c)
	if err != nil {
		return nil, "", err
	}
	subs, next, err := e.orders.SupplierSubOrders(ctx, org, statuses, size, page)
	if err != nil {
		return nil, "", err
	}
	if err := e.withCodes(ctx, subs); err != nil {
		return nil, "", err
	}
	return subs, next, nil
}

// ConfirmShipment books a sub-order's parcel for the ERP's supplier, or
// records the parcel it booked with its own carrier, and answers the
// sub-order shipped, with its waybill.
func (e *ERP) ConfirmShipment(ctx context.Context, c auth.Caller, in ShipmentInput) (SupplierSubOrder, error) {
	org, err := RequireERP(c)
	if err != nil {
		return SupplierSubOrder{}, err
	}
	var v apperr.Violations
	if in.SubOrderID == uuid.Nil {
		v.Add("sub_order_id", "is required")
	}
	switch {
	case in.External != nil && (in.MethodID != uuid.Nil || !in.From.IsZero()):
		v.Add("external", "is instead of method_id and from: give one or the other")
	case in.External == nil && in.MethodID == uuid.Nil:
		v.Add("method_id", "is required: a shipping method of logistics (or external, a parcel of your own carrier)")
	}
	if err := v.Err(); err != nil {
		return SupplierSubOrder{}, err
	}
	var sub SupplierSubOrder
	if in.External != nil {
		sub, err = e.orders.RecordExternalShipment(ctx, org, in.SubOrderID, in.External.CarrierCode, in.External.Waybill)
	} else {
		sub, err = e.orders.ShipSubOrder(ctx, org, in)
	}
	if err != nil {
		return SupplierSubOrder{}, err
	}
	subs := []SupplierSubOrder{sub}
	if err := e.withCodes(ctx, subs); err != nil {
		return SupplierSubOrder{}, err
	}
	return subs[0], nil
}

// withCodes fills the lines' SKU codes from the catalogue, one read per
// product. A product the catalogue no longer has leaves its codes empty;
// any other failure fails the call, which the ERP may retry.
func (e *ERP) withCodes(ctx context.Context, subs []SupplierSubOrder) error {
	if e.catalog == nil {
		return nil
	}
	codes := map[string]map[string]string{} // product → SKU → code
	for i := range subs {
		for j := range subs[i].Lines {
			l := &subs[i].Lines[j]
			byProduct, ok := codes[l.ProductID]
			if !ok {
				byProduct = map[string]string{}
				if id, err := uuid.Parse(l.ProductID); err == nil {
					p, err := e.catalog.Product(ctx, id)
					switch {
					case apperr.KindOf(err) == apperr.KindNotFound:
					case err != nil:
						return err
					default:
						byProduct = p.SKUCodes
					}
				}
				codes[l.ProductID] = byProduct
			}
			l.SKUCode = byProduct[l.SKUID]
		}
	}
	return nil
}
