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
	"github.com/crossdock/crossdock/services/inventory/internal/app"
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

// ClaimReservations inserts the reservations, in order id order, except
// those whose order has one, and returns the order ids it inserted. Under
// READ COMMITTED a concurrent insert of the same order id makes this one
// wait for that transaction and then skip the row (or insert it, if that
// transaction rolled back).
func (r repo) ClaimReservations(ctx context.Context, rs []domain.Reservation) (map[string]bool, error) {
	claimed := map[string]bool{}
	if len(rs) == 0 {
		return claimed, nil
	}
	n := len(rs)
	ids, orders, statuses, requested := make([]uuid.UUID, n), make([]string, n), make([]string, n), make([]string, n)
	expires, created, by := make([]time.Time, n), make([]time.Time, n), make([]string, n)
	for i, res := range rs {
		req, err := encodeRequested(res.Requested)
		if err != nil {
			return nil, err
		}
		ids[i], orders[i], statuses[i], requested[i] = res.ID, res.OrderID, string(res.Status), string(req)
		expires[i], created[i], by[i] = res.ExpiresAt, res.CreatedAt, res.CreatedBy
	}
	rows, err := r.q.Query(ctx, `INSERT INTO reservations (id, order_id, status, requested, expires_at, created_at, created_by)
		SELECT v.id, v.order_id, v.status, v.requested::jsonb, v.expires_at, v.created_at, v.created_by
		FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[])
			AS v (id, order_id, status, requested, expires_at, created_at, created_by)
		ORDER BY v.order_id
		ON CONFLICT (order_id) DO NOTHING RETURNING order_id`, ids, orders, statuses, requested, expires, created, by)
	if err != nil {
		return nil, fmt.Errorf("insert reservations: %w", err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("insert reservations: %w", err)
	}
	for _, id := range got {
		claimed[id] = true
	}
	return claimed, nil
}

// LockReservations locks the orders' reservations in order id order and
// reads them with their lines, by order id.
func (r repo) LockReservations(ctx context.Context, orderIDs []string) (map[string]domain.Reservation, error) {
	out := map[string]domain.Reservation{}
	if len(orderIDs) == 0 {
		return out, nil
	}
	rows, err := r.q.Query(ctx, `SELECT `+reservationColumns+` FROM reservations
		WHERE order_id = ANY($1) ORDER BY order_id FOR UPDATE`, orderIDs)
	if err != nil {
		return nil, err
	}
	rs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Reservation, error) { return scanReservation(row) })
	if err != nil {
		return nil, err
	}
	if err := r.loadManyLines(ctx, rs); err != nil {
		return nil, err
	}
	for _, res := range rs {
		out[res.OrderID] = res
	}
	return out, nil
}

// SaveReserveBatch writes what a batch of reservations decided in one round
// trip: the claims no call made deleted, the rows that changed updated, the
// new reservations' lines inserted, the stock rows that moved, their
// journal entries and the batch's events.
func (r repo) SaveReserveBatch(ctx context.Context, b domain.ReserveBatch, at time.Time, events ...app.Event) error {
	first := &pgx.Batch{}
	if err := outbox.QueueAll(ctx, first, r.tx, events...); err != nil {
		return err
	}
	var stmts []statement
	if len(b.Unused) > 0 {
		stmts = append(stmts, statement{what: "delete reservations", rows: len(b.Unused),
			sql: `DELETE FROM reservations WHERE id = ANY($1)`, args: []any{b.Unused}})
	}
	if len(b.Changed) > 0 {
		s, err := saveReservations(b.Changed)
		if err != nil {
			return err
		}
		stmts = append(stmts, s)
	}
	if s, ok := addReservationLines(b.Made); ok {
		stmts = append(stmts, s)
	}
	if len(b.Levels) > 0 {
		stmts = append(stmts, saveLevels(b.Levels, at))
	}
	if len(b.Moves) > 0 {
		stmts = append(stmts, appendJournal(b.Moves))
	}
	return sendAll(ctx, r.q, first, stmts...)
}

// saveReservations writes the requested lines, expiry and creator of active
// reservations.
func saveReservations(rs []domain.Reservation) (statement, error) {
	n := len(rs)
	ids, requested, expires, by := make([]uuid.UUID, n), make([]string, n), make([]time.Time, n), make([]string, n)
	for i, res := range rs {
		req, err := encodeRequested(res.Requested)
		if err != nil {
			return statement{}, err
		}
		ids[i], requested[i], expires[i], by[i] = res.ID, string(req), res.ExpiresAt, res.CreatedBy
	}
	return statement{what: "update reservations", rows: n, sql: `UPDATE reservations r SET requested = v.requested::jsonb,
			expires_at = v.expires_at, created_by = v.created_by
		FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[]) AS v (id, requested, expires_at, created_by)
		WHERE r.id = v.id`, args: []any{ids, requested, expires, by}}, nil
}

// addReservationLines inserts the lines of reservations; ok is false when
// they have none.
func addReservationLines(rs []domain.Reservation) (s statement, ok bool) {
	var ids, skus, warehouses []uuid.UUID
	var qty []int64
	for _, res := range rs {
		for _, l := range res.Lines {
			ids, skus, warehouses, qty = append(ids, res.ID), append(skus, l.SKUID), append(warehouses, l.WarehouseID), append(qty, l.Quantity)
		}
	}
	return statement{what: "insert reservation lines", rows: len(ids), sql: `INSERT INTO reservation_lines
			(reservation_id, sku_id, warehouse_id, quantity)
		SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[])`,
		args: []any{ids, skus, warehouses, qty}}, len(ids) > 0
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
var dueReservations = pg.Repository[dueAt, domain.Reservation]{
	Lock: func(ctx context.Context, q pg.Querier, due dueAt) (domain.Reservation, error) {
		res, err := scanReservation(q.QueryRow(ctx, `SELECT `+reservationColumns+` FROM reservations
			WHERE status = 'active' AND expires_at <= $1 AND NOT id = ANY($2)
			ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED`, due.now, due.skip))
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

// dueAt is which reservations are due: expired by now, but for skip.
type dueAt struct {
	now  time.Time
	skip []uuid.UUID
}

// UpdateDueReservation changes the most overdue active reservation nobody
// else holds, but for those in skip.
func (r repo) UpdateDueReservation(ctx context.Context, now time.Time, skip []uuid.UUID, change func(*domain.Reservation) ([]outbox.Message, error)) (domain.Reservation, bool, error) {
	if skip == nil {
		skip = []uuid.UUID{}
	}
	res, err := dueReservations.Update(ctx, r.q, dueAt{now: now, skip: skip}, change)
	if errors.Is(err, errNoneDue) {
		return domain.Reservation{}, false, nil
	}
	return res, err == nil, err
}

func (r repo) loadLines(ctx context.Context, res *domain.Reservation) error {
	rs := []domain.Reservation{*res}
	if err := r.loadManyLines(ctx, rs); err != nil {
		return err
	}
	*res = rs[0]
	return nil
}

// loadManyLines reads the lines of the reservations in one query.
func (r repo) loadManyLines(ctx context.Context, rs []domain.Reservation) error {
	if len(rs) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(rs))
	idx := make(map[uuid.UUID]int, len(rs))
	for i, res := range rs {
		ids[i], idx[res.ID] = res.ID, i
	}
	rows, err := r.q.Query(ctx, `SELECT reservation_id, sku_id, warehouse_id, quantity FROM reservation_lines
		WHERE reservation_id = ANY($1) ORDER BY reservation_id, sku_id, warehouse_id`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var l domain.ReservationLine
		if err := rows.Scan(&id, &l.SKUID, &l.WarehouseID, &l.Quantity); err != nil {
			return err
		}
		rs[idx[id]].Lines = append(rs[idx[id]].Lines, l)
	}
	return rows.Err()
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
