package domain

import (
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/money"
)

// Leg is a freight charge a carrier confirmed for one leg of a shipment. It
// is paid from the sub-order's escrow to the carrier, once: the leg id is the
// payment's idempotency key.
type Leg struct {
	LegID       string
	ShipmentID  uuid.UUID
	Kind        LegKind
	Amount      money.Money
	ConfirmedAt time.Time
	PaidAt      *time.Time
	// EventID is the carrier event that confirmed it.
	EventID string
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
