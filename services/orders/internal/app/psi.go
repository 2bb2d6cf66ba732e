package app

import (
	"context"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// MaxPSISalesRows is the most sales rows one purchase–sales–inventory view
// holds (days × channels × currencies): beyond it the caller narrows the
// dates.
const MaxPSISalesRows = 5_000

// Supply reads what inventory knows of a SKU: its purchase orders and its
// stock.
type Supply interface {
	// PurchaseOrders returns the supplier's purchase orders holding the
	// SKU, created on or after since (any time when zero), newest first,
	// each with the SKU's line only; truncated when there were more than
	// one call reads (the oldest are left out).
	PurchaseOrders(ctx context.Context, supplierID, skuID uuid.UUID, since time.Time) (pos []PurchaseOrder, truncated bool, err error)
	// Stock returns the SKU's stock per warehouse now.
	Stock(ctx context.Context, skuID uuid.UUID) ([]StockLevel, error)
}

// PurchaseOrder is a purchase order's line of one SKU.
type PurchaseOrder struct {
	ID, WarehouseID   uuid.UUID
	Status, Reference string
	CreatedAt         time.Time
	Ordered, Received int64
}

// Purchase order statuses as inventory reports them.
const (
	POOpen              = "open"
	POPartiallyReceived = "partially_received"
	POReceived          = "received"
	POCancelled         = "cancelled"
)

// StockLevel is a SKU's stock in one warehouse.
type StockLevel struct {
	WarehouseID                 uuid.UUID
	OnHand, Reserved, Available int64
}

// PSI is one SKU's purchase–sales–inventory view.
type PSI struct {
	SKU                     domain.SKU
	PurchaseOrders          []PurchaseOrder
	PurchaseOrdersTruncated bool
	Sales                   []domain.SalesRow
	Stock                   []StockLevel
	Totals                  PSITotals
}

// PSITotals adds the view up.
type PSITotals struct {
	// Received is what the purchase orders received; Incoming what those
	// not cancelled still expect.
	Received, Incoming          int64
	UnitsSold, UnitsRefunded    int64
	OnHand, Reserved, Available int64
}

// totals adds up the purchase orders, sales and stock of the view.
func (v PSI) totals() PSITotals {
	var t PSITotals
	for _, po := range v.PurchaseOrders {
		t.Received += po.Received
		if po.Status != POCancelled {
			t.Incoming += max(po.Ordered-po.Received, 0)
		}
	}
	for _, r := range v.Sales {
		t.UnitsSold += r.UnitsSold
		t.UnitsRefunded += r.UnitsRefunded
	}
	for _, l := range v.Stock {
		t.OnHand += l.OnHand
		t.Reserved += l.Reserved
		t.Available += l.Available
	}
	return t
}

// PurchaseSalesInventory returns a SKU's purchase orders and sales between
// from and to (inclusive days; zero is open) with its stock now: to members
// of the SKU's supplier and to operators. A SKU of another supplier is not
// found.
func (s *Sales) PurchaseSalesInventory(ctx context.Context, c auth.Caller, skuID uuid.UUID, from, to time.Time) (PSI, error) {
	org, member := c.SupplierOrg()
	if !member && !c.IsAdmin() {
		return PSI{}, ErrSalesReaders
	}
	q := SalesQuery{SKUID: skuID, From: from, To: to, BySKU: true}
	if err := q.check(); err != nil {
		return PSI{}, err
	}
	skus, err := s.catalog.SKUs(ctx, []uuid.UUID{skuID})
	if err != nil {
		return PSI{}, err
	}
	sku, ok := skus[skuID]
	if !ok || (!c.IsAdmin() && sku.SupplierID != org) {
		return PSI{}, apperr.NotFound("sku", skuID.String())
	}
	v := PSI{SKU: sku}
	q.SupplierID = sku.SupplierID
	if v.Sales, err = s.store.ListSales(ctx, q, nil, MaxPSISalesRows+1); err != nil {
		return PSI{}, err
	}
	if len(v.Sales) > MaxPSISalesRows {
		return PSI{}, apperr.FailedPrecondition("more than " + strconv.Itoa(MaxPSISalesRows) + " sales rows: narrow the dates").
			WithReason("RANGE_TOO_LARGE")
	}
	if v.PurchaseOrders, v.PurchaseOrdersTruncated, err = s.supply.PurchaseOrders(ctx, sku.SupplierID, skuID, from); err != nil {
		return PSI{}, err
	}
	if !to.IsZero() {
		v.PurchaseOrders = createdBy(v.PurchaseOrders, to.AddDate(0, 0, 1))
	}
	if v.Stock, err = s.supply.Stock(ctx, skuID); err != nil {
		return PSI{}, err
	}
	v.Totals = v.totals()
	return v, nil
}

// createdBy keeps the purchase orders created before end.
func createdBy(pos []PurchaseOrder, end time.Time) []PurchaseOrder {
	out := pos[:0]
	for _, po := range pos {
		if po.CreatedAt.Before(end) {
			out = append(out, po)
		}
	}
	return out
}
