package domain

import (
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// PurchaseOrderStatus is where a purchase order is.
type PurchaseOrderStatus string

// A purchase order is open until something arrives, partially received until
// everything has, and received then; cancelling ends it with what arrived.
const (
	POOpen              PurchaseOrderStatus = "open"
	POPartiallyReceived PurchaseOrderStatus = "partially_received"
	POReceived          PurchaseOrderStatus = "received"
	POCancelled         PurchaseOrderStatus = "cancelled"
)

// Purchase order errors.
var (
	ErrPurchaseOrderClosed = apperr.FailedPrecondition("the purchase order is closed: fully received or cancelled").
				WithReason("PURCHASE_ORDER_CLOSED")
	ErrPurchaseOrderReceived = apperr.FailedPrecondition("the purchase order is fully received; nothing is left to cancel").
					WithReason("PURCHASE_ORDER_RECEIVED")
)

// POLine is one SKU of a purchase order.
type POLine struct {
	SKUID    uuid.UUID
	Ordered  int64
	Received int64
}

// PurchaseOrder is inbound stock expected at a warehouse.
type PurchaseOrder struct {
	ID          uuid.UUID
	WarehouseID uuid.UUID
	// SupplierID is the warehouse's supplier; uuid.Nil for a central warehouse.
	SupplierID   uuid.UUID
	Status       PurchaseOrderStatus
	Lines        []POLine
	Reference    string
	CreatedBy    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	CancelReason string
}

// CheckPurchaseOrder validates a new purchase order's lines
// ("lines[i].sku_id", "lines[i].quantity"; a SKU once) and reference, and
// returns the trimmed reference.
func CheckPurchaseOrder(lines []OrderLine, reference string) (string, error) {
	var v violations
	v.Merge(checkDistinctLines("lines", lines))
	reference = apperr.CheckText(&v, "reference", reference, 0, 100)
	return reference, v.Err()
}

// NewPurchaseOrder validates the order (see CheckPurchaseOrder) and returns
// it open at the warehouse.
func NewPurchaseOrder(w Warehouse, lines []OrderLine, reference, actor string, now time.Time) (PurchaseOrder, error) {
	reference, err := CheckPurchaseOrder(lines, reference)
	if err != nil {
		return PurchaseOrder{}, err
	}
	po := PurchaseOrder{
		ID: uuid.Must(uuid.NewV7()), WarehouseID: w.ID, SupplierID: w.SupplierID, Status: POOpen,
		Reference: reference, CreatedBy: actor, CreatedAt: now, UpdatedAt: now,
	}
	for _, l := range lines {
		po.Lines = append(po.Lines, POLine{SKUID: l.SKUID, Ordered: l.Quantity})
	}
	return po, nil
}

// CheckReceiptLines validates the shape of received lines: SKUs once,
// quantities positive.
func CheckReceiptLines(lines []OrderLine) error { return checkDistinctLines("lines", lines) }

func checkDistinctLines(field string, lines []OrderLine) error {
	var v violations
	switch {
	case len(lines) == 0:
		v.Add(field, "at least one line is required")
	case len(lines) > MaxOrderLines:
		v.Add(field, "at most "+strconv.Itoa(MaxOrderLines)+" lines")
	}
	seen := map[uuid.UUID]bool{}
	for i, l := range lines {
		switch {
		case l.SKUID == uuid.Nil:
			v.Add(apperr.Index(field, i, "sku_id"), "is required")
		case seen[l.SKUID]:
			v.Add(apperr.Index(field, i, "sku_id"), "appears on another line")
		}
		seen[l.SKUID] = true
		checkQuantity(&v, apperr.Index(field, i, "quantity"), l.Quantity)
	}
	return v.Err()
}

// Receive books received quantities (lines from CheckReceiptLines). Each SKU
// must be on the order and may not exceed what is still expected.
func (p *PurchaseOrder) Receive(lines []OrderLine, now time.Time) error {
	if p.Status == POReceived || p.Status == POCancelled {
		return ErrPurchaseOrderClosed
	}
	var v violations
	idx := map[uuid.UUID]int{}
	for i, l := range p.Lines {
		idx[l.SKUID] = i
	}
	for i, l := range lines {
		j, ok := idx[l.SKUID]
		if !ok {
			v.Add(apperr.Index("lines", i, "sku_id"), "is not on the purchase order")
			continue
		}
		if left := p.Lines[j].Ordered - p.Lines[j].Received; l.Quantity > left {
			v.Add(apperr.Index("lines", i, "quantity"), "exceeds the "+strconv.FormatInt(left, 10)+" units still expected")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	for _, l := range lines {
		p.Lines[idx[l.SKUID]].Received += l.Quantity
	}
	p.Status = POReceived
	for _, l := range p.Lines {
		if l.Received < l.Ordered {
			p.Status = POPartiallyReceived
			break
		}
	}
	p.UpdatedAt = now
	return nil
}

// Cancel cancels what is not received yet; changed is false when it already
// was cancelled.
func (p *PurchaseOrder) Cancel(reason string, now time.Time) (changed bool, err error) {
	switch p.Status {
	case POCancelled:
		return false, nil
	case POReceived:
		return false, ErrPurchaseOrderReceived
	}
	p.Status, p.CancelReason, p.UpdatedAt = POCancelled, reason, now
	return true, nil
}
