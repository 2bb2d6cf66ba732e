package escrow

import "time"

// State is where a sub-order's escrow stands.
type State string

// The states of an escrow.
const (
	StateHeld    State = "held"
	StateSettled State = "settled"
)

// Record is a sub-order's escrow as finance remembers it beside the ledger.
type Record struct {
	Paid
	// PaidMinor is what the buyer paid (buyer currency), Escrowed what
	// escrow received (supplier currency).
	PaidMinor, Escrowed int64
	State               State
	CreatedAt           time.Time
	// Set once settled.
	SettledAt                             time.Time
	SettledGoods, Commission, SupplierNet int64
	// Refunded is what the settlement gave back to the payer, in the
	// buyer's currency; Remainder the same in the supplier's currency, 0
	// when it was too small to reach the payer (kept as FX rounding). A
	// claw-back is bounded by what was paid less Remainder and the refunds.
	Refunded, Remainder int64
}

// TopUp asks a buyer for what a sub-order's escrow lacks to settle.
type TopUp struct {
	ID         string
	SubOrderID string
	Goods      int64 // the settlement's goods price, supplier currency
	Amount     int64 // the shortfall, supplier currency
	Paid       bool
	CreatedAt  time.Time
}

// WaitingRefund is a claw-back the supplier's payable could not pay yet.
type WaitingRefund struct {
	RefundID   string
	SubOrderID string
	Amount     int64 // supplier currency
	CreatedAt  time.Time
}
