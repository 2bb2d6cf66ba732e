package domain

import (
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// ReserveCall is one validated reservation request of a batch, with the
// hold it asks for and who asks.
type ReserveCall struct {
	Req   ReserveRequest
	TTL   time.Duration
	Actor string
}

// ReserveDecision is one call's answer: the reservation, or why not.
// Moves are the stock movements of the reservation the call made; a retry
// and a refusal move nothing.
type ReserveDecision struct {
	Reservation Reservation
	Err         error
	Moves       []Movement
}

// ReserveBatch is what a batch of reservation calls decided, ready to be
// written: one answer per call, the rows to change, and the stock that moved.
type ReserveBatch struct {
	// Decisions answer the calls, in order.
	Decisions []ReserveDecision
	// Made are the new reservations, with their lines.
	Made []Reservation
	// Changed are reservations whose stored row differs from what was
	// stored: an expiry a retry extended, or an order whose first call was
	// refused and a later one in the batch made it with its own request.
	Changed []Reservation
	// Unused are the ids of claimed reservations that no call made.
	Unused []uuid.UUID
	// Levels are the levels that moved, as the batch left them, by key.
	Levels []Level
	// Moves are every movement of the batch, in call order.
	Moves []Movement
}

// SKUNotFound is the error for a SKU the directory does not know.
func SKUNotFound(id uuid.UUID) error { return apperr.NotFound("sku", id.String()) }

// DecideReservations applies a batch of reservation calls in memory, one
// after the other in order, exactly as if each had been made alone and
// committed before the next: every call sees the stock the calls before it
// left, so stock is never oversold, and a refused call changes nothing
// and does not affect the others.
//
// claimed are the reservations the batch claimed for orders that had none
// (by order id, made from the first call of the order); existing are the
// orders' stored reservations, locked. An order with a reservation (stored,
// or made earlier in the batch) answers a call of the same lines with that
// reservation (extending an active one's expiry when the call gives a ttl)
// and a call of other lines with ErrOrderReservedOtherwise. skus are the
// known SKUs, levels the locked stock rows of every SKU the calls of claimed
// orders name.
func DecideReservations(calls []ReserveCall, claimed, existing map[string]Reservation, skus map[uuid.UUID]SKU, levels []Level, now time.Time) ReserveBatch {
	stock := make([]Level, len(levels))
	copy(stock, levels)
	bySKU := map[uuid.UUID][]*Level{}
	for i := range stock {
		bySKU[stock[i].SKUID] = append(bySKU[stock[i].SKUID], &stock[i])
	}
	type order struct {
		res     Reservation
		stored  Reservation // the row as stored or claimed
		held    bool        // res exists: stored before, or made in the batch
		claimed bool
		dirty   bool
	}
	orders := map[string]*order{}
	var seq []*order
	for _, c := range calls {
		id := c.Req.OrderID
		if orders[id] != nil {
			continue
		}
		o := &order{}
		if res, ok := existing[id]; ok {
			o.res, o.stored, o.held = res, res, true
		} else if res, ok := claimed[id]; ok {
			o.stored, o.claimed = res, true
		}
		orders[id] = o
		seq = append(seq, o)
	}

	out := ReserveBatch{Decisions: make([]ReserveDecision, len(calls))}
	moved := map[StockKey]bool{}
	for i, c := range calls {
		o := orders[c.Req.OrderID]
		d := &out.Decisions[i]
		switch {
		case o.held:
			if !o.res.SameRequest(c.Req.Lines) {
				d.Err = ErrOrderReservedOtherwise
				continue
			}
			if c.Req.TTL > 0 && o.res.Extend(c.Req.TTL, now) {
				o.dirty = true
			}
			d.Reservation = o.res
		case o.claimed:
			res := NewReservation(c.Req, c.TTL, c.Actor, now)
			res.ID, res.CreatedAt = o.stored.ID, o.stored.CreatedAt
			lines, moves, err := allocateFor(c.Req, skus, bySKU)
			if err != nil {
				d.Err = err
				continue
			}
			for j := range moves {
				moves[j].ActorID, moves[j].Reference, moves[j].At = c.Actor, c.Req.OrderID, now
				moved[moves[j].After.StockKey] = true
			}
			res.Lines = lines
			o.res, o.held = res, true
			o.dirty = !sameRow(res, o.stored)
			d.Reservation, d.Moves = res, moves
			out.Made = append(out.Made, res)
			out.Moves = append(out.Moves, moves...)
		default:
			// Neither stored nor claimed: the caller's lookup missed it.
			d.Err = apperr.NotFound("reservation", c.Req.OrderID)
		}
	}
	for _, o := range seq {
		switch {
		case o.claimed && !o.held:
			out.Unused = append(out.Unused, o.stored.ID)
		case o.dirty:
			out.Changed = append(out.Changed, o.res)
		}
	}
	for _, l := range stock {
		if moved[l.StockKey] {
			out.Levels = append(out.Levels, l)
		}
	}
	return out
}

// allocateFor checks that every SKU of req is known and reservable, then
// allocates req's lines against the SKUs' levels (see Allocate).
func allocateFor(req ReserveRequest, skus map[uuid.UUID]SKU, bySKU map[uuid.UUID][]*Level) ([]ReservationLine, []Movement, error) {
	var levels []*Level
	for _, l := range req.Lines {
		sku, ok := skus[l.SKUID]
		switch {
		case !ok:
			return nil, nil, SKUNotFound(l.SKUID)
		case !sku.Reservable:
			return nil, nil, ErrSKUNotReservable.WithMetadata("sku_id", l.SKUID.String())
		}
		levels = append(levels, bySKU[l.SKUID]...)
	}
	return Allocate(req.Lines, levels)
}

// sameRow reports whether a made reservation's stored fields are the ones
// its claim wrote.
func sameRow(a, b Reservation) bool {
	return a.SameRequest(b.Requested) && a.ExpiresAt.Equal(b.ExpiresAt) && a.CreatedBy == b.CreatedBy && a.Status == b.Status
}
