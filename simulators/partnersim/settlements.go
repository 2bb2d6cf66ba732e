package partnersim

import (
	"cmp"
	"slices"
	"time"
)

// SettlementLine is what the marketplace credits the seller for one order:
// the gross of its marked items less the fees it keeps, booked at SettledAt.
type SettlementLine struct {
	LineID, OrderID, Currency string
	GrossMinor, FeesMinor     int64
	SettledAt                 time.Time
}

// book schedules the settlement line of an order just shipped, SettlementDelay
// (plus up to the jitter) from now; the caller holds mu.
func (m *Market) book(o *order) {
	var gross int64
	for _, it := range o.Items {
		if it.Marker != "" {
			gross += int64(it.Quantity) * it.UnitPriceMinor
		}
	}
	at := m.now().Add(m.cfg.SettlementDelay + m.rand.upTo(m.cfg.Faults.SettlementDelayJitter))
	m.lines = append(m.lines, SettlementLine{
		LineID: m.nextID("st"), OrderID: o.OrderID, Currency: o.Currency,
		GrossMinor: gross, FeesMinor: Fees(gross, m.cfg.FeeBps, m.cfg.FixedFeeMinor), SettledAt: at,
	})
}

// BookLine books a settlement line as given, or replaces the line of its
// id (one without an id is always added), for tests of lines a partner gets
// wrong (no id, a currency nobody knows) and then corrects: the marketplace
// books its own lines when orders ship.
func (m *Market) BookLine(l SettlementLine) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lines = bookOrReplace(m.lines, l, func(l SettlementLine) string { return l.LineID })
}

// bookOrReplace is list with r in place of the record of its id, or with r
// added when it has no id or none has its id.
func bookOrReplace[T any](list []T, r T, id func(T) string) []T {
	for i := range list {
		if id(r) != "" && id(list[i]) == id(r) {
			list[i] = r
			return list
		}
	}
	return append(list, r)
}

// Fees is what the marketplace keeps of gross: the commission of bps basis
// points rounded half up, plus the fixed fee, never more than gross.
func Fees(gross int64, bps int, fixed int64) int64 {
	commission := (gross*int64(bps) + 5000) / 10000
	return min(commission+fixed, gross)
}

// Settlements returns the lines booked in [from, to) by now, sorted by
// (SettledAt, LineID), from offset, at most limit of them (limit <= 0:
// all); more is true when further lines follow.
func (m *Market) Settlements(from, to time.Time, offset, limit int) (lines []SettlementLine, more bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	var booked []SettlementLine
	for _, l := range m.lines {
		if !l.SettledAt.Before(from) && l.SettledAt.Before(to) && !l.SettledAt.After(now) {
			booked = append(booked, l)
		}
	}
	sortLines(booked)
	return pageOf(booked, offset, limit)
}

// AllSettlements returns every line, booked or still scheduled, by
// (SettledAt, LineID).
func (m *Market) AllSettlements() []SettlementLine {
	m.mu.Lock()
	defer m.mu.Unlock()
	lines := slices.Clone(m.lines)
	sortLines(lines)
	return lines
}

func sortLines(lines []SettlementLine) {
	slices.SortFunc(lines, func(a, b SettlementLine) int {
		return cmp.Or(a.SettledAt.Compare(b.SettledAt), cmp.Compare(a.LineID, b.LineID))
	})
}
