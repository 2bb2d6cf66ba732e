package domain

import (
	"bytes"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// MaxQuantity bounds every quantity a request can carry, so sums of a few
// thousand of them never overflow an int64.
const MaxQuantity int64 = 1_000_000_000

// Stock errors.
var (
	// ErrInsufficientStock is returned when a reservation cannot be filled
	// from what is available; nothing is reserved.
	ErrInsufficientStock = apperr.FailedPrecondition("insufficient stock").WithReason("INSUFFICIENT_STOCK")
	// ErrBelowReserved is returned when on-hand stock would fall below what
	// active reservations hold, or below zero.
	ErrBelowReserved = apperr.FailedPrecondition("on-hand stock may not fall below the reserved quantity").
				WithReason("BELOW_RESERVED")
	// ErrReservedNegative means a release or commit of more than is held: a
	// bug, never a client mistake, so it is not an apperr error and a client
	// sees only Internal.
	ErrReservedNegative = errors.New("inventory: reserved stock would go negative")
)

// StockKey names a SKU's stock in one warehouse.
type StockKey struct {
	SKUID       uuid.UUID
	WarehouseID uuid.UUID
}

// Compare orders keys by SKU, then warehouse (UUIDs bytewise, as PostgreSQL
// orders them): the order in which stock rows are locked, the same
// everywhere, so concurrent transactions never deadlock.
func (k StockKey) Compare(o StockKey) int {
	if c := bytes.Compare(k.SKUID[:], o.SKUID[:]); c != 0 {
		return c
	}
	return bytes.Compare(k.WarehouseID[:], o.WarehouseID[:])
}

// Level is a SKU's stock in one warehouse. Reserved is the sum of the lines of
// active reservations on it; it changes only together with them. The
// invariant 0 ≤ Reserved ≤ OnHand holds after every method, so Available is
// never negative and nothing is sold twice.
type Level struct {
	StockKey
	OnHand   int64
	Reserved int64
	// LowStockThreshold is the available level at or under which the level is
	// low; 0 turns the alert off.
	LowStockThreshold int64
}

// Available is what can still be reserved.
func (l Level) Available() int64 { return l.OnHand - l.Reserved }

// IsLow reports whether the available stock is at or under the threshold.
func (l Level) IsLow() bool { return l.LowStockThreshold > 0 && l.Available() <= l.LowStockThreshold }

// MovementKind says why stock moved; the values are the journal's kinds.
type MovementKind string

// The movements. Receipts, adjustments, syncs and commits change on-hand
// stock; reservations, releases, expiries and commits change reserved stock.
const (
	MoveReceipt     MovementKind = "receipt"
	MoveAdjustment  MovementKind = "adjustment"
	MoveSync        MovementKind = "sync"
	MoveReservation MovementKind = "reservation"
	MoveCommit      MovementKind = "commit"
	MoveRelease     MovementKind = "release"
	MoveExpiry      MovementKind = "expiry"
)

// Movement is one change of one level: a journal entry. After is the level
// the movement left; WasLow says whether the level was low before it, so a
// crossing into low stock can be told from staying low.
type Movement struct {
	ID            int64 // assigned by the journal
	Kind          MovementKind
	OnHandDelta   int64
	ReservedDelta int64
	After         Level
	WasLow        bool
	ActorID       string
	Reason        string
	Reference     string
	At            time.Time
	// GoodsLeftAt is when a commit's goods left the warehouse (the
	// carrier's pick-up), when the committer said: a count as of a later
	// moment already excluded them. Nil for other movements.
	GoodsLeftAt *time.Time
}

// BecameLow reports whether this movement took the level into low stock.
func (m Movement) BecameLow() bool { return !m.WasLow && m.After.IsLow() }

// move applies the deltas if the invariant survives them.
func (l *Level) move(kind MovementKind, onHand, reserved int64) (Movement, error) {
	on, res := l.OnHand+onHand, l.Reserved+reserved
	if res < 0 {
		return Movement{}, ErrReservedNegative
	}
	if on < res || on < 0 {
		if kind == MoveReservation {
			return Movement{}, ErrInsufficientStock
		}
		return Movement{}, ErrBelowReserved
	}
	wasLow := l.IsLow()
	l.OnHand, l.Reserved = on, res
	return Movement{Kind: kind, OnHandDelta: onHand, ReservedDelta: reserved, After: *l, WasLow: wasLow}, nil
}

// Reserve holds q available units.
func (l *Level) Reserve(q int64) (Movement, error) { return l.move(MoveReservation, 0, q) }

// Unreserve gives back q held units because a reservation was released or
// expired (kind MoveRelease or MoveExpiry).
func (l *Level) Unreserve(kind MovementKind, q int64) (Movement, error) { return l.move(kind, 0, -q) }

// Ship removes q held units from the warehouse: a committed reservation.
func (l *Level) Ship(q int64) (Movement, error) { return l.move(MoveCommit, -q, -q) }

// ShipCounted commits q reserved units that a count taken after they left
// already took off on-hand: only what is reserved falls.
func (l *Level) ShipCounted(q int64) (Movement, error) { return l.move(MoveCommit, 0, -q) }

// Adjust changes on-hand stock by a signed delta; it may not fall below what
// is reserved.
func (l *Level) Adjust(delta int64) (Movement, error) { return l.move(MoveAdjustment, delta, 0) }

// Receive adds q units that arrived at the warehouse.
func (l *Level) Receive(q int64) (Movement, error) { return l.move(MoveReceipt, q, 0) }

// SetOnHand sets the absolute on-hand level, as an ERP reports it; changed is
// false when it already was that.
func (l *Level) SetOnHand(n int64) (m Movement, changed bool, err error) {
	if n == l.OnHand {
		return Movement{}, false, nil
	}
	m, err = l.move(MoveSync, n-l.OnHand, 0)
	return m, err == nil, err
}
