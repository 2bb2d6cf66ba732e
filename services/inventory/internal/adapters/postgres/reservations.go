package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// requestedLine is the stored form of a requested line.
type requestedLine struct {
	SKUID    uuid.UUID `json:"sku_id"`
	Quantity int64     `json:"quantity"`
}

func encodeRequested(lines []domain.OrderLine) ([]byte, error) {
	out := make([]requestedLine, len(lines))
	for i, l := range lines {
		out[i] = requestedLine{l.SKUID, l.Quantity}
	}
	return json.Marshal(out)
}

// ClaimReservation inserts the reservation unless its order has one. Under
// READ COMMITTED a concurrent insert of the same order id makes this one wait
// for that transaction and then do nothing (or insert, if it rolled back).
func (r repo) ClaimReservation(ctx context.Context, res domain.Reservation) (bool, error) {
	requested, err := encodeRequested(res.Requested)
	if err != nil {
		return false, err
	}
	tag, err := r.q.Exec(ctx, `INSERT INTO reservations (id, order_id, status, requested, expires_at, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (order_id) DO NOTHING`,
		res.ID, res.OrderID, string(res.Status), requested, res.ExpiresAt, res.CreatedAt, res.CreatedBy)
	if err != nil {
		return false, fmt.Errorf("insert reservation: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

const reservationColumns = `id, order_id, status, requested, expires_at, created_at, created_by, finished_at, finished_by, reason`

func scanReservation(row pgx.Row) (domain.Reservation, error) {
	var res domain.Reservation
	var requested []byte
	var finishedAt *time.Time
	if err := row.Scan(&res.ID, &res.OrderID, &res.Status, &requested, &res.ExpiresAt, &res.CreatedAt, &res.CreatedBy,
		&finishedAt, &res.FinishedBy, &res.Reason); err != nil {
		return domain.Reservation{}, err
	}
	if finishedAt != nil {
		res.FinishedAt = *finishedAt
	}
	var lines []requestedLine
	if err := json.Unmarshal(requested, &lines); err != nil {
		return domain.Reservation{}, fmt.Errorf("reservation %s: requested lines: %w", res.ID, err)
	}
	for _, l := range lines {
		res.Requested = append(res.Requested, domain.OrderLine{SKUID: l.SKUID, Quantity: l.Quantity})
	}
	return res, nil
}

// GetReservation reads an order's reservation and its lines.
func (r repo) GetReservation(ctx context.Context, orderID string) (domain.Reservation, error) {
	return r.getReservation(ctx, orderID, "")
}

func (r repo) getReservation(ctx context.Context, orderID, lock string) (domain.Reservation, error) {
	res, err := scanReservation(r.q.QueryRow(ctx, `SELECT `+reservationColumns+` FROM reservations WHERE order_id = $1`+lock, orderID))
	if err != nil {
		return domain.Reservation{}, pg.NoRows(err, apperr.NotFound("reservation", orderID))
	}
	return res, r.loadLines(ctx, &res)
}

// reservations is the read-modify-write of a reservation by order id.
var reservations = pg.Repository[string, domain.Reservation]{
	Lock: func(ctx context.Context, q pg.Querier, orderID string) (domain.Reservation, error) {
		return repo{q: q}.getReservation(ctx, orderID, ` FOR UPDATE`)
	},
	Save: func(ctx context.Context, q pg.Querier, res domain.Reservation) error {
		return repo{q: q}.saveReservation(ctx, res)
	},
}

// errNoneDue is dueReservations' Lock finding no due reservation.
var errNoneDue = errors.New("inventory: no reservation is due")

// dueReservations is the read-modify-write of the most overdue active
// reservation at a time. SKIP LOCKED: one being committed or released right
// now is left to that transaction.
var dueReservations = pg.Repository[time.Time, domain.Reservation]{
	Lock: func(ctx context.Context, q pg.Querier, now time.Time) (domain.Reservation, error) {
		res, err := scanReservation(q.QueryRow(ctx, `SELECT `+reservationColumns+` FROM reservations
			WHERE status = 'active' AND expires_at <= $1 ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED`, now))
		if err != nil {
			return domain.Reservation{}, pg.NoRows(err, errNoneDue)
		}
		return res, repo{q: q}.loadLines(ctx, &res)
	},
	Save: reservations.Save,
}

// UpdateReservation changes an order's reservation under its row lock and
// writes the change's events with it (see pg.Repository.Update).
func (r repo) UpdateReservation(ctx context.Context, orderID string, change func(*domain.Reservation) ([]outbox.Message, error)) (domain.Reservation, error) {
	return reservations.Update(ctx, r.q, orderID, change)
}

// UpdateDueReservation changes the most overdue active reservation nobody
// else holds.
func (r repo) UpdateDueReservation(ctx context.Context, now time.Time, change func(*domain.Reservation) ([]outbox.Message, error)) (domain.Reservation, bool, error) {
	res, err := dueReservations.Update(ctx, r.q, now, change)
	if errors.Is(err, errNoneDue) {
		return domain.Reservation{}, false, nil
	}
	return res, err == nil, err
}

func (r repo) loadLines(ctx context.Context, res *domain.Reservation) error {
	rows, err := r.q.Query(ctx, `SELECT sku_id, warehouse_id, quantity FROM reservation_lines
		WHERE reservation_id = $1 ORDER BY sku_id, warehouse_id`, res.ID)
	if err != nil {
		return err
	}
	res.Lines, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.ReservationLine, error) {
		var l domain.ReservationLine
		err := row.Scan(&l.SKUID, &l.WarehouseID, &l.Quantity)
		return l, err
	})
	return err
}

// SaveReservationLines inserts a reservation's lines in one statement.
func (r repo) SaveReservationLines(ctx context.Context, id uuid.UUID, lines []domain.ReservationLine) error {
	skus, warehouses, qty := make([]uuid.UUID, len(lines)), make([]uuid.UUID, len(lines)), make([]int64, len(lines))
	for i, l := range lines {
		skus[i], warehouses[i], qty[i] = l.SKUID, l.WarehouseID, l.Quantity
	}
	_, err := r.q.Exec(ctx, `INSERT INTO reservation_lines (reservation_id, sku_id, warehouse_id, quantity)
		SELECT $1, * FROM unnest($2::uuid[], $3::uuid[], $4::bigint[])`, id, skus, warehouses, qty)
	if err != nil {
		return fmt.Errorf("insert reservation lines: %w", err)
	}
	return nil
}

// saveReservation writes status, expiry and the finishing fields.
func (r repo) saveReservation(ctx context.Context, res domain.Reservation) error {
	var finishedAt *time.Time
	if !res.FinishedAt.IsZero() {
		finishedAt = &res.FinishedAt
	}
	tag, err := r.q.Exec(ctx, `UPDATE reservations SET status = $2, expires_at = $3, finished_at = $4, finished_by = $5, reason = $6
		WHERE id = $1`, res.ID, string(res.Status), res.ExpiresAt, finishedAt, res.FinishedBy, res.Reason)
	return pg.Affected(tag, err, apperr.NotFound("reservation", res.OrderID))
}
