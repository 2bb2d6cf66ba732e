package app

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// CreatePurchaseOrder records inbound stock expected at a warehouse. Every
// SKU must be one the warehouse may stock. The warehouse's owner only. With an
// idempotency key a retry answers the purchase order the first call created.
func (s *Service) CreatePurchaseOrder(ctx context.Context, c auth.Caller, in PurchaseOrderInput) (domain.PurchaseOrder, error) {
	if _, err := domain.CheckPurchaseOrder(in.Lines, in.Reference); err != nil {
		return domain.PurchaseOrder{}, err
	}
	key, err := domain.Text("idempotency_key", in.IdempotencyKey, 128, false)
	if err != nil {
		return domain.PurchaseOrder{}, err
	}
	var po domain.PurchaseOrder
	err = s.store.InTx(ctx, func(r Repository) error {
		w, err := s.ownWarehouse(ctx, r, c, in.WarehouseID)
		if err != nil {
			return err
		}
		now := s.clock()
		fp := idempotency.Fingerprint([]any{in.Lines, in.Reference})
		po, err = createdOnce(ctx, r, "purchase_order:"+w.ID.String(), key, fp, now,
			func() (domain.PurchaseOrder, uuid.UUID, error) {
				po, err := domain.NewPurchaseOrder(w, in.Lines, in.Reference, c.Subject, now)
				if err != nil {
					return po, uuid.Nil, err
				}
				if err := s.checkStockable(ctx, r, w, in.Lines); err != nil {
					return po, uuid.Nil, err
				}
				return po, po.ID, r.CreatePurchaseOrder(ctx, po)
			},
			func(id uuid.UUID) (domain.PurchaseOrder, error) { return r.GetPurchaseOrder(ctx, id) })
		return err
	})
	if err != nil {
		return domain.PurchaseOrder{}, err
	}
	return po, nil
}

// PurchaseOrderInput is a new purchase order.
type PurchaseOrderInput struct {
	WarehouseID uuid.UUID
	Lines       []domain.OrderLine
	// Reference is the supplier's own, e.g. its PO number.
	Reference string
	// IdempotencyKey, when set, makes a retry create nothing more.
	IdempotencyKey string
}

// checkStockable checks every line's SKU is known and may be stocked in w.
func (s *Service) checkStockable(ctx context.Context, r SKUs, w domain.Warehouse, lines []domain.OrderLine) error {
	ids := make([]uuid.UUID, len(lines))
	for i, l := range lines {
		ids[i] = l.SKUID
	}
	skus, err := r.GetSKUs(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		sku, ok := skus[id]
		if !ok {
			return skuNotFound(id)
		}
		if err := stockableSKU(w, sku); err != nil {
			return err
		}
	}
	return nil
}

// ReceivePurchaseOrder books received quantities, partly or fully: on-hand
// stock rises and the journal records a receipt per SKU. It is idempotent by
// receipt id: a repeat changes nothing and returns the purchase order; the
// same receipt id with other lines is AlreadyExists. The owner only.
func (s *Service) ReceivePurchaseOrder(ctx context.Context, c auth.Caller, poID uuid.UUID, receiptID string, lines []domain.OrderLine) (domain.PurchaseOrder, error) {
	receiptID, err := domain.Text("receipt_id", receiptID, 128, true)
	v := appendViolations(appendViolations(nil, err), domain.CheckReceiptLines(lines))
	if len(v) > 0 {
		return domain.PurchaseOrder{}, apperr.Invalid(v...)
	}
	var po domain.PurchaseOrder
	err = s.store.InTx(ctx, func(r Repository) error {
		po, err = r.UpdatePurchaseOrder(ctx, poID, func(po *domain.PurchaseOrder) ([]outbox.Message, error) {
			w, err := s.ownPurchaseOrder(ctx, r, c, *po)
			if err != nil {
				return nil, err
			}
			return nil, s.receive(ctx, r, c, po, w, receiptID, lines)
		})
		return err
	})
	if err != nil {
		return domain.PurchaseOrder{}, err
	}
	return po, nil
}

// receive books a receipt on a locked purchase order: claims the receipt id
// (a repeat changes nothing), then raises the stock of the warehouse w.
func (s *Service) receive(ctx context.Context, r Repository, c auth.Caller, po *domain.PurchaseOrder, w domain.Warehouse, receiptID string, lines []domain.OrderLine) error {
	now := s.clock()
	sorted := slices.Clone(lines)
	slices.SortFunc(sorted, func(a, b domain.OrderLine) int {
		return domain.StockKey{SKUID: a.SKUID}.Compare(domain.StockKey{SKUID: b.SKUID})
	})
	fp := idempotency.Fingerprint(sorted)
	claimed, stored, err := r.ClaimKey(ctx, "receipt:"+po.ID.String(), receiptID, fp, now)
	if err != nil {
		return err
	}
	if !claimed {
		if stored.Fingerprint != fp {
			return idempotency.ErrKeyReused
		}
		return nil
	}
	if err := po.Receive(lines, now); err != nil {
		return err
	}
	keys := make([]domain.StockKey, len(sorted))
	qty := make(map[uuid.UUID]int64, len(sorted))
	for i, l := range sorted {
		keys[i] = domain.StockKey{SKUID: l.SKUID, WarehouseID: w.ID}
		qty[l.SKUID] = l.Quantity
	}
	levels, err := r.LockLevels(ctx, keys, true, now)
	if err != nil {
		return err
	}
	moves := make([]domain.Movement, 0, len(levels))
	for i := range levels {
		m, err := levels[i].Receive(qty[levels[i].SKUID])
		if err != nil {
			return err
		}
		moves = append(moves, m)
	}
	stamp(moves, c.Subject, "purchase order receipt "+receiptID, po.ID.String(), now)
	return applyMovements(ctx, r, moves, now)
}

// CancelPurchaseOrder cancels what is not received yet; what arrived stays.
// Cancelling a cancelled order again is a no-op. The owner only.
func (s *Service) CancelPurchaseOrder(ctx context.Context, c auth.Caller, poID uuid.UUID, reason string) (domain.PurchaseOrder, error) {
	reason, err := domain.Text("reason", reason, 500, false)
	if err != nil {
		return domain.PurchaseOrder{}, err
	}
	var po domain.PurchaseOrder
	err = s.store.InTx(ctx, func(r Repository) error {
		po, err = r.UpdatePurchaseOrder(ctx, poID, func(po *domain.PurchaseOrder) ([]outbox.Message, error) {
			if _, err := s.ownPurchaseOrder(ctx, r, c, *po); err != nil {
				return nil, err
			}
			_, err := po.Cancel(reason, s.clock())
			return nil, err
		})
		return err
	})
	if err != nil {
		return domain.PurchaseOrder{}, err
	}
	return po, nil
}

// GetPurchaseOrder returns a purchase order to its warehouse's owner,
// operators and services.
func (s *Service) GetPurchaseOrder(ctx context.Context, c auth.Caller, poID uuid.UUID) (domain.PurchaseOrder, error) {
	po, err := s.store.GetPurchaseOrder(ctx, poID)
	if err != nil {
		return domain.PurchaseOrder{}, err
	}
	w, err := s.store.GetWarehouse(ctx, po.WarehouseID)
	if err != nil {
		return domain.PurchaseOrder{}, err
	}
	if !canReadWarehouse(c, w) {
		return domain.PurchaseOrder{}, apperr.NotFound("purchase_order", poID.String())
	}
	return po, nil
}

// ownPurchaseOrder checks that the caller owns po's warehouse, which it
// returns: NotFound when the caller may not see the purchase order,
// PermissionDenied when it may see but not change it.
func (s *Service) ownPurchaseOrder(ctx context.Context, r Warehouses, c auth.Caller, po domain.PurchaseOrder) (domain.Warehouse, error) {
	w, err := r.GetWarehouse(ctx, po.WarehouseID)
	if err != nil {
		return w, err
	}
	if !canReadWarehouse(c, w) {
		return w, apperr.NotFound("purchase_order", po.ID.String())
	}
	if !ownsWarehouse(c, w) {
		return w, ErrNotOwner
	}
	return w, nil
}

// PurchaseOrderPage is one page of ListPurchaseOrders.
type PurchaseOrderPage struct {
	PurchaseOrders []domain.PurchaseOrder
	NextPageToken  string
}

// ListPurchaseOrders lists the caller's organization's purchase orders,
// newest first; operators and services see all.
func (s *Service) ListPurchaseOrders(ctx context.Context, c auth.Caller, page Page) (PurchaseOrderPage, error) {
	limit, err := page.limit()
	if err != nil {
		return PurchaseOrderPage{}, err
	}
	before, err := uuidCursor(page.Token, nil)
	if err != nil {
		return PurchaseOrderPage{}, err
	}
	var supplier *uuid.UUID
	if !c.IsOperator() && !c.IsService() {
		org, ok := c.SupplierOrg()
		if !ok {
			return PurchaseOrderPage{}, ErrSuppliersOnly
		}
		supplier = &org
	}
	pos, err := s.store.ListPurchaseOrders(ctx, supplier, before, limit+1)
	if err != nil {
		return PurchaseOrderPage{}, err
	}
	out := PurchaseOrderPage{PurchaseOrders: pos}
	if len(pos) > limit {
		out.PurchaseOrders = pos[:limit]
		out.NextPageToken = uuidToken(nil, pos[limit-1].ID)
	}
	return out, nil
}
