package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

const afterSaleColumns = `id, sub_order_id, order_id, buyer_id, supplier_id, kind, status, reason, photos, decision, dispute,
	currency, refund_minor, claw_back, cash_refund_minor, received, restockable, warehouse_id, return_shipment_id, return_waybill, replacement_shipment_id,
	replacement_waybill, created_at, updated_at, original_kept`

func (r repo) InsertAfterSale(ctx context.Context, a domain.AfterSale) (bool, error) {
	photos, err := json.Marshal(a.Photos)
	if err != nil {
		return false, err
	}
	tag, err := r.q.Exec(ctx, `INSERT INTO after_sales (`+afterSaleColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25) ON CONFLICT DO NOTHING`,
		a.ID, a.SubOrderID, a.OrderID, a.BuyerID, a.SupplierID, a.Kind, a.Status, a.Reason, photos, a.Decision, a.Dispute,
		a.Refund.Currency, a.Refund.Amount, a.ClawBack, a.CashRefund, a.Received, a.Restockable, a.WarehouseID, a.ReturnShipmentID, a.ReturnWaybill,
		a.ReplacementShipmentID, a.ReplacementWaybill, a.CreatedAt, a.UpdatedAt, a.OriginalKept)
	if err != nil || tag.RowsAffected() == 0 {
		return false, err
	}
	b := &pgx.Batch{}
	for i, l := range a.Lines {
		b.Queue(`INSERT INTO after_sale_lines (after_sale_id, position, sku_id, product_id, quantity, amount_minor) VALUES ($1, $2, $3, $4, $5, $6)`,
			a.ID, i, l.SKUID, l.ProductID, l.Quantity, l.Amount.Amount)
	}
	return true, r.q.SendBatch(ctx, b).Close()
}

func (r repo) SaveAfterSale(ctx context.Context, a domain.AfterSale) error {
	_, err := r.q.Exec(ctx, `UPDATE after_sales SET status = $2, decision = $3, dispute = $4, claw_back = $5, restockable = $6,
		warehouse_id = $7, return_shipment_id = $8, return_waybill = $9, replacement_shipment_id = $10, replacement_waybill = $11,
		updated_at = $12, received = $13, cash_refund_minor = $14, kind = $15, original_kept = $16 WHERE id = $1`,
		a.ID, a.Status, a.Decision, a.Dispute, a.ClawBack, a.Restockable, a.WarehouseID, a.ReturnShipmentID, a.ReturnWaybill,
		a.ReplacementShipmentID, a.ReplacementWaybill, a.UpdatedAt, a.Received, a.CashRefund, a.Kind, a.OriginalKept)
	return err
}

func (r repo) GetAfterSale(ctx context.Context, id uuid.UUID, lock bool) (domain.AfterSale, error) {
	q := `SELECT ` + afterSaleColumns + ` FROM after_sales WHERE id = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	list, err := r.readAfterSales(ctx, q, id)
	if err != nil {
		return domain.AfterSale{}, err
	}
	if len(list) == 0 {
		return domain.AfterSale{}, apperr.NotFound("after-sale request", id.String())
	}
	return list[0], nil
}

func (r repo) AfterSalesOf(ctx context.Context, subOrderID uuid.UUID) ([]domain.AfterSale, error) {
	return r.readAfterSales(ctx, `SELECT `+afterSaleColumns+` FROM after_sales WHERE sub_order_id = $1 ORDER BY created_at, id`, subOrderID)
}

func (r repo) ListAfterSales(ctx context.Context, f app.AfterSaleFilter, after *app.OrderCursor, limit int) ([]domain.AfterSale, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, cond+` $`+strconv.Itoa(len(args)))
	}
	if f.BuyerID != "" {
		add(`buyer_id =`, f.BuyerID)
		where = append(where, `order_id IN (SELECT id FROM orders WHERE merchant_org_id IS NULL)`)
	}
	if f.SupplierID != uuid.Nil {
		add(`supplier_id =`, f.SupplierID)
	}
	if f.MerchantOrgID != uuid.Nil {
		args = append(args, f.MerchantOrgID)
		where = append(where, `order_id IN (SELECT id FROM orders WHERE merchant_org_id = $`+strconv.Itoa(len(args))+`)`)
	}
	if f.OrderID != uuid.Nil {
		add(`order_id =`, f.OrderID)
	}
	if f.Status != "" {
		add(`status =`, f.Status)
	}
	q := `SELECT ` + afterSaleColumns + ` FROM after_sales WHERE true`
	for _, w := range where {
		q += ` AND ` + w
	}
	if after != nil {
		args = append(args, after.At, after.ID)
		q += ` AND (created_at, id) < ($` + strconv.Itoa(len(args)-1) + `, $` + strconv.Itoa(len(args)) + `)`
	}
	args = append(args, limit)
	q += ` ORDER BY created_at DESC, id DESC LIMIT $` + strconv.Itoa(len(args))
	return r.readAfterSales(ctx, q, args...)
}

// readAfterSales runs q and reads the requests it selects with their lines.
func (r repo) readAfterSales(ctx context.Context, q string, args ...any) ([]domain.AfterSale, error) {
	rows, err := r.q.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, scanAfterSale)
	if err != nil || len(list) == 0 {
		return list, err
	}
	ids := make([]uuid.UUID, len(list))
	index := map[uuid.UUID]*domain.AfterSale{}
	for i := range list {
		ids[i], index[list[i].ID] = list[i].ID, &list[i]
	}
	lines, err := r.q.Query(ctx, `SELECT after_sale_id, sku_id, product_id, quantity, amount_minor
		FROM after_sale_lines WHERE after_sale_id = ANY($1) ORDER BY after_sale_id, position`, ids)
	if err != nil {
		return nil, err
	}
	var id uuid.UUID
	var l domain.AfterSaleLine
	_, err = pgx.ForEachRow(lines, []any{&id, &l.SKUID, &l.ProductID, &l.Quantity, &l.Amount.Amount}, func() error {
		a := index[id]
		line := l
		line.Amount.Currency = a.Refund.Currency
		a.Lines = append(a.Lines, line)
		return nil
	})
	return list, err
}

func scanAfterSale(row pgx.CollectableRow) (domain.AfterSale, error) {
	var a domain.AfterSale
	var photos []byte
	err := row.Scan(&a.ID, &a.SubOrderID, &a.OrderID, &a.BuyerID, &a.SupplierID, &a.Kind, &a.Status, &a.Reason, &photos, &a.Decision, &a.Dispute,
		&a.Refund.Currency, &a.Refund.Amount, &a.ClawBack, &a.CashRefund, &a.Received, &a.Restockable, &a.WarehouseID, &a.ReturnShipmentID, &a.ReturnWaybill,
		&a.ReplacementShipmentID, &a.ReplacementWaybill, &a.CreatedAt, &a.UpdatedAt, &a.OriginalKept)
	if err != nil {
		return a, err
	}
	return a, errors.Join(json.Unmarshal(photos, &a.Photos))
}
