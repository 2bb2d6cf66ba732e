package grpcapi

import (
	"strconv"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// ids reads UUID fields, collecting a violation per bad one, so a request
// with several bad fields learns of all of them at once.
type ids struct{ v []apperr.FieldViolation }

// required reads a required UUID field.
func (p *ids) required(field, raw string) uuid.UUID {
	if raw == "" {
		p.v = append(p.v, apperr.FieldViolation{Field: field, Description: "is required"})
		return uuid.Nil
	}
	return p.optional(field, raw)
}

// optional reads a UUID field that may be empty.
func (p *ids) optional(field, raw string) uuid.UUID {
	if raw == "" {
		return uuid.Nil
	}
	id, err := uuid.Parse(raw)
	if err != nil || id == uuid.Nil {
		p.v = append(p.v, apperr.FieldViolation{Field: field, Description: "must be a UUID"})
		return uuid.Nil
	}
	return id
}

// err returns the violations as one InvalidArgument error, or nil.
func (p *ids) err() error {
	if len(p.v) == 0 {
		return nil
	}
	return apperr.Invalid(p.v...)
}

// orderLines reads order lines. An empty SKU id is left for the use case to
// report with the lines' other problems; a malformed one is a violation here.
func (p *ids) orderLines(lines []*inventoryv1.OrderLine) []domain.OrderLine {
	out := make([]domain.OrderLine, len(lines))
	for i, l := range lines {
		out[i] = domain.OrderLine{SKUID: p.optional("lines["+strconv.Itoa(i)+"].sku_id", l.GetSkuId()), Quantity: l.GetQuantity()}
	}
	return out
}

func page(p *commonv1.PageRequest) app.Page {
	return app.Page{Size: int(p.GetPageSize()), Token: p.GetPageToken()}
}

var warehouseKinds = map[domain.WarehouseKind]inventoryv1.WarehouseKind{
	domain.WarehouseSupplier: inventoryv1.WarehouseKind_WAREHOUSE_KIND_SUPPLIER,
	domain.WarehouseCentral:  inventoryv1.WarehouseKind_WAREHOUSE_KIND_CENTRAL,
}

func warehouseKind(k inventoryv1.WarehouseKind) domain.WarehouseKind {
	for d, p := range warehouseKinds {
		if p == k {
			return d
		}
	}
	return "" // rejected by the use case on field "kind"
}

func optionalID(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

func warehouseProto(w domain.Warehouse) *inventoryv1.Warehouse {
	return &inventoryv1.Warehouse{
		WarehouseId: w.ID.String(), Name: w.Name, Kind: warehouseKinds[w.Kind], SupplierId: optionalID(w.SupplierID),
		CountryCode: w.CountryCode, RegionCode: w.RegionCode,
	}
}

func levelProto(l domain.Level) *inventoryv1.StockLevel {
	return &inventoryv1.StockLevel{
		SkuId: l.SKUID.String(), WarehouseId: l.WarehouseID.String(), OnHand: l.OnHand, Reserved: l.Reserved,
		Available: l.Available(), LowStockThreshold: l.LowStockThreshold,
	}
}

func journalProto(m domain.Movement) *inventoryv1.JournalEntry {
	return &inventoryv1.JournalEntry{
		EntryId: m.ID, SkuId: m.After.SKUID.String(), WarehouseId: m.After.WarehouseID.String(), Kind: string(m.Kind),
		OnHandDelta: m.OnHandDelta, ReservedDelta: m.ReservedDelta, OnHand: m.After.OnHand, Reserved: m.After.Reserved,
		ActorId: m.ActorID, Reason: m.Reason, Reference: m.Reference, At: timestamppb.New(m.At),
	}
}

var syncStatuses = map[domain.SyncStatus]inventoryv1.SyncLineStatus{
	domain.SyncApplied:   inventoryv1.SyncLineStatus_SYNC_LINE_STATUS_APPLIED,
	domain.SyncUnchanged: inventoryv1.SyncLineStatus_SYNC_LINE_STATUS_UNCHANGED,
	domain.SyncRejected:  inventoryv1.SyncLineStatus_SYNC_LINE_STATUS_REJECTED,
}

var reservationStatuses = map[domain.ReservationStatus]inventoryv1.ReservationStatus{
	domain.ReservationActive:    inventoryv1.ReservationStatus_RESERVATION_STATUS_ACTIVE,
	domain.ReservationCommitted: inventoryv1.ReservationStatus_RESERVATION_STATUS_COMMITTED,
	domain.ReservationReleased:  inventoryv1.ReservationStatus_RESERVATION_STATUS_RELEASED,
	domain.ReservationExpired:   inventoryv1.ReservationStatus_RESERVATION_STATUS_EXPIRED,
}

func reservationProto(r domain.Reservation) *inventoryv1.Reservation {
	p := &inventoryv1.Reservation{
		ReservationId: r.ID.String(), OrderId: r.OrderID, Status: reservationStatuses[r.Status],
		ExpiresAt: timestamppb.New(r.ExpiresAt), CreatedAt: timestamppb.New(r.CreatedAt),
	}
	for _, l := range r.Lines {
		p.Lines = append(p.Lines, &inventoryv1.ReservationLine{SkuId: l.SKUID.String(), WarehouseId: l.WarehouseID.String(), Quantity: l.Quantity})
	}
	return p
}

var poStatuses = map[domain.PurchaseOrderStatus]inventoryv1.PurchaseOrderStatus{
	domain.POOpen:              inventoryv1.PurchaseOrderStatus_PURCHASE_ORDER_STATUS_OPEN,
	domain.POPartiallyReceived: inventoryv1.PurchaseOrderStatus_PURCHASE_ORDER_STATUS_PARTIALLY_RECEIVED,
	domain.POReceived:          inventoryv1.PurchaseOrderStatus_PURCHASE_ORDER_STATUS_RECEIVED,
	domain.POCancelled:         inventoryv1.PurchaseOrderStatus_PURCHASE_ORDER_STATUS_CANCELLED,
}

func poProto(po domain.PurchaseOrder) *inventoryv1.PurchaseOrder {
	p := &inventoryv1.PurchaseOrder{
		PurchaseOrderId: po.ID.String(), WarehouseId: po.WarehouseID.String(), SupplierId: optionalID(po.SupplierID),
		Status: poStatuses[po.Status], Reference: po.Reference, CreatedAt: timestamppb.New(po.CreatedAt),
	}
	for _, l := range po.Lines {
		p.Lines = append(p.Lines, &inventoryv1.PurchaseOrderLine{SkuId: l.SKUID.String(), Ordered: l.Ordered, Received: l.Received})
	}
	return p
}
