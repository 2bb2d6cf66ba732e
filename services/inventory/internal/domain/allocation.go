package domain

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// OrderLine is a requested quantity of a SKU.
type OrderLine struct {
	SKUID    uuid.UUID
	Quantity int64
}

// MaxOrderLines bounds the lines of one reservation or purchase order.
const MaxOrderLines = 500

// CombineLines checks order lines (field names "<field>[i].sku_id" and
// "<field>[i].quantity") and merges the lines of the same SKU, so each SKU is
// allocated once with its total. The result is sorted by SKU id.
func CombineLines(field string, lines []OrderLine) ([]OrderLine, error) {
	var v violations
	switch {
	case len(lines) == 0:
		v.Add(field, "at least one line is required")
	case len(lines) > MaxOrderLines:
		v.Add(field, "at most "+strconv.Itoa(MaxOrderLines)+" lines")
	}
	sums := map[uuid.UUID]int64{}
	for i, l := range lines {
		if l.SKUID == uuid.Nil {
			v.Add(apperr.Index(field, i, "sku_id"), "is required")
		}
		checkQuantity(&v, apperr.Index(field, i, "quantity"), l.Quantity)
		sums[l.SKUID] += l.Quantity
	}
	linesValid := len(v) == 0
	for id, q := range sums {
		if linesValid && q > MaxQuantity {
			v.Add(field, "the lines of SKU "+id.String()+" add up to more than "+strconv.FormatInt(MaxQuantity, 10))
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	out := make([]OrderLine, 0, len(sums))
	for id, q := range sums {
		out = append(out, OrderLine{SKUID: id, Quantity: q})
	}
	slices.SortFunc(out, func(a, b OrderLine) int { return StockKey{SKUID: a.SKUID}.Compare(StockKey{SKUID: b.SKUID}) })
	return out, nil
}

// ReservationLine is stock held for one SKU in one warehouse.
type ReservationLine struct {
	StockKey
	Quantity int64
}

// Allocate reserves combined order lines (from CombineLines) against the
// levels of their SKUs, all or nothing. For each SKU it fills from the
// warehouses with the most available first (ties by warehouse id), so a line
// may be split across warehouses. It changes the levels only when every line
// can be filled, and returns the reservation lines and one movement per level
// it changed. A line that cannot be filled gives ErrInsufficientStock naming
// the SKU, what was asked and what is available.
func Allocate(lines []OrderLine, levels []*Level) ([]ReservationLine, []Movement, error) {
	bySKU := map[uuid.UUID][]*Level{}
	for _, l := range levels {
		bySKU[l.SKUID] = append(bySKU[l.SKUID], l)
	}
	type take struct {
		level *Level
		q     int64
	}
	var plan []take
	for _, line := range lines {
		candidates := slices.Clone(bySKU[line.SKUID])
		slices.SortFunc(candidates, func(a, b *Level) int {
			if c := cmp.Compare(b.Available(), a.Available()); c != 0 {
				return c
			}
			return a.StockKey.Compare(b.StockKey)
		})
		need, total := line.Quantity, int64(0)
		for _, c := range candidates {
			total += max(c.Available(), 0)
		}
		if total < need {
			return nil, nil, ErrInsufficientStock.
				WithMetadata("sku_id", line.SKUID.String()).
				WithMetadata("requested", strconv.FormatInt(need, 10)).
				WithMetadata("available", strconv.FormatInt(total, 10))
		}
		for _, c := range candidates {
			if need == 0 {
				break
			}
			q := min(need, c.Available())
			if q <= 0 {
				continue
			}
			plan = append(plan, take{c, q})
			need -= q
		}
	}
	out := make([]ReservationLine, 0, len(plan))
	moves := make([]Movement, 0, len(plan))
	for _, t := range plan {
		m, err := t.level.Reserve(t.q)
		if err != nil {
			return nil, nil, err // unreachable: the plan fits what is available
		}
		out = append(out, ReservationLine{StockKey: t.level.StockKey, Quantity: t.q})
		moves = append(moves, m)
	}
	slices.SortFunc(out, func(a, b ReservationLine) int { return a.StockKey.Compare(b.StockKey) })
	return out, moves, nil
}
