package wallet

import (
	"fmt"
	"strconv"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// PayoutState is where a payout stands. The order of the states is the
// order of the steps, each recorded before the next begins, so whatever
// stops the process between two steps, the payout worker finds the record
// and repeats the next one (every step is idempotent on the payout id).
type PayoutState string

// The states of a payout.
const (
	// PayoutRequested: recorded, funds not yet reserved in the ledger.
	PayoutRequested PayoutState = "requested"
	// PayoutReserved: the ledger holds a pending transfer from the payable;
	// the provider has not yet accepted the payout.
	PayoutReserved PayoutState = "reserved"
	// PayoutSent: the provider accepted it and will report paid or failed.
	PayoutSent PayoutState = "sent"
	// PayoutPaid: the provider paid; the pending transfer is posted.
	PayoutPaid PayoutState = "paid"
	// PayoutFailed: refused by the ledger or the provider; any reservation
	// is voided.
	PayoutFailed PayoutState = "failed"
	// PayoutReturned: paid, then sent back by the bank (the provider's
	// failure after its payment); the money is back in the payable.
	PayoutReturned PayoutState = "returned"
)

// MaxDestinationLength bounds a bank-account reference.
const MaxDestinationLength = 200

// PayoutInput is what a supplier admin asks for.
type PayoutInput struct {
	Amount         int64
	Currency       string
	Destination    string
	IdempotencyKey string
}

// Payout sends money from a supplier's payable to its bank.
type Payout struct {
	ID             string
	OrganizationID string
	CreatedBy      string
	IdempotencyKey string
	Amount         int64
	Currency       string
	Destination    string
	State          PayoutState
	// PendingTransferID is the ledger's reservation, once made.
	PendingTransferID string
	// ProviderPayoutID is the provider's id, once it accepted the payout.
	ProviderPayoutID string
	FailureCode      string
	// Attempts counts the provider calls made, for operators.
	Attempts  int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NewPayout validates in and returns a requested payout.
func NewPayout(id, org, createdBy string, in PayoutInput, now time.Time) (Payout, error) {
	if err := ValidateAmount(in.Amount, in.Currency); err != nil {
		return Payout{}, err
	}
	var v apperr.Violations
	switch {
	case in.Destination == "":
		v.Add("destination", "is required")
	case len(in.Destination) > MaxDestinationLength:
		v.Add("destination", "is too long")
	}
	if err := v.Err(); err != nil {
		return Payout{}, err
	}
	if err := ValidateKey("idempotency_key", in.IdempotencyKey); err != nil {
		return Payout{}, err
	}
	return Payout{
		ID: id, OrganizationID: org, CreatedBy: createdBy, IdempotencyKey: in.IdempotencyKey,
		Amount: in.Amount, Currency: in.Currency, Destination: in.Destination,
		State: PayoutRequested, CreatedAt: now, UpdatedAt: now,
	}, nil
}

// SameRequest reports whether o asks for what p asked for.
func (p Payout) SameRequest(o Payout) bool {
	return p.OrganizationID == o.OrganizationID && p.Amount == o.Amount && p.Currency == o.Currency && p.Destination == o.Destination
}

// FailureLedgerRefused is the failure of a payout the ledger refused to
// reserve (the payable short).
const FailureLedgerRefused = "ledger_refused"

// FailureClawBackWaiting is the failure of a payout refused before it was
// reserved because it would leave the payable short of the claw-backs
// waiting for it (CheckPayoutLeavesClawBacks).
const FailureClawBackWaiting = "claw_back_waiting"

// HoldsLateReservation reports a payout refused before its reservation
// (for want of funds, or held for waiting claw-backs) that holds a
// reservation all the same: one a racing attempt made after the failure
// was recorded, not voided yet.
func (p Payout) HoldsLateReservation() bool {
	refusedUnreserved := p.FailureCode == FailureLedgerRefused || p.FailureCode == FailureClawBackWaiting
	return p.State == PayoutFailed && refusedUnreserved && p.PendingTransferID != ""
}

// ReasonClawBackWaiting refuses a payout that would take money the
// supplier's payable owes buyers: claw-backs of after-sale refunds that
// wait for the payable.
const ReasonClawBackWaiting = "CLAW_BACK_WAITING"

// ErrClawBackWaiting matches (errors.Is: kind and reason) every refusal of
// CheckPayoutLeavesClawBacks.
var ErrClawBackWaiting = apperr.FailedPrecondition("the payable holds what after-sale refunds waiting for it need").WithReason(ReasonClawBackWaiting)

// MetadataPayable is how much of the payable a payout may still take, in
// minor units of its currency.
const MetadataPayable = "available_minor_units"

// CheckPayoutLeavesClawBacks refuses a payout of amount from a payable that
// can pay available while claw-backs of waiting are waiting for it. A
// claw-back the payable could not pay waits until the supplier earns
// enough; a payout taking those earnings first would leave the buyer
// waiting for ever, so the waiting claw-backs come first. It holds their
// whole amount, the commission the platform gives back included, which
// releases a little more once they are through.
func CheckPayoutLeavesClawBacks(available, waiting, amount int64, currency string) error {
	if waiting <= 0 || amount <= available-waiting {
		return nil
	}
	left := max(available-waiting, 0)
	return apperr.FailedPrecondition(fmt.Sprintf("the payable holds %d minor units for after-sale refunds waiting for it: at most %d can be paid out",
		waiting, left)).WithReason(ReasonClawBackWaiting).
		WithMetadata(MetadataPayable, strconv.FormatInt(left, 10)).WithMetadata(ledger.MetadataCurrency, currency)
}

// Final reports whether the payout can change no more.
func (p Payout) Final() bool {
	return p.State == PayoutPaid || p.State == PayoutFailed || p.State == PayoutReturned
}

// Reserved records the ledger's reservation; false when it was recorded
// before.
func (p *Payout) Reserved(pendingTransferID string, now time.Time) bool {
	if p.State != PayoutRequested {
		return false
	}
	p.State, p.PendingTransferID, p.UpdatedAt = PayoutReserved, pendingTransferID, now
	return true
}

// Calling counts a call to the provider about to be made, before it is
// made: once made its outcome may never be recorded (the process stopped
// before the answer), and a payout with a call counted is not sent again
// once the provider may have forgotten the call's idempotency key.
func (p *Payout) Calling(now time.Time) {
	p.Attempts++
	p.UpdatedAt = now
}

// Sent records the provider's acceptance; false unless the payout was
// reserved and waiting for it.
func (p *Payout) Sent(providerID string, now time.Time) bool {
	if p.State != PayoutReserved {
		return false
	}
	p.State, p.ProviderPayoutID, p.UpdatedAt = PayoutSent, providerID, now
	return true
}

// Paid records the provider's payment; false when the payout was already
// final (a late or repeated event).
func (p *Payout) Paid(providerID string, now time.Time) bool {
	if p.Final() || p.State == PayoutRequested {
		return false
	}
	p.State, p.UpdatedAt = PayoutPaid, now
	if providerID != "" {
		p.ProviderPayoutID = providerID
	}
	return true
}

// Return records a paid payout sent back by the bank; false unless it was
// paid.
func (p *Payout) Return(code string, now time.Time) bool {
	if p.State != PayoutPaid {
		return false
	}
	p.State, p.FailureCode, p.UpdatedAt = PayoutReturned, code, now
	return true
}

// Fail records a refusal; false when the payout was already final.
func (p *Payout) Fail(code string, now time.Time) bool {
	if p.Final() {
		return false
	}
	p.State, p.FailureCode, p.UpdatedAt = PayoutFailed, code, now
	return true
}
