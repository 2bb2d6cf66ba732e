package carriersim

import (
	"math"

	"github.com/crossdock/crossdock/pkg/money"
)

// tariff is what a leg of a kind costs, in major units of the charge
// currency taken at face value (a simulator converts nothing): a fixed fee
// plus a rate per chargeable kilogram per thousand kilometres.
type tariff struct {
	Fee, PerKgPer1000Km float64
}

var tariffs = map[string]tariff{
	legDomestic:      {Fee: 2.00, PerKgPer1000Km: 1.20},
	legInternational: {Fee: 6.00, PerKgPer1000Km: 2.50},
	legLastMile:      {Fee: 3.00, PerKgPer1000Km: 0.90},
}

// tariffSpread is how far a charge strays from the tariff, either way: a
// real carrier's invoice never matches the shipper's estimate.
const tariffSpread = 0.25

// volumetricDivisor turns cubic centimetres into chargeable grams: the
// industry's 5,000 cm³ per kilogram.
const volumetricDivisor = 5

// chargeableGrams is the weight a parcel is charged for: its weight, or its
// volumetric weight when it is bulkier than heavy.
func chargeableGrams(weightG, volumeCm3 int64) int64 {
	return max(weightG, volumeCm3/volumetricDivisor)
}

// chargeMinor is the charge for one leg in minor units of currency, varied by
// u in [0, 1) across ±tariffSpread. It is never zero.
func chargeMinor(kind string, grams int64, km float64, currency string, u float64) int64 {
	t := tariffs[kind]
	major := (t.Fee + t.PerKgPer1000Km*float64(grams)/1000*km/1000) * (1 - tariffSpread + 2*tariffSpread*u)
	exp, err := money.Exponent(currency)
	if err != nil {
		exp = 2 // validated at booking; never reached
	}
	return max(1, int64(math.Round(major*math.Pow10(exp))))
}

// chargeJSON is a leg's freight charge on the wire.
type chargeJSON struct {
	LegID    string `json:"leg_id"`
	Kind     string `json:"kind"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// chargeEvent is the charge event of a leg, its time set by the journey.
func (s *Server) chargeEvent(l leg, grams int64, currency string) planned {
	c := &chargeJSON{LegID: l.ID, Kind: l.Kind, Currency: currency,
		Amount: chargeMinor(l.Kind, grams, l.Km, currency, s.rand.Float64())}
	return planned{typ: eventCharge, leg: l.Kind, loc: l.To, charge: c,
		description: "freight charge for the " + l.Kind + " leg " + l.ID}
}
