package domain

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/money"
)

// Leg is a freight charge a carrier confirmed for one leg of a shipment. It
// is paid from the sub-order's escrow to the carrier, once: its payment
// reference is the payment's idempotency key.
type Leg struct {
	// LegID is the carrier's id of the leg (a share of a consolidated
	// booking's leg: "<leg id>/<shipment id>"); it is unique at its carrier
	// only.
	LegID string
	// PaymentRef is the id finance pays the leg under, unique across
	// carriers (LegPaymentRef). It is stored with the leg, never computed
	// again: legs recorded before legs were per carrier are paid under
	// their bare leg id.
	PaymentRef  string
	ShipmentID  uuid.UUID
	Kind        LegKind
	Amount      money.Money
	ConfirmedAt time.Time
	PaidAt      *time.Time
	// EventID is the carrier event that confirmed it.
	EventID string
	// Refusal is finance's reason when it refused the payment for good.
	Refusal string
}

// LegPaymentRef is the id finance pays a carrier's leg under: the leg id
// prefixed with the carrier's id, since finance pays one leg per id across
// every carrier ("leg:<id>") and carriers choose leg ids that may clash
// ("<waybill>-1"). The carrier's id, not its code, never changes.
func LegPaymentRef(carrierID uuid.UUID, legID string) string {
	return carrierID.String() + ":" + legID
}

// ShareLegID is the id of a parcel's share of a consolidation's onward leg
// legID: each share is a leg of its own, paid from its sub-order's escrow.
func ShareLegID(legID string, shipmentID uuid.UUID) string {
	return legID + shareSep + shipmentID.String()
}

// shareSep separates an onward leg's id from the parcel's in a share's id.
const shareSep = "/"

// IsShareOf reports whether legID is a share of an onward leg, one that
// ShareLegID named for the parcel shipmentID.
func IsShareOf(legID string, shipmentID uuid.UUID) bool {
	return strings.HasSuffix(legID, ShareLegID("", shipmentID))
}

// ActualFreight sums the confirmed legs in currency; legs in another
// currency are an error (a carrier charges a shipment in the one currency
// it was booked with).
func ActualFreight(legs []Leg, currency string) (money.Money, error) {
	total := money.Money{Currency: currency}
	for _, l := range legs {
		var err error
		if total, err = total.Add(l.Amount); err != nil {
			return money.Money{}, err
		}
	}
	return total, nil
}

// FreightPending reports whether a delivered or returned parcel's bill
// may still grow. Its last booking ends with a last-mile leg, charged as
// the parcel arrives or is first tried (an onward booking's is shared: its
// share is "<leg id>/<shipment id>"): while that is not charged, it is on
// its way (its webhook lost, the feed read later), and completing now
// would settle the sub-order and teach the estimator without it (a
// returned parcel's refund would give the buyer what the leg then could
// not be paid from). The wait ends grace after the delivery or return,
// counted from when this service learned of it if later than the
// carrier's date (a webhook that came late, a clock behind): a share too
// small to charge never comes, and a carrier may not charge at all (nor
// for a parcel it could not deliver).
func (s Shipment) FreightPending(legs []Leg, now time.Time, grace time.Duration) bool {
	var since time.Time
	switch {
	case s.CompletedAt != nil:
		return false
	case s.DeliveredAt != nil:
		since = *s.DeliveredAt
	case s.Status == StatusReturned:
		since = s.LastEventAt // the return: a final event is applied last
	default:
		return false
	}
	if r := s.DeliveryReceivedAt; r != nil && r.After(since) {
		since = *r
	}
	if !now.Before(since.Add(grace)) {
		return false
	}
	onward := max(s.Stage, 1) >= 2
	for _, l := range legs {
		if l.Kind == LegLastMile && IsShareOf(l.LegID, s.ID) == onward {
			return false
		}
	}
	return true
}

// SplitByWeight shares amount between parcels in proportion to their
// weights, by largest remainder: the shares add up to amount exactly, and
// equal weights get shares at most one minor unit apart.
func SplitByWeight(amount int64, weights []int64) []int64 {
	shares := make([]int64, len(weights))
	var total int64
	for _, w := range weights {
		total += w
	}
	if total <= 0 {
		if len(shares) > 0 {
			shares[0] = amount
		}
		return shares
	}
	type rest struct {
		i   int
		rem int64
	}
	rests := make([]rest, len(weights))
	given := int64(0)
	for i, w := range weights {
		// amount × w fits in int64 for any parcel (w ≤ 1e6 g, amounts far below 9e12).
		shares[i] = amount * w / total
		rests[i] = rest{i, amount * w % total}
		given += shares[i]
	}
	slices.SortStableFunc(rests, func(a, b rest) int { return cmp.Compare(b.rem, a.rem) })
	for k := int64(0); k < amount-given; k++ {
		shares[rests[k].i]++
	}
	return shares
}
