package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/geo"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

const shipmentColumns = `shipment_id, kind, sub_order_id, order_id, return_id, buyer_id, supplier_org_id, method_id,
	carrier_id, waybill, status, from_address, to_address, lines, weight_g, volume_cm3, declared_minor,
	declared_currency, goods_minor, goods_currency, reservation_id, position_lat, position_lng, position_name,
	position_at, leg, last_event_at, last_event_seq, eta, created_at, picked_up_at, delivered_at, completed_at,
	cancelled_at, committed, central_address, stage, at_central_at, consolidation_id, onward_waybill, freight_payer,
	carrier_cancel_done_at, carrier_cancel_refusal, stock_commit_refused_at, stock_commit_refusal, merchant_org_id, last_event_stage, delivery_received_at`

// address is an address as stored in JSON.
type address struct {
	Recipient string     `json:"recipient"`
	Phone     string     `json:"phone,omitempty"`
	Country   string     `json:"country"`
	Region    string     `json:"region,omitempty"`
	City      string     `json:"city"`
	Postcode  string     `json:"postcode,omitempty"`
	Lines     []string   `json:"lines"`
	Location  *geo.Point `json:"location,omitempty"`
}

func toAddress(a domain.Address) address {
	return address{a.Recipient, a.Phone, a.Country, a.Region, a.City, a.Postcode, a.Lines, a.Location}
}

func (a address) domain() domain.Address {
	return domain.Address{Recipient: a.Recipient, Phone: a.Phone, Country: a.Country, Region: a.Region,
		City: a.City, Postcode: a.Postcode, Lines: a.Lines, Location: a.Location}
}

// payerColumn is a freight payer as the column spells it: 'escrow' or
// 'platform'.
func payerColumn(p domain.FreightPayer) string {
	if p == domain.PayerEscrow {
		return "escrow"
	}
	return string(p)
}

// payerScan reads the freight_payer column into a domain payer.
type payerScan struct{ p *domain.FreightPayer }

func (s payerScan) Scan(src any) error {
	v, ok := src.(string)
	if !ok {
		return fmt.Errorf("freight_payer: %T is not text", src)
	}
	*s.p = domain.FreightPayer(v)
	if v == "escrow" {
		*s.p = domain.PayerEscrow
	}
	return nil
}

type line struct {
	SKU      uuid.UUID `json:"sku"`
	Quantity int32     `json:"qty"`
}

func scanShipment(row pgx.Row) (domain.Shipment, error) {
	var s domain.Shipment
	var waybill *string
	var from, to, lines []byte
	var lat, lng *float64
	var posName string
	var posAt, lastAt *time.Time
	var central []byte
	var consolidation *uuid.UUID
	var onward *string
	err := row.Scan(&s.ID, &s.Kind, &s.SubOrderID, &s.OrderID, &s.ReturnID, &s.BuyerID, &s.SupplierOrgID, &s.MethodID,
		&s.CarrierID, &waybill, &s.Status, &from, &to, &lines, &s.WeightG, &s.VolumeCM3, &s.DeclaredValue.Amount,
		&s.DeclaredValue.Currency, &s.GoodsPrice.Amount, &s.GoodsPrice.Currency, &s.ReservationID, &lat, &lng, &posName,
		&posAt, &s.Leg, &lastAt, &s.LastEventSeq, &s.ETA, &s.CreatedAt, &s.PickedUpAt, &s.DeliveredAt, &s.CompletedAt,
		&s.CancelledAt, &s.Committed, &central, &s.Stage, &s.AtCentralAt, &consolidation, &onward, payerScan{&s.FreightPayer},
		&s.CarrierCancelDoneAt, &s.CarrierCancelRefusal, &s.StockCommitRefusedAt, &s.StockCommitRefusal, nullUUID{&s.MerchantOrgID}, &s.LastEventStage, &s.DeliveryReceivedAt)
	if err != nil {
		return s, err
	}
	if central != nil {
		var c address
		if err := json.Unmarshal(central, &c); err != nil {
			return s, err
		}
		d := c.domain()
		s.Central = &d
	}
	if consolidation != nil {
		s.ConsolidationID = *consolidation
	}
	if onward != nil {
		s.OnwardWaybill = *onward
	}
	if waybill != nil {
		s.Waybill = *waybill
	}
	if lat != nil && lng != nil && posAt != nil {
		s.Position = &domain.Position{Point: geo.Point{Lat: *lat, Lng: *lng}, Name: posName, At: *posAt}
	}
	if lastAt != nil {
		s.LastEventAt = *lastAt
	}
	var f, t address
	var ls []line
	if err := json.Unmarshal(from, &f); err != nil {
		return s, err
	}
	if err := json.Unmarshal(to, &t); err != nil {
		return s, err
	}
	if err := json.Unmarshal(lines, &ls); err != nil {
		return s, err
	}
	s.From, s.To = f.domain(), t.domain()
	for _, l := range ls {
		s.Lines = append(s.Lines, domain.Line{SKUID: l.SKU, Quantity: l.Quantity})
	}
	return s, nil
}

func (r repo) InsertShipment(ctx context.Context, s domain.Shipment, fingerprint []byte) (bool, error) {
	from, _ := json.Marshal(toAddress(s.From))
	to, _ := json.Marshal(toAddress(s.To))
	ls := make([]line, len(s.Lines))
	for i, l := range s.Lines {
		ls[i] = line{l.SKUID, l.Quantity}
	}
	lines, _ := json.Marshal(ls)
	var central []byte
	if s.Central != nil {
		central, _ = json.Marshal(toAddress(*s.Central))
	}
	tag, err := r.q.Exec(ctx, `INSERT INTO shipments (shipment_id, kind, sub_order_id, order_id, return_id, buyer_id,
		supplier_org_id, method_id, carrier_id, status, from_address, to_address, lines, weight_g, volume_cm3,
		declared_minor, declared_currency, goods_minor, goods_currency, reservation_id, created_at, fingerprint,
		central_address, freight_payer, merchant_org_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)
		ON CONFLICT DO NOTHING`,
		s.ID, s.Kind, s.SubOrderID, s.OrderID, s.ReturnID, s.BuyerID, s.SupplierOrgID, s.MethodID, s.CarrierID,
		s.Status, from, to, lines, s.WeightG, s.VolumeCM3, s.DeclaredValue.Amount, s.DeclaredValue.Currency,
		s.GoodsPrice.Amount, s.GoodsPrice.Currency, s.ReservationID, s.CreatedAt, fingerprint, central, payerColumn(s.FreightPayer),
		nullIfNil(s.MerchantOrgID))
	return tag.RowsAffected() == 1, err
}

func (r repo) FindShipmentByKey(ctx context.Context, kind domain.Kind, subOrderID uuid.UUID, returnID string) (domain.Shipment, []byte, error) {
	q := `SELECT ` + shipmentColumns + `, fingerprint FROM shipments WHERE kind = 'outbound' AND sub_order_id = $1`
	arg := any(subOrderID)
	if kind == domain.KindReturn {
		q, arg = `SELECT `+shipmentColumns+`, fingerprint FROM shipments WHERE kind = 'return' AND return_id = $1`, returnID
	}
	var fp []byte
	s, err := scanShipment(withExtra{r.q.QueryRow(ctx, q, arg), []any{&fp}})
	return s, fp, pg.NoRows(err, apperr.NotFound("shipment", "key"))
}

// withExtra scans a shipment row followed by more columns.
type withExtra struct {
	row   pgx.Row
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra...)...) }

// ShipmentDetails reads a shipment with its method, carrier code, legs
// and latest events in one round trip.
func (r repo) ShipmentDetails(ctx context.Context, id uuid.UUID, recent int) (app.Details, error) {
	var d app.Details
	b := &pgx.Batch{}
	b.Queue(`SELECT `+prefixed("s.", shipmentColumns)+`, `+prefixed("m.", methodColumns)+`, c.code
		FROM shipments s JOIN shipping_methods m ON m.method_id = s.method_id JOIN carriers c ON c.carrier_id = s.carrier_id
		WHERE s.shipment_id = $1`, id)
	b.Queue(`SELECT `+legColumns+` FROM freight_legs l WHERE l.shipment_id = $1 ORDER BY l.confirmed_at, l.leg_id`, id)
	b.Queue(eventQuery+` ORDER BY occurred_at DESC, seq DESC LIMIT $2`, id, recent)
	res := r.q.SendBatch(ctx, b)
	defer res.Close()
	var err error
	d.Shipment, err = scanShipment(withExtra{res.QueryRow(), append(methodDests(&d.Method), &d.CarrierCode)})
	if err != nil {
		return d, pg.NoRows(err, apperr.NotFound("shipment", id.String()))
	}
	rows, err := res.Query()
	if err != nil {
		return d, err
	}
	if d.Legs, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Leg, error) { return scanLeg(row) }); err != nil {
		return d, err
	}
	rows, err = res.Query()
	if err != nil {
		return d, err
	}
	d.Recent, err = pgx.CollectRows(rows, scanEvent)
	return d, err
}

func (r repo) GetShipment(ctx context.Context, id uuid.UUID, forUpdate bool) (domain.Shipment, error) {
	q := `SELECT ` + shipmentColumns + ` FROM shipments WHERE shipment_id = $1`
	if forUpdate {
		q += ` FOR UPDATE`
	}
	s, err := scanShipment(r.q.QueryRow(ctx, q, id))
	return s, pg.NoRows(err, apperr.NotFound("shipment", id.String()))
}

func (r repo) GetSubOrderShipment(ctx context.Context, subOrderID uuid.UUID) (domain.Shipment, error) {
	s, err := scanShipment(r.q.QueryRow(ctx, `SELECT `+shipmentColumns+` FROM shipments WHERE kind = 'outbound' AND sub_order_id = $1`, subOrderID))
	return s, pg.NoRows(err, apperr.NotFound("shipment of sub-order", subOrderID.String()))
}

func (r repo) SaveShipment(ctx context.Context, s domain.Shipment) error {
	q, args := saveShipment(s)
	tag, err := r.q.Exec(ctx, q, args...)
	return pg.Affected(tag, err, apperr.NotFound("shipment", s.ID.String()))
}

func (r repo) SaveShipments(ctx context.Context, list []domain.Shipment) error {
	if len(list) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, s := range list {
		q, args := saveShipment(s)
		b.Queue(q, args...)
	}
	return r.q.SendBatch(ctx, b).Close()
}

func (r repo) LockShipments(ctx context.Context, refs []uuid.UUID) ([]domain.Shipment, error) {
	rows, err := r.q.Query(ctx, `SELECT `+shipmentColumns+` FROM shipments
		WHERE shipment_id = ANY($1) OR consolidation_id = ANY($1) ORDER BY shipment_id FOR UPDATE`, refs)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Shipment, error) { return scanShipment(row) })
}

func (r repo) WaitingAtCentral(ctx context.Context, now time.Time, limit int, skip []uuid.UUID) ([]domain.Shipment, error) {
	if skip == nil {
		skip = []uuid.UUID{}
	}
	rows, err := r.q.Query(ctx, `SELECT `+shipmentColumns+` FROM shipments
		WHERE stage = 1 AND at_central_at IS NOT NULL AND onward_waybill IS NULL AND status <> 'cancelled'
		AND (onward_retry_at IS NULL OR onward_retry_at <= $2) AND carrier_id <> ALL($3)
		ORDER BY at_central_at, shipment_id LIMIT $1`, limit, now, skip)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Shipment, error) { return scanShipment(row) })
}

func (r repo) DeferOnward(ctx context.Context, consolidation uuid.UUID, until time.Time) error {
	_, err := r.q.Exec(ctx, `UPDATE shipments SET onward_retry_at = $2 WHERE consolidation_id = $1 AND onward_waybill IS NULL`,
		consolidation, until)
	return err
}

func (r repo) WaitingInConsolidation(ctx context.Context, consolidation uuid.UUID) ([]domain.Shipment, error) {
	rows, err := r.q.Query(ctx, `SELECT `+shipmentColumns+` FROM shipments
		WHERE consolidation_id = $1 AND stage = 1 AND at_central_at IS NOT NULL AND onward_waybill IS NULL AND status <> 'cancelled'
		ORDER BY at_central_at, shipment_id`, consolidation)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Shipment, error) { return scanShipment(row) })
}

func (r repo) SetConsolidation(ctx context.Context, ids []uuid.UUID, consolidation uuid.UUID) (int, error) {
	tag, err := r.q.Exec(ctx, `UPDATE shipments SET consolidation_id = $2 WHERE shipment_id = ANY($1) AND consolidation_id IS NULL`, ids, consolidation)
	return int(tag.RowsAffected()), err
}

// saveShipment is the statement that writes a shipment's changing fields.
func saveShipment(s domain.Shipment) (string, []any) {
	var lat, lng *float64
	var posAt, lastAt *time.Time
	posName := ""
	if s.Position != nil {
		lat, lng, posName, posAt = &s.Position.Point.Lat, &s.Position.Point.Lng, s.Position.Name, &s.Position.At
	}
	if !s.LastEventAt.IsZero() {
		lastAt = &s.LastEventAt
	}
	var consolidation *uuid.UUID
	if s.ConsolidationID != uuid.Nil {
		consolidation = &s.ConsolidationID
	}
	return `UPDATE shipments SET waybill = $2, status = $3, position_lat = $4, position_lng = $5,
		position_name = $6, position_at = $7, leg = $8, last_event_at = $9, last_event_seq = $10, eta = $11,
		picked_up_at = $12, delivered_at = $13, completed_at = $14, cancelled_at = $15, committed = $16,
		stage = $17, at_central_at = $18, consolidation_id = $19, onward_waybill = $20, carrier_cancel_done_at = $21,
		carrier_cancel_refusal = $22, last_event_stage = $23, delivery_received_at = $24
		WHERE shipment_id = $1`, []any{s.ID, nullable(s.Waybill), s.Status, lat, lng, posName, posAt, s.Leg, lastAt,
			s.LastEventSeq, s.ETA, s.PickedUpAt, s.DeliveredAt, s.CompletedAt, s.CancelledAt, s.Committed, max(s.Stage, 1),
			s.AtCentralAt, consolidation, nullable(s.OnwardWaybill), s.CarrierCancelDoneAt, s.CarrierCancelRefusal, s.LastEventStage, s.DeliveryReceivedAt}
}

// nullable stores an empty string as NULL.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (r repo) Unbooked(ctx context.Context, before time.Time, limit int) ([]domain.Shipment, error) {
	return r.fairShare(ctx, `waybill IS NULL AND status <> 'cancelled' AND created_at < $1`, "created_at", before, limit)
}

func (r repo) UncancelledAtCarrier(ctx context.Context, before time.Time, limit int) ([]domain.Shipment, error) {
	return r.fairShare(ctx, `status = 'cancelled' AND carrier_cancel_done_at IS NULL AND cancelled_at < $1`, "cancelled_at", before, limit)
}

// fairShare returns up to limit shipments where holds (with $1 bound to
// before), oldest by the column first, and at most a quarter of limit (at
// least one) per carrier: a carrier whose calls keep failing leaves
// room in every round for the others' parcels, however many of its own
// wait ahead of them.
func (r repo) fairShare(ctx context.Context, where, column string, before time.Time, limit int) ([]domain.Shipment, error) {
	rows, err := r.q.Query(ctx, `SELECT `+shipmentColumns+` FROM (
			SELECT *, row_number() OVER (PARTITION BY carrier_id ORDER BY `+column+`) AS carrier_rank FROM shipments WHERE `+where+`
		) s WHERE carrier_rank <= $3 ORDER BY `+column+` LIMIT $2`, before, limit, max(limit/4, 1))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Shipment, error) { return scanShipment(row) })
}

func (r repo) DeleteShipment(ctx context.Context, id uuid.UUID) error {
	_, err := r.q.Exec(ctx, `DELETE FROM shipments WHERE shipment_id = $1 AND waybill IS NULL AND status = 'booked'`, id)
	return err
}

func (r repo) ListShipments(ctx context.Context, f app.ShipmentFilter, after *app.ShipmentCursor, limit int) ([]domain.Shipment, error) {
	where := []string{"true"}
	args := []any{}
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	switch {
	case f.MerchantOrgID != uuid.Nil && f.BuyerID != "":
		where = append(where, "(merchant_org_id = "+arg(f.MerchantOrgID)+" OR (merchant_org_id IS NULL AND buyer_id = "+arg(f.BuyerID)+"))")
	case f.MerchantOrgID != uuid.Nil:
		where = append(where, "merchant_org_id = "+arg(f.MerchantOrgID))
	case f.BuyerID != "":
		where = append(where, "buyer_id = "+arg(f.BuyerID))
	}
	if f.OwnOnly {
		where = append(where, "merchant_org_id IS NULL")
	}
	if f.SupplierOrgID != uuid.Nil {
		where = append(where, "supplier_org_id = "+arg(f.SupplierOrgID))
	}
	if len(f.Statuses) > 0 {
		st := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			st[i] = string(s)
		}
		where = append(where, "status = ANY("+arg(st)+")")
	}
	if after != nil {
		where = append(where, "(created_at, shipment_id) < ("+arg(after.CreatedAt)+", "+arg(after.ID)+")")
	}
	rows, err := r.q.Query(ctx, `SELECT `+shipmentColumns+` FROM shipments WHERE `+strings.Join(where, " AND ")+
		` ORDER BY created_at DESC, shipment_id DESC LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Shipment, error) { return scanShipment(row) })
}

func (r repo) ShipmentsToCommit(ctx context.Context, limit int) ([]domain.Shipment, error) {
	rows, err := r.q.Query(ctx, `SELECT `+shipmentColumns+` FROM shipments
		WHERE picked_up_at IS NOT NULL AND NOT committed AND reservation_id <> '' AND stock_commit_refused_at IS NULL
		ORDER BY picked_up_at LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Shipment, error) { return scanShipment(row) })
}

func (r repo) MarkCommitted(ctx context.Context, id uuid.UUID) error {
	_, err := r.q.Exec(ctx, `UPDATE shipments SET committed = true WHERE shipment_id = $1`, id)
	return err
}

func (r repo) MarkStockCommitRefused(ctx context.Context, id uuid.UUID, reason string, at time.Time) error {
	_, err := r.q.Exec(ctx, `UPDATE shipments SET stock_commit_refused_at = $2, stock_commit_refusal = $3
		WHERE shipment_id = $1 AND NOT committed`, id, at, reason)
	return err
}

// nullUUID scans a nullable uuid column into a uuid.UUID, uuid.Nil for NULL.
type nullUUID struct{ dst *uuid.UUID }

func (n nullUUID) Scan(src any) error {
	if src == nil {
		*n.dst = uuid.Nil
		return nil
	}
	return n.dst.Scan(src)
}

// nullIfNil writes uuid.Nil as NULL.
func nullIfNil(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}
