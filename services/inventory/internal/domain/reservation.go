package domain

import (
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// ReservationStatus is where a reservation is. Only an active one holds stock.
type ReservationStatus string

// A reservation starts active and ends once: committed on shipment, released
// on cancel, or expired by the sweeper when not paid in time.
const (
	ReservationActive    ReservationStatus = "active"
	ReservationCommitted ReservationStatus = "committed"
	ReservationReleased  ReservationStatus = "released"
	ReservationExpired   ReservationStatus = "expired"
)

// Reservation errors.
var (
	ErrReservationReleased  = apperr.FailedPrecondition("the reservation was released").WithReason("RESERVATION_RELEASED")
	ErrReservationExpired   = apperr.FailedPrecondition("the reservation expired").WithReason("RESERVATION_EXPIRED")
	ErrReservationCommitted = apperr.FailedPrecondition("the reservation was committed: its stock has shipped").
				WithReason("RESERVATION_COMMITTED")
	ErrOrderReservedOtherwise = apperr.AlreadyExists("the order already has a reservation of other lines").
					WithReason("ORDER_RESERVED_OTHERWISE")
	ErrSKUNotReservable = apperr.FailedPrecondition("the SKU cannot be reserved: its product is deleted").
				WithReason("SKU_NOT_RESERVABLE")
)

// Reservation limits.
const (
	// DefaultReservationTTL is how long stock is held for an unpaid order.
	DefaultReservationTTL = 30 * time.Minute
	// MaxReservationTTL bounds a hold: long enough for payment and shipment.
	MaxReservationTTL = 30 * 24 * time.Hour
	maxOrderIDLen     = 128
)

// Reservation is an order's hold on stock.
type Reservation struct {
	ID      uuid.UUID
	OrderID string
	Status  ReservationStatus
	// Requested are the combined lines as asked for; a repeated Reserve of the
	// same order must ask for the same.
	Requested []OrderLine
	// Lines are the allocated lines, per SKU and warehouse.
	Lines      []ReservationLine
	ExpiresAt  time.Time
	CreatedAt  time.Time
	CreatedBy  string
	FinishedAt time.Time
	FinishedBy string
	Reason     string
}

// ReserveRequest is a validated request to reserve an order's lines.
type ReserveRequest struct {
	OrderID string
	// Lines are combined per SKU and sorted.
	Lines []OrderLine
	// TTL is zero when the caller gave none.
	TTL time.Duration
}

// NewReserveRequest validates a reservation request (fields "order_id",
// "lines[i].sku_id", "lines[i].quantity", "ttl") and combines its lines.
func NewReserveRequest(orderID string, lines []OrderLine, ttl time.Duration) (ReserveRequest, error) {
	var v violations
	orderID = apperr.CheckText(&v, "order_id", orderID, 1, maxOrderIDLen)
	switch {
	case ttl < 0:
		v.Add("ttl", "must not be negative")
	case ttl > 0 && ttl < time.Second:
		v.Add("ttl", "must be at least one second")
	case ttl > MaxReservationTTL:
		v.Add("ttl", "must be at most "+strconv.Itoa(int(MaxReservationTTL/time.Hour))+"h")
	}
	combined, err := CombineLines("lines", lines)
	v.Merge(err)
	if err := v.Err(); err != nil {
		return ReserveRequest{}, err
	}
	return ReserveRequest{OrderID: orderID, Lines: combined, TTL: ttl}, nil
}

// NewReservation starts an active reservation of req, expiring after ttl.
func NewReservation(req ReserveRequest, ttl time.Duration, actor string, now time.Time) Reservation {
	return Reservation{
		ID:        uuid.Must(uuid.NewV7()),
		OrderID:   req.OrderID,
		Status:    ReservationActive,
		Requested: req.Lines,
		ExpiresAt: now.Add(ttl),
		CreatedAt: now,
		CreatedBy: actor,
	}
}

// SameRequest reports whether lines (combined) are what the reservation was
// made for: a retry, not a different order under the same id.
func (r Reservation) SameRequest(lines []OrderLine) bool {
	return slices.Equal(r.Requested, lines)
}

// Extend pushes an active reservation's expiry to now+ttl; it never shortens
// it, and a finished reservation keeps its end.
func (r *Reservation) Extend(ttl time.Duration, now time.Time) bool {
	if r.Status != ReservationActive || ttl <= 0 || !now.Add(ttl).After(r.ExpiresAt) {
		return false
	}
	r.ExpiresAt = now.Add(ttl)
	return true
}

// Commit marks the reservation shipped. changed is false when it already was
// (a retry); a released or expired reservation cannot ship.
func (r *Reservation) Commit(actor string, now time.Time) (changed bool, err error) {
	switch r.Status {
	case ReservationCommitted:
		return false, nil
	case ReservationReleased:
		return false, ErrReservationReleased
	case ReservationExpired:
		return false, ErrReservationExpired
	}
	r.finish(ReservationCommitted, actor, "", now)
	return true, nil
}

// Release cancels the reservation. changed is false when it holds nothing any
// more (released or expired before); a committed one has shipped and cannot
// be released.
func (r *Reservation) Release(actor, reason string, now time.Time) (changed bool, err error) {
	switch r.Status {
	case ReservationReleased, ReservationExpired:
		return false, nil
	case ReservationCommitted:
		return false, ErrReservationCommitted
	}
	r.finish(ReservationReleased, actor, reason, now)
	return true, nil
}

// Expire ends an active reservation whose time is up; changed is false when
// it is not active or not due.
func (r *Reservation) Expire(actor string, now time.Time) bool {
	if r.Status != ReservationActive || r.ExpiresAt.After(now) {
		return false
	}
	r.finish(ReservationExpired, actor, "not paid in time", now)
	return true
}

func (r *Reservation) finish(status ReservationStatus, actor, reason string, now time.Time) {
	r.Status, r.FinishedBy, r.FinishedAt, r.Reason = status, actor, now, reason
}
