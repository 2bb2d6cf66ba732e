package postgres

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/geo"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

func (r repo) KnownTrackingEvents(ctx context.Context, keys []app.EventKey) (map[app.EventKey]bool, error) {
	known := map[app.EventKey]bool{}
	if len(keys) == 0 {
		return known, nil
	}
	carriers, ids := make([]uuid.UUID, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		carriers[i], ids[i] = k.CarrierID, k.EventID
	}
	rows, err := r.q.Query(ctx, `SELECT e.carrier_id, e.event_id FROM tracking_events e
		JOIN unnest($1::uuid[], $2::text[]) AS k(carrier_id, event_id) USING (carrier_id, event_id)`, carriers, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k app.EventKey
		if err := rows.Scan(&k.CarrierID, &k.EventID); err != nil {
			return nil, err
		}
		known[k] = true
	}
	return known, rows.Err()
}

func (r repo) InsertTrackingEvents(ctx context.Context, events []app.RecordedEvent) error {
	if len(events) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, ev := range events {
		var lat, lng *float64
		if ev.Point != nil {
			lat, lng = &ev.Point.Lat, &ev.Point.Lng
		}
		b.Queue(`INSERT INTO tracking_events (carrier_id, event_id, shipment_id, occurred_at, seq, status,
			leg, location_name, lat, lng, description, applied, received_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			ev.CarrierID, ev.CarrierEventID, ev.ShipmentID, ev.OccurredAt, ev.Seq, ev.Status, ev.Leg, ev.LocationName,
			lat, lng, ev.Description, ev.Applied, ev.ReceivedAt)
	}
	return r.q.SendBatch(ctx, b).Close()
}

// TrackingEventsPage reads one more event than the page holds, to tell
// whether another page follows.
func (r repo) TrackingEventsPage(ctx context.Context, shipmentID uuid.UUID, after *app.EventCursor, size int) ([]app.StoredEvent, *app.EventCursor, error) {
	q, args := `SELECT carrier_id, `+eventColumns+` FROM tracking_events WHERE shipment_id = $1`, []any{shipmentID, size + 1}
	if after != nil {
		q += ` AND (occurred_at, seq, carrier_id, event_id) > ($3, $4, $5, $6)`
		args = append(args, after.OccurredAt, after.Seq, after.CarrierID, after.EventID)
	}
	rows, err := r.q.Query(ctx, q+` ORDER BY occurred_at, seq, carrier_id, event_id LIMIT $2`, args...)
	if err != nil {
		return nil, nil, err
	}
	var carriers []uuid.UUID
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.StoredEvent, error) {
		var carrier uuid.UUID
		e, err := scanEventInto(row, &carrier)
		carriers = append(carriers, carrier)
		return e, err
	})
	if err != nil || len(events) <= size {
		return events, nil, err
	}
	last := events[size-1]
	return events[:size], &app.EventCursor{OccurredAt: last.OccurredAt, Seq: last.Seq, CarrierID: carriers[size-1], EventID: last.CarrierEventID}, nil
}

const (
	eventColumns = `event_id, occurred_at, seq, status, leg, location_name, lat, lng, description, applied, received_at`
	eventQuery   = `SELECT ` + eventColumns + ` FROM tracking_events WHERE shipment_id = $1`
)

func scanEvent(row pgx.CollectableRow) (app.StoredEvent, error) { return scanEventInto(row) }

// scanEventInto scans an event's columns after the leading ones, into
// leading.
func scanEventInto(row pgx.CollectableRow, leading ...any) (app.StoredEvent, error) {
	var e app.StoredEvent
	var lat, lng *float64
	err := row.Scan(append(leading, &e.CarrierEventID, &e.OccurredAt, &e.Seq, &e.Status, &e.Leg, &e.LocationName, &lat, &lng,
		&e.Description, &e.Applied, &e.ReceivedAt)...)
	if lat != nil && lng != nil {
		e.Point = &geo.Point{Lat: *lat, Lng: *lng}
	}
	return e, err
}

func (r repo) FeedCursor(ctx context.Context, carrierID uuid.UUID, feed string) (int64, error) {
	var after int64
	err := r.q.QueryRow(ctx, `SELECT after_seq FROM carrier_cursors WHERE carrier_id = $1 AND feed = $2`, carrierID, feed).Scan(&after)
	if err == pgx.ErrNoRows {
		return 0, nil
	}
	return after, err
}

func (r repo) SaveFeedCursor(ctx context.Context, carrierID uuid.UUID, feed string, after int64, at time.Time) error {
	_, err := r.q.Exec(ctx, `INSERT INTO carrier_cursors (carrier_id, feed, after_seq, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (carrier_id, feed) DO UPDATE SET after_seq = GREATEST(carrier_cursors.after_seq, EXCLUDED.after_seq), updated_at = EXCLUDED.updated_at`,
		carrierID, feed, after, at)
	return err
}

// InsertLeg records a leg unless its carrier has one with its id. A clash
// of payment references (two legs finance would take for one) is an
// error, not a repeat: the leg is never silently left unpaid.
func (r repo) InsertLeg(ctx context.Context, carrierID uuid.UUID, l domain.Leg) (bool, error) {
	tag, err := r.q.Exec(ctx, `INSERT INTO freight_legs (leg_id, carrier_id, shipment_id, kind, amount_minor, currency,
		confirmed_at, event_id, payment_ref) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (carrier_id, leg_id) DO NOTHING`,
		l.LegID, carrierID, l.ShipmentID, l.Kind, l.Amount.Amount, l.Amount.Currency, l.ConfirmedAt, l.EventID, l.PaymentRef)
	return tag.RowsAffected() == 1, err
}

const legColumns = `l.leg_id, l.payment_ref, l.shipment_id, l.kind, l.amount_minor, l.currency, l.confirmed_at, l.paid_at, l.event_id, l.refusal`

func scanLeg(row pgx.Row, extra ...any) (domain.Leg, error) {
	var l domain.Leg
	err := row.Scan(append([]any{&l.LegID, &l.PaymentRef, &l.ShipmentID, &l.Kind, &l.Amount.Amount, &l.Amount.Currency, &l.ConfirmedAt, &l.PaidAt, &l.EventID, &l.Refusal}, extra...)...)
	return l, err
}

func (r repo) ListLegs(ctx context.Context, shipmentID uuid.UUID) ([]domain.Leg, error) {
	rows, err := r.q.Query(ctx, `SELECT `+legColumns+` FROM freight_legs l WHERE l.shipment_id = $1 ORDER BY l.confirmed_at, l.leg_id`, shipmentID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Leg, error) { return scanLeg(row) })
}

func (r repo) UnpaidLegs(ctx context.Context, limit int) ([]app.PayableLeg, error) {
	rows, err := r.q.Query(ctx, `SELECT `+legColumns+`, s.sub_order_id, l.carrier_id, s.freight_payer, s.kind, s.return_id FROM freight_legs l
		JOIN shipments s USING (shipment_id) WHERE l.paid_at IS NULL AND l.refused_at IS NULL
		ORDER BY l.confirmed_at, l.leg_id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.PayableLeg, error) {
		var p app.PayableLeg
		var err error
		p.Leg, err = scanLeg(row, &p.SubOrderID, &p.CarrierID, payerScan{&p.Payer}, &p.ShipmentKind, &p.ReturnID)
		return p, err
	})
}

func (r repo) MarkLegPaid(ctx context.Context, carrierID uuid.UUID, legID string, at time.Time) error {
	_, err := r.q.Exec(ctx, `UPDATE freight_legs SET paid_at = $3 WHERE carrier_id = $1 AND leg_id = $2 AND paid_at IS NULL`, carrierID, legID, at)
	return err
}

func (r repo) MarkLegRefused(ctx context.Context, carrierID uuid.UUID, legID, reason string, at time.Time) error {
	_, err := r.q.Exec(ctx, `UPDATE freight_legs SET refused_at = $3, refusal = $4 WHERE carrier_id = $1 AND leg_id = $2 AND paid_at IS NULL`,
		carrierID, legID, at, reason)
	return err
}

func itoa(i int) string { return strconv.Itoa(i) }

// prefixed qualifies each column of a comma-separated list with p.
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
