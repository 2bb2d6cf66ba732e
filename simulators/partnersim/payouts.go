package partnersim

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// Payout is money the marketplace paid out of the seller's account to the
// seller's bank: the net (gross less fees) of the lines booked since the
// previous payout, in one currency.
type Payout struct {
	PayoutID, Currency string
	AmountMinor        int64
	PaidAt             time.Time
}

// catchUpPayouts makes the periodic payouts due by now, each at its time on
// the PayoutEvery grid from the market's start, paying the lines booked by
// then: computed when next looked at rather than by a timer, so a stepped
// clock sees the same payouts as a real one. The caller holds mu.
func (m *Market) catchUpPayouts() {
	every := m.cfg.PayoutEvery
	if every <= 0 {
		return
	}
	now := m.now()
	if m.nextPayout.IsZero() {
		m.nextPayout = m.start.Add(every)
	}
	for !m.nextPayout.After(now) {
		m.payOut(m.nextPayout)
		m.nextPayout = m.nextPayout.Add(every)
	}
}

// payOut pays out, at at, the lines booked by then and not paid out yet:
// one payout per currency with a positive net. The caller holds mu.
func (m *Market) payOut(at time.Time) []Payout {
	net := map[string]int64{}
	for _, l := range m.lines {
		if l.SettledAt.After(at) || m.paidLines[l.LineID] {
			continue
		}
		m.paidLines[l.LineID] = true
		net[l.Currency] += l.GrossMinor - l.FeesMinor
	}
	var made []Payout
	for _, cur := range slices.Sorted(maps.Keys(net)) {
		if net[cur] <= 0 {
			continue
		}
		p := Payout{PayoutID: m.nextID("pay"), Currency: cur, AmountMinor: net[cur], PaidAt: at}
		m.payouts = append(m.payouts, p)
		made = append(made, p)
	}
	return made
}

// PayOut pays out now what the periodic payouts have not (the back office
// forcing a payout), and returns the payouts made: none when no booked line
// is left unpaid.
func (m *Market) PayOut() []Payout {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.catchUpPayouts()
	return m.payOut(m.now())
}

// BookPayout books a payout as given, or replaces the payout of its id (one
// without an id is always added), for tests of payouts a partner gets wrong
// (no id, a currency nobody knows) and then corrects: the marketplace makes
// its own payouts from the lines it booked.
func (m *Market) BookPayout(p Payout) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.payouts = bookOrReplace(m.payouts, p, func(p Payout) string { return p.PayoutID })
}

// Payouts returns the payouts made in [from, to) by now, sorted by (PaidAt,
// PayoutID), from offset, at most limit of them (limit <= 0: all); more is
// true when further payouts follow.
func (m *Market) Payouts(from, to time.Time, offset, limit int) (payouts []Payout, more bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.catchUpPayouts()
	var paid []Payout
	for _, p := range m.payouts {
		if !p.PaidAt.Before(from) && p.PaidAt.Before(to) {
			paid = append(paid, p)
		}
	}
	sortPayouts(paid)
	return pageOf(paid, offset, limit)
}

// AllPayouts returns every payout made by now, by (PaidAt, PayoutID).
func (m *Market) AllPayouts() []Payout {
	payouts, _ := m.Payouts(time.Time{}, openEnd, 0, 0)
	return payouts
}

// Unpaid returns the net of the lines booked by now and not paid out yet,
// by currency: what the seller's account holds at the marketplace.
func (m *Market) Unpaid() map[string]int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.catchUpPayouts()
	now := m.now()
	out := map[string]int64{}
	for _, l := range m.lines {
		if !l.SettledAt.After(now) && !m.paidLines[l.LineID] {
			out[l.Currency] += l.GrossMinor - l.FeesMinor
		}
	}
	return out
}

func sortPayouts(payouts []Payout) {
	slices.SortFunc(payouts, func(a, b Payout) int {
		return cmp.Or(a.PaidAt.Compare(b.PaidAt), cmp.Compare(a.PayoutID, b.PayoutID))
	})
}
