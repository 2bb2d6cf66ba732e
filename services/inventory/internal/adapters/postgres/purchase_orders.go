package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

const poColumns = `id, warehouse_id, supplier_id, status, reference, created_by, created_at, updated_at, cancel_reason`

func scanPO(row pgx.Row) (domain.PurchaseOrder, error) {
	var po domain.PurchaseOrder
	var supplier *uuid.UUID
	if err := row.Scan(&po.ID, &po.WarehouseID, &supplier, &po.Status, &po.Reference, &po.CreatedBy, &po.CreatedAt,
		&po.UpdatedAt, &po.CancelReason); err != nil {
		return domain.PurchaseOrder{}, err
	}
	if supplier != nil {
		po.SupplierID = *supplier
	}
	return po, nil
}

// CreatePurchaseOrder inserts a purchase order and its lines.
func (r repo) CreatePurchaseOrder(ctx context.Context, po domain.PurchaseOrder) error {
	if _, err := r.q.Exec(ctx, `INSERT INTO purchase_orders (`+poColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		po.ID, po.WarehouseID, nullUUID(po.SupplierID), string(po.Status), po.Reference, po.CreatedBy, po.CreatedAt,
		po.UpdatedAt, po.CancelReason); err != nil {
		return fmt.Errorf("insert purchase order: %w", err)
	}
	n := len(po.Lines)
	lineNo, skus, ordered, received := make([]int32, n), make([]uuid.UUID, n), make([]int64, n), make([]int64, n)
	for i, l := range po.Lines {
		lineNo[i], skus[i], ordered[i], received[i] = int32(i), l.SKUID, l.Ordered, l.Received
	}
	if _, err := r.q.Exec(ctx, `INSERT INTO purchase_order_lines (purchase_order_id, line_no, sku_id, ordered, received)
		SELECT $1, * FROM unnest($2::integer[], $3::uuid[], $4::bigint[], $5::bigint[])`,
		po.ID, lineNo, skus, ordered, received); err != nil {
		return fmt.Errorf("insert purchase order lines: %w", err)
	}
	return nil
}

// purchaseOrders is the read-modify-write of a purchase order.
var purchaseOrders = pg.Repository[uuid.UUID, domain.PurchaseOrder]{
	Lock: func(ctx context.Context, q pg.Querier, id uuid.UUID) (domain.PurchaseOrder, error) {
		return repo{q: q}.getPurchaseOrder(ctx, id, ` FOR UPDATE`)
	},
	Save: func(ctx context.Context, q pg.Querier, po domain.PurchaseOrder) error {
		return repo{q: q}.savePurchaseOrder(ctx, po)
	},
}

// GetPurchaseOrder reads a purchase order and its lines.
func (r repo) GetPurchaseOrder(ctx context.Context, id uuid.UUID) (domain.PurchaseOrder, error) {
	return r.getPurchaseOrder(ctx, id, "")
}

// UpdatePurchaseOrder changes a purchase order under its row lock and
// writes the change's events with it (see pg.Repository.Update).
func (r repo) UpdatePurchaseOrder(ctx context.Context, id uuid.UUID, change func(*domain.PurchaseOrder) ([]outbox.Message, error)) (domain.PurchaseOrder, error) {
	return purchaseOrders.Update(ctx, r.q, id, change)
}

func (r repo) getPurchaseOrder(ctx context.Context, id uuid.UUID, lock string) (domain.PurchaseOrder, error) {
	po, err := scanPO(r.q.QueryRow(ctx, `SELECT `+poColumns+` FROM purchase_orders WHERE id = $1`+lock, id))
	if err != nil {
		return domain.PurchaseOrder{}, pg.NoRows(err, apperr.NotFound("purchase_order", id.String()))
	}
	pos := []domain.PurchaseOrder{po}
	if err := r.loadPOLines(ctx, pos); err != nil {
		return domain.PurchaseOrder{}, err
	}
	return pos[0], nil
}

func (r repo) loadPOLines(ctx context.Context, pos []domain.PurchaseOrder) error {
	if len(pos) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(pos))
	idx := make(map[uuid.UUID]int, len(pos))
	for i, po := range pos {
		ids[i], idx[po.ID] = po.ID, i
	}
	rows, err := r.q.Query(ctx, `SELECT purchase_order_id, sku_id, ordered, received FROM purchase_order_lines
		WHERE purchase_order_id = ANY($1) ORDER BY purchase_order_id, line_no`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var l domain.POLine
		if err := rows.Scan(&id, &l.SKUID, &l.Ordered, &l.Received); err != nil {
			return err
		}
		pos[idx[id]].Lines = append(pos[idx[id]].Lines, l)
	}
	return rows.Err()
}

// savePurchaseOrder writes the status and the received quantities.
func (r repo) savePurchaseOrder(ctx context.Context, po domain.PurchaseOrder) error {
	tag, err := r.q.Exec(ctx, `UPDATE purchase_orders SET status = $2, updated_at = $3, cancel_reason = $4 WHERE id = $1`,
		po.ID, string(po.Status), po.UpdatedAt, po.CancelReason)
	if err := pg.Affected(tag, err, apperr.NotFound("purchase_order", po.ID.String())); err != nil {
		return err
	}
	skus, received := make([]uuid.UUID, len(po.Lines)), make([]int64, len(po.Lines))
	for i, l := range po.Lines {
		skus[i], received[i] = l.SKUID, l.Received
	}
	_, err = r.q.Exec(ctx, `UPDATE purchase_order_lines l SET received = v.received
		FROM unnest($2::uuid[], $3::bigint[]) AS v (sku_id, received)
		WHERE l.purchase_order_id = $1 AND l.sku_id = v.sku_id AND l.received <> v.received`, po.ID, skus, received)
	if err != nil {
		return fmt.Errorf("update purchase order lines: %w", err)
	}
	return nil
}

// ListPurchaseOrders returns one page, newest first (ids are time-ordered
// UUIDv7), of a supplier's purchase orders or of all.
func (r repo) ListPurchaseOrders(ctx context.Context, supplierID *uuid.UUID, before uuid.UUID, limit int) ([]domain.PurchaseOrder, error) {
	var beforeID *uuid.UUID
	if before != uuid.Nil {
		beforeID = &before
	}
	rows, err := r.q.Query(ctx, `SELECT `+poColumns+` FROM purchase_orders
		WHERE ($1::uuid IS NULL OR supplier_id = $1) AND ($2::uuid IS NULL OR id < $2)
		ORDER BY id DESC LIMIT $3`, supplierID, beforeID, limit)
	if err != nil {
		return nil, err
	}
	pos, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.PurchaseOrder, error) { return scanPO(row) })
	if err != nil {
		return nil, err
	}
	return pos, r.loadPOLines(ctx, pos)
}
