package domain_test

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// call builds a validated reservation call.
func call(t *testing.T, order string, ttl time.Duration, lines ...domain.OrderLine) domain.ReserveCall {
	t.Helper()
	req, err := domain.NewReserveRequest(order, lines, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return domain.ReserveCall{Req: req, TTL: max(ttl, time.Hour), Actor: "orders"}
}

func ol(sku uuid.UUID, q int64) domain.OrderLine { return domain.OrderLine{SKUID: sku, Quantity: q} }

// claims makes the reservations a batch would claim for orders without
// one, from each order's first call.
func claims(calls []domain.ReserveCall, stored map[string]domain.Reservation, now time.Time) map[string]domain.Reservation {
	out := map[string]domain.Reservation{}
	for _, c := range calls {
		if _, ok := out[c.Req.OrderID]; ok {
			continue
		}
		if _, ok := stored[c.Req.OrderID]; !ok {
			out[c.Req.OrderID] = domain.NewReservation(c.Req, c.TTL, c.Actor, now)
		}
	}
	return out
}

// One batch mixes reservations made, refused, repeated and stored before:
// each call gets its own answer, refusals move nothing, and the rows to
// write are exactly the changed ones.
func TestDecideReservations(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	unknown := uuid.MustParse("00000000-0000-0000-0000-0000000000ff")
	gone := uuid.MustParse("00000000-0000-0000-0000-0000000000ee")
	skus := map[uuid.UUID]domain.SKU{
		skuA: {ID: skuA, Reservable: true}, skuB: {ID: skuB, Reservable: true}, gone: {ID: gone},
	}
	levels := []domain.Level{*lvl(skuA, w1, 3, 0), *lvl(skuA, w2, 2, 1), *lvl(skuB, w1, 10, 0)}
	storedReq, _ := domain.NewReserveRequest("stored", []domain.OrderLine{ol(skuB, 1)}, 0)
	stored := domain.NewReservation(storedReq, time.Minute, "orders", now.Add(-time.Minute))
	stored.Lines = []domain.ReservationLine{{StockKey: domain.StockKey{SKUID: skuB, WarehouseID: w1}, Quantity: 1}}
	existing := map[string]domain.Reservation{"stored": stored}

	calls := []domain.ReserveCall{
		call(t, "o1", 0, ol(skuA, 3)),               // 0: made from w1 (3 available) → A has 1 left in w2
		call(t, "o2", 0, ol(skuA, 2), ol(skuB, 1)),  // 1: refused, A has 1 left
		call(t, "o3", 0, ol(unknown, 1)),            // 2: unknown SKU
		call(t, "o4", 0, ol(gone, 1)),               // 3: not reservable
		call(t, "o1", 0, ol(skuA, 3)),               // 4: a retry of o1: its reservation
		call(t, "o1", 0, ol(skuA, 1)),               // 5: o1 with other lines
		call(t, "o2", 0, ol(skuB, 4)),               // 6: o2 again, other lines, after its refusal: made
		call(t, "stored", 2*time.Hour, ol(skuB, 1)), // 7: a retry of a stored one, extending it
		call(t, "stored", 0, ol(skuB, 2)),           // 8: a stored one with other lines
		call(t, "o5", 0, ol(skuA, 2)),               // 9: refused: A has 1 left; o5 never made
	}
	claimed := claims(calls, existing, now)
	out := domain.DecideReservations(calls, claimed, existing, skus, levels, now)

	for _, tc := range []struct {
		i      int
		err    error
		kind   apperr.Kind
		moves  int
		sameAs int // index of the call whose reservation this one returns; -1 for none
	}{
		{0, nil, apperr.KindUnknown, 1, -1},
		{1, domain.ErrInsufficientStock, apperr.KindFailedPrecondition, 0, -1},
		{2, nil, apperr.KindNotFound, 0, -1},
		{3, domain.ErrSKUNotReservable, apperr.KindFailedPrecondition, 0, -1},
		{4, nil, apperr.KindUnknown, 0, 0},
		{5, domain.ErrOrderReservedOtherwise, apperr.KindAlreadyExists, 0, -1},
		{6, nil, apperr.KindUnknown, 1, -1},
		{7, nil, apperr.KindUnknown, 0, -1},
		{8, domain.ErrOrderReservedOtherwise, apperr.KindAlreadyExists, 0, -1},
		{9, domain.ErrInsufficientStock, apperr.KindFailedPrecondition, 0, -1},
	} {
		t.Run("call "+strconv.Itoa(tc.i)+" of "+calls[tc.i].Req.OrderID, func(t *testing.T) {
			d := out.Decisions[tc.i]
			if apperr.KindOf(d.Err) != tc.kind || tc.err != nil && !errors.Is(d.Err, tc.err) {
				t.Fatalf("error %v, want %v (%v)", d.Err, tc.err, tc.kind)
			}
			if len(d.Moves) != tc.moves {
				t.Errorf("moves = %+v, want %d", d.Moves, tc.moves)
			}
			if tc.sameAs >= 0 && d.Reservation.ID != out.Decisions[tc.sameAs].Reservation.ID {
				t.Errorf("reservation %s, want call %d's %s", d.Reservation.ID, tc.sameAs, out.Decisions[tc.sameAs].Reservation.ID)
			}
		})
	}
	if got := out.Decisions[0].Reservation; got.ID != claimed["o1"].ID || len(got.Lines) != 1 || got.Lines[0].WarehouseID != w1 {
		t.Errorf("o1 = %+v, want claim %s holding 3 in w1", got, claimed["o1"].ID)
	}
	if got := out.Decisions[7].Reservation; got.ID != stored.ID || !got.ExpiresAt.Equal(now.Add(2*time.Hour)) {
		t.Errorf("stored retry = %+v, want expiry %v", got, now.Add(2*time.Hour))
	}
	if len(out.Made) != 2 || out.Made[0].OrderID != "o1" || out.Made[1].OrderID != "o2" {
		t.Errorf("made = %+v, want o1 and o2", out.Made)
	}
	// o2 was claimed with its first call's lines; its second call made it.
	changed := map[string]domain.Reservation{}
	for _, r := range out.Changed {
		changed[r.OrderID] = r
	}
	if len(changed) != 2 || !changed["o2"].SameRequest([]domain.OrderLine{ol(skuB, 4)}) || changed["stored"].ID != stored.ID {
		t.Errorf("changed = %+v, want o2 (its second call's lines) and stored (its expiry)", out.Changed)
	}
	unused := map[uuid.UUID]bool{}
	for _, id := range out.Unused {
		unused[id] = true
	}
	if len(out.Unused) != 3 || !unused[claimed["o3"].ID] || !unused[claimed["o4"].ID] || !unused[claimed["o5"].ID] {
		t.Errorf("unused = %v, want the claims of o3, o4 and o5", out.Unused)
	}
	want := map[domain.StockKey][2]int64{ // on hand, reserved
		{SKUID: skuA, WarehouseID: w1}: {3, 3},
		{SKUID: skuB, WarehouseID: w1}: {10, 4},
	}
	if len(out.Levels) != len(want) {
		t.Fatalf("levels = %+v, want %v", out.Levels, want)
	}
	for _, l := range out.Levels {
		if w, ok := want[l.StockKey]; !ok || l.OnHand != w[0] || l.Reserved != w[1] {
			t.Errorf("level %+v, want %v", l, w)
		}
	}
	if levels[0].Reserved != 0 {
		t.Errorf("the caller's levels changed: %+v", levels[0])
	}
}

// Whatever a batch asks, what it reserves on each level is what its made
// reservations hold there, and no level ends with more reserved than on hand.
func TestDecideReservationsNeverOversells(t *testing.T) {
	now := time.Now().UTC()
	skuIDs := []uuid.UUID{skuA, skuB}
	skus := map[uuid.UUID]domain.SKU{skuA: {ID: skuA, Reservable: true}, skuB: {ID: skuB, Reservable: true}}
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 300 {
		var levels []domain.Level
		for _, s := range skuIDs {
			for _, w := range []uuid.UUID{w1, w2, w3} {
				on := rng.Int64N(8)
				levels = append(levels, *lvl(s, w, on, rng.Int64N(on+1)))
			}
		}
		var calls []domain.ReserveCall
		for range 1 + rng.IntN(20) {
			var lines []domain.OrderLine
			for _, s := range skuIDs {
				if rng.IntN(2) == 0 {
					lines = append(lines, ol(s, 1+rng.Int64N(6)))
				}
			}
			if len(lines) == 0 {
				lines = append(lines, ol(skuA, 1))
			}
			calls = append(calls, call(t, "o"+strconv.Itoa(rng.IntN(8)), 0, lines...))
		}
		out := domain.DecideReservations(calls, claims(calls, nil, now), nil, skus, levels, now)

		held := map[domain.StockKey]int64{}
		for _, r := range out.Made {
			for _, l := range r.Lines {
				held[l.StockKey] += l.Quantity
			}
		}
		before := map[domain.StockKey]domain.Level{}
		for _, l := range levels {
			before[l.StockKey] = l
		}
		for _, l := range out.Levels {
			if l.Reserved > l.OnHand {
				t.Fatalf("round %d: %+v oversold", round, l)
			}
			if got := l.Reserved - before[l.StockKey].Reserved; got != held[l.StockKey] {
				t.Fatalf("round %d: %v reserved %d more, reservations hold %d", round, l.StockKey, got, held[l.StockKey])
			}
			delete(held, l.StockKey)
		}
		for k, q := range held {
			t.Fatalf("round %d: reservations hold %d on %v, which did not move", round, q, k)
		}
		orders := map[string]bool{}
		for _, r := range out.Made {
			if orders[r.OrderID] {
				t.Fatalf("round %d: order %s made twice", round, r.OrderID)
			}
			orders[r.OrderID] = true
		}
	}
}
