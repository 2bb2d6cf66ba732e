package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

const orderColumns = `id, buyer_id, checkout_id, channel, external_order_id, status, currency, total_minor, quotes,
	payment_due_at, payment_started_at, placed_at, paid_at, cancel_reason, updated_at, merchant_org_id`

// orderRead is what reading an order selects: its columns and the version
// its writes count up.
const orderRead = orderColumns + `, version`

const subOrderColumns = `id, order_id, position, supplier_id, type, status, currency, goods_minor, freight_minor, buyer_minor, rate,
	freight_breakdown, address, weight_g, volume_cm3, shipment_id, waybill, carrier_code, method_id, top_up_request_id, top_up_minor,
	paid_at, shipped_at, delivered_at, completes_at, completed_at, updated_at, discount_minor, coupon_id, discount_funded_by, refunded_minor, settling_at`

func (r repo) InsertOrder(ctx context.Context, o domain.Order) (bool, error) {
	quotes, err := json.Marshal(o.Quotes)
	if err != nil {
		return false, err
	}
	tag, err := r.q.Exec(ctx, `INSERT INTO orders (`+orderColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT DO NOTHING`,
		o.ID, o.BuyerID, o.CheckoutID, o.Channel, o.ExternalOrderID, o.Status, o.Currency, o.Total, quotes,
		o.PaymentDueAt, o.PaymentStartedAt, o.PlacedAt, o.PaidAt, o.CancelReason, o.UpdatedAt, merchantOrg(o.MerchantOrgID))
	if err != nil || tag.RowsAffected() == 0 {
		return false, err
	}
	b := &pgx.Batch{}
	for _, s := range o.SubOrders {
		breakdown, address, err := subOrderJSON(s)
		if err != nil {
			return false, err
		}
		b.Queue(`INSERT INTO sub_orders (`+subOrderColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
			$16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32)`,
			s.ID, s.OrderID, s.Position, s.SupplierID, s.Type, s.Status, s.Goods.Currency, s.Goods.Amount, s.Freight.Amount, s.BuyerAmount, s.Rate,
			breakdown, address, s.WeightG, s.VolumeCM3, s.ShipmentID, s.Waybill, s.CarrierCode, s.MethodID, s.TopUpRequestID, s.TopUp,
			s.PaidAt, s.ShippedAt, s.DeliveredAt, s.CompletesAt, s.CompletedAt, s.UpdatedAt, s.Discount, s.CouponID, s.DiscountFundedBy, s.Refunded, s.SettlingAt)
	}
	queueLines(b, o.SubOrders)
	return true, r.q.SendBatch(ctx, b).Close()
}

// queueLines queues inserting the sub-orders' lines, in one statement.
func queueLines(b *pgx.Batch, subs []domain.SubOrder) {
	var ids, skus, products []uuid.UUID
	var positions, quantities []int32
	var prices, discounts []int64
	for _, s := range subs {
		for i, l := range s.Lines {
			ids, positions, skus, products = append(ids, s.ID), append(positions, int32(i)), append(skus, l.SKUID), append(products, l.ProductID)
			quantities, prices, discounts = append(quantities, l.Quantity), append(prices, l.UnitPrice.Amount), append(discounts, l.Discount)
		}
	}
	if len(ids) == 0 {
		return
	}
	b.Queue(`INSERT INTO sub_order_lines (sub_order_id, position, sku_id, product_id, quantity, unit_price_minor, discount_minor)
		SELECT * FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::uuid[], $5::int[], $6::bigint[], $7::bigint[])`,
		ids, positions, skus, products, quantities, prices, discounts)
}

// merchantOrg is a merchant order's organization as stored: NULL for
// everyone else's orders.
func merchantOrg(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

func subOrderJSON(s domain.SubOrder) (breakdown, address []byte, err error) {
	if s.FreightBreakdown != nil {
		if breakdown, err = json.Marshal(s.FreightBreakdown); err != nil {
			return nil, nil, err
		}
	}
	if s.Address != nil {
		if address, err = json.Marshal(s.Address); err != nil {
			return nil, nil, err
		}
	}
	return breakdown, address, nil
}

// saveOrderRow is the statement writing an order's own state; it counts up
// the order's version, as every write of the order does.
const saveOrderRow = `UPDATE orders SET status = $2, payment_started_at = $3, paid_at = $4, cancel_reason = $5, updated_at = $6,
	version = version + 1 WHERE id = $1`

func (r repo) SaveOrderRow(ctx context.Context, o domain.Order) error {
	_, err := r.q.Exec(ctx, saveOrderRow, o.ID, o.Status, o.PaymentStartedAt, o.PaidAt, o.CancelReason, o.UpdatedAt)
	return err
}

func (r repo) SaveOrderRowAtVersion(ctx context.Context, o domain.Order) (bool, error) {
	tag, err := r.q.Exec(ctx, saveOrderRow+` AND version = $7`, o.ID, o.Status, o.PaymentStartedAt, o.PaidAt, o.CancelReason, o.UpdatedAt, o.Version)
	return tag.RowsAffected() == 1, err
}

func (r repo) SaveOrder(ctx context.Context, o domain.Order) error {
	b := &pgx.Batch{}
	queueSaveOrder(b, o)
	return send(ctx, r.q, b)
}

// queueSaveOrder queues writing an order's and its sub-orders' state.
func queueSaveOrder(b *pgx.Batch, o domain.Order) {
	b.Queue(saveOrderRow, o.ID, o.Status, o.PaymentStartedAt, o.PaidAt, o.CancelReason, o.UpdatedAt)
	for _, s := range o.SubOrders {
		b.Queue(`UPDATE sub_orders SET status = $2, shipment_id = $3, waybill = $4, carrier_code = $5, method_id = $6,
			top_up_request_id = $7, top_up_minor = $8, paid_at = $9, shipped_at = $10, delivered_at = $11, completes_at = $12,
			completed_at = $13, updated_at = $14, refunded_minor = $15, settling_at = $16 WHERE id = $1`,
			s.ID, s.Status, s.ShipmentID, s.Waybill, s.CarrierCode, s.MethodID, s.TopUpRequestID, s.TopUp,
			s.PaidAt, s.ShippedAt, s.DeliveredAt, s.CompletesAt, s.CompletedAt, s.UpdatedAt, s.Refunded, s.SettlingAt)
	}
}

// GetOrder reads an order with its sub-orders and their lines in one round
// trip: the three statements are pipelined, the order's row lock (when
// asked for) taken by the first before the others run.
func (r repo) GetOrder(ctx context.Context, id uuid.UUID, lock bool) (domain.Order, error) {
	q := `SELECT ` + orderRead + ` FROM orders WHERE id = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	b := &pgx.Batch{}
	b.Queue(q, id)
	b.Queue(`SELECT `+subOrderColumns+` FROM sub_orders WHERE order_id = $1 ORDER BY position`, id)
	b.Queue(`SELECT l.sub_order_id, l.sku_id, l.product_id, l.quantity, l.unit_price_minor, l.discount_minor
		FROM sub_order_lines l JOIN sub_orders s ON s.id = l.sub_order_id
		WHERE s.order_id = $1 ORDER BY l.sub_order_id, l.position`, id)
	br := r.q.SendBatch(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return domain.Order{}, err
	}
	o, err := pgx.CollectExactlyOneRow(rows, scanOrder)
	if errors.Is(err, pgx.ErrNoRows) {
		return o, apperr.NotFound("order", id.String())
	}
	if err != nil {
		return o, err
	}
	if rows, err = br.Query(); err != nil {
		return o, err
	}
	if o.SubOrders, err = pgx.CollectRows(rows, scanSubOrder); err != nil {
		return o, err
	}
	if rows, err = br.Query(); err != nil {
		return o, err
	}
	if err := attachLines(rows, o.SubOrders); err != nil {
		return o, err
	}
	return o, br.Close()
}

func (r repo) PaymentStatus(ctx context.Context, id uuid.UUID) (domain.Status, *time.Time, error) {
	var status domain.Status
	var started *time.Time
	err := r.q.QueryRow(ctx, `SELECT status, payment_started_at FROM orders WHERE id = $1`, id).Scan(&status, &started)
	return status, started, pg.NoRows(err, apperr.NotFound("order", id.String()))
}

func (r repo) GetOrders(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.Order, error) {
	rows, err := r.q.Query(ctx, `SELECT `+orderRead+` FROM orders WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, scanOrder)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]domain.Order, len(list))
	if len(list) == 0 {
		return out, nil
	}
	if err := r.fillSubOrders(ctx, list); err != nil {
		return nil, err
	}
	for _, o := range list {
		out[o.ID] = o
	}
	return out, nil
}

// fillSubOrders reads the sub-orders of the orders in list into them.
func (r repo) fillSubOrders(ctx context.Context, list []domain.Order) error {
	ids := make([]uuid.UUID, len(list))
	byOrder := map[uuid.UUID]int{}
	for i, o := range list {
		ids[i], byOrder[o.ID] = o.ID, i
	}
	subs, err := r.readSubOrders(ctx, `order_id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	for _, s := range subs {
		i := byOrder[s.OrderID]
		list[i].SubOrders = append(list[i].SubOrders, s)
	}
	return nil
}

// readSubOrders reads the sub-orders matching where, with their lines, in
// their orders' and positions' order.
func (r repo) readSubOrders(ctx context.Context, where string, args ...any) ([]domain.SubOrder, error) {
	rows, err := r.q.Query(ctx, `SELECT `+subOrderColumns+` FROM sub_orders WHERE `+where+` ORDER BY order_id, position`, args...)
	if err != nil {
		return nil, err
	}
	subs, err := pgx.CollectRows(rows, scanSubOrder)
	if err != nil || len(subs) == 0 {
		return subs, err
	}
	ids := make([]uuid.UUID, len(subs))
	for i := range subs {
		ids[i] = subs[i].ID
	}
	lines, err := r.q.Query(ctx, `SELECT sub_order_id, sku_id, product_id, quantity, unit_price_minor, discount_minor
		FROM sub_order_lines WHERE sub_order_id = ANY($1) ORDER BY sub_order_id, position`, ids)
	if err != nil {
		return nil, err
	}
	return subs, attachLines(lines, subs)
}

// attachLines reads lines (sub_order_id, sku_id, product_id, quantity,
// unit_price_minor, discount_minor, in each sub-order's position order)
// into subs.
func attachLines(lines pgx.Rows, subs []domain.SubOrder) error {
	index := make(map[uuid.UUID]*domain.SubOrder, len(subs))
	for i := range subs {
		index[subs[i].ID] = &subs[i]
	}
	var sub uuid.UUID
	var l domain.OrderLine
	_, err := pgx.ForEachRow(lines, []any{&sub, &l.SKUID, &l.ProductID, &l.Quantity, &l.UnitPrice.Amount, &l.Discount}, func() error {
		s := index[sub]
		if s == nil {
			return fmt.Errorf("line of sub-order %s read without its sub-order", sub)
		}
		line := l
		line.UnitPrice.Currency = s.Goods.Currency
		s.Lines = append(s.Lines, line)
		return nil
	})
	return err
}

func scanOrder(row pgx.CollectableRow) (domain.Order, error) {
	var o domain.Order
	var due *time.Time
	var quotes []byte
	var merchant *uuid.UUID
	err := row.Scan(&o.ID, &o.BuyerID, &o.CheckoutID, &o.Channel, &o.ExternalOrderID, &o.Status, &o.Currency, &o.Total, &quotes,
		&due, &o.PaymentStartedAt, &o.PlacedAt, &o.PaidAt, &o.CancelReason, &o.UpdatedAt, &merchant, &o.Version)
	if err != nil {
		return o, err
	}
	if merchant != nil {
		o.MerchantOrgID = *merchant
	}
	if due != nil {
		o.PaymentDueAt = *due
	}
	return o, json.Unmarshal(quotes, &o.Quotes)
}

func scanSubOrder(row pgx.CollectableRow) (domain.SubOrder, error) {
	var s domain.SubOrder
	var currency string
	var breakdown, address []byte
	err := row.Scan(&s.ID, &s.OrderID, &s.Position, &s.SupplierID, &s.Type, &s.Status, &currency, &s.Goods.Amount, &s.Freight.Amount,
		&s.BuyerAmount, &s.Rate, &breakdown, &address, &s.WeightG, &s.VolumeCM3, &s.ShipmentID, &s.Waybill, &s.CarrierCode, &s.MethodID,
		&s.TopUpRequestID, &s.TopUp, &s.PaidAt, &s.ShippedAt, &s.DeliveredAt, &s.CompletesAt, &s.CompletedAt, &s.UpdatedAt,
		&s.Discount, &s.CouponID, &s.DiscountFundedBy, &s.Refunded, &s.SettlingAt)
	if err != nil {
		return s, err
	}
	s.Goods.Currency, s.Freight.Currency = currency, currency
	if breakdown != nil {
		s.FreightBreakdown = &domain.FreightBreakdown{}
		if err := json.Unmarshal(breakdown, s.FreightBreakdown); err != nil {
			return s, err
		}
	}
	if address != nil {
		s.Address = &domain.Address{}
		if err := json.Unmarshal(address, s.Address); err != nil {
			return s, err
		}
	}
	return s, nil
}

func (r repo) OrderOf(ctx context.Context, subOrderID uuid.UUID) (uuid.UUID, error) {
	var id uuid.UUID
	err := r.q.QueryRow(ctx, `SELECT order_id FROM sub_orders WHERE id = $1`, subOrderID).Scan(&id)
	return id, pg.NoRows(err, apperr.NotFound("sub-order", subOrderID.String()))
}

func (r repo) ListOrders(ctx context.Context, buyerID string, merchant uuid.UUID, after *app.OrderCursor, limit int) ([]domain.Order, error) {
	// A person's own orders are those not placed for a merchant: a member
	// who left a merchant keeps the buyer id of its orders, not them.
	owner, args := `buyer_id = $1 AND merchant_org_id IS NULL`, []any{buyerID, limit}
	if merchant != uuid.Nil {
		owner, args[0] = `merchant_org_id = $1`, merchant
	}
	where := ``
	if after != nil {
		where, args = ` AND (placed_at, id) < ($3, $4)`, append(args, after.At, after.ID)
	}
	rows, err := r.q.Query(ctx, `SELECT `+orderRead+` FROM orders WHERE `+owner+where+` ORDER BY placed_at DESC, id DESC LIMIT $2`, args...)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, scanOrder)
	if err != nil || len(list) == 0 {
		return list, err
	}
	return list, r.fillSubOrders(ctx, list)
}

func (r repo) ListSupplierSubOrders(ctx context.Context, supplierID uuid.UUID, statuses []domain.Status, after *app.OrderCursor, limit int) ([]domain.Order, error) {
	args := []any{supplierID, limit}
	where := ``
	if len(statuses) > 0 {
		where, args = ` AND status = ANY($3)`, append(args, statuses)
	}
	if after != nil {
		n := len(args)
		where += ` AND (paid_at, id) < ($` + strconv.Itoa(n+1) + `, $` + strconv.Itoa(n+2) + `)`
		args = append(args, after.At, after.ID)
	}
	rows, err := r.q.Query(ctx, `SELECT id, order_id FROM sub_orders WHERE supplier_id = $1 AND paid_at IS NOT NULL`+where+`
		ORDER BY paid_at DESC, id DESC LIMIT $2`, args...)
	if err != nil {
		return nil, err
	}
	var subIDs, orderIDs []uuid.UUID
	var sub, order uuid.UUID
	if _, err := pgx.ForEachRow(rows, []any{&sub, &order}, func() error {
		subIDs, orderIDs = append(subIDs, sub), append(orderIDs, order)
		return nil
	}); err != nil || len(subIDs) == 0 {
		return nil, err
	}
	rows, err = r.q.Query(ctx, `SELECT `+orderRead+` FROM orders WHERE id = ANY($1)`, orderIDs)
	if err != nil {
		return nil, err
	}
	orders, err := pgx.CollectRows(rows, scanOrder)
	if err != nil {
		return nil, err
	}
	ordersByID := map[uuid.UUID]domain.Order{}
	for _, o := range orders {
		ordersByID[o.ID] = o
	}
	// One entry per sub-order, in the sub-orders' order, each holding only
	// that sub-order.
	list := make([]domain.Order, len(subIDs))
	for i := range subIDs {
		list[i] = ordersByID[orderIDs[i]]
	}
	subs, err := r.readSubOrders(ctx, `id = ANY($1)`, subIDs)
	if err != nil {
		return nil, err
	}
	byID := map[uuid.UUID]domain.SubOrder{}
	for _, s := range subs {
		byID[s.ID] = s
	}
	for i, id := range subIDs {
		list[i].SubOrders = []domain.SubOrder{byID[id]}
	}
	return list, nil
}

func (r repo) AppendChanges(ctx context.Context, changes []domain.Change) error {
	b := &pgx.Batch{}
	queueChanges(b, changes)
	return send(ctx, r.q, b)
}

// queueChanges queues adding entries to the change log, in one statement
// whatever their number; they take their ids (the log's order) in the
// order given.
func queueChanges(b *pgx.Batch, changes []domain.Change) {
	if len(changes) == 0 {
		return
	}
	n := len(changes)
	orders, subs, ats := make([]uuid.UUID, n), make([]*uuid.UUID, n), make([]time.Time, n)
	from, to, kinds, actors, reasons := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, c := range changes {
		if c.SubOrderID != uuid.Nil {
			subs[i] = &changes[i].SubOrderID
		}
		orders[i], ats[i] = c.OrderID, c.At
		from[i], to[i], kinds[i], actors[i], reasons[i] = string(c.From), string(c.To), string(c.Actor.Kind), c.Actor.ID, c.Reason
	}
	b.Queue(`INSERT INTO order_changes (order_id, sub_order_id, from_status, to_status, actor_kind, actor_id, reason, at)
		SELECT c.order_id, c.sub_order_id, c.from_status, c.to_status, c.actor_kind, c.actor_id, c.reason, c.at
		FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[]) WITH ORDINALITY
			AS c (order_id, sub_order_id, from_status, to_status, actor_kind, actor_id, reason, at, n)
		ORDER BY c.n`, orders, subs, from, to, kinds, actors, reasons, ats)
}

func (r repo) ListChanges(ctx context.Context, orderID uuid.UUID) ([]domain.Change, error) {
	rows, err := r.q.Query(ctx, `SELECT order_id, sub_order_id, from_status, to_status, actor_kind, actor_id, reason, at
		FROM order_changes WHERE order_id = $1 ORDER BY id`, orderID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Change, error) {
		var c domain.Change
		var sub *uuid.UUID
		err := row.Scan(&c.OrderID, &sub, &c.From, &c.To, &c.Actor.Kind, &c.Actor.ID, &c.Reason, &c.At)
		if sub != nil {
			c.SubOrderID = *sub
		}
		return c, err
	})
}
