package wallet

import (
	"strconv"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
)

// Purpose says which ledger account a top-up credits.
type Purpose string

// The purposes of a top-up.
const (
	// PurposeWallet credits the paying buyer's wallet.
	PurposeWallet Purpose = "wallet"
	// PurposeDeposit credits a merchant organization's prepaid deposit.
	PurposeDeposit Purpose = "deposit"
)

// TopUpState is where a top-up stands.
type TopUpState string

// The states of a top-up. Pending waits for the provider's verdict;
// succeeded and failed are its answers. Failed is not final: a payer may
// confirm the same intent again with another card, and the provider then
// reports success, which still credits. Succeeded is final.
const (
	TopUpPending   TopUpState = "pending"
	TopUpSucceeded TopUpState = "succeeded"
	TopUpFailed    TopUpState = "failed"
)

// MaxKeyLength bounds an idempotency key.
const MaxKeyLength = 200

// TopUpInput is what a payer asks for.
type TopUpInput struct {
	Amount         int64
	Currency       string
	IdempotencyKey string
}

// TopUp is one payment into the platform through the provider.
type TopUp struct {
	ID      string
	Purpose Purpose
	// OwnerID is the buyer's user id (PurposeWallet) or the merchant
	// organization's id (PurposeDeposit): whose account is credited.
	OwnerID string
	// CreatedBy is the user who asked; idempotency keys are theirs.
	CreatedBy      string
	IdempotencyKey string
	Amount         int64
	Currency       string
	State          TopUpState
	// IntentID, ClientSecret and ConfirmURL are the provider's intent, set
	// once it is created.
	IntentID     string
	ClientSecret string
	ConfirmURL   string
	FailureCode  string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// ValidateKey checks an idempotency key: required, bounded.
func ValidateKey(field, key string) error {
	var v apperr.Violations
	switch {
	case key == "":
		v.Add(field, "is required")
	case len(key) > MaxKeyLength:
		v.Add(field, "must be at most "+strconv.Itoa(MaxKeyLength)+" bytes")
	}
	return v.Err()
}

// MaxAmount bounds one top-up, payout or debit, in minor units: every
// top-up passes through the provider's one account per currency, whose
// running totals one huge amount would take to the limit of int64, every
// later top-up in that currency then refused for overflow.
const MaxAmount = 1_000_000_000_000

// ValidateAmount checks an amount of money a payer or payee names.
func ValidateAmount(amount int64, currency string) error {
	var v apperr.Violations
	switch {
	case amount <= 0:
		v.Add("amount.amount_minor", "must be greater than zero")
	case amount > MaxAmount:
		v.Add("amount.amount_minor", "must be at most "+strconv.FormatInt(MaxAmount, 10))
	}
	if !money.ValidCurrency(currency) {
		v.Add("amount.currency_code", "is not an ISO 4217 currency code")
	}
	return v.Err()
}

// NewTopUp validates in and returns a pending top-up of purpose for owner.
func NewTopUp(id string, purpose Purpose, ownerID, createdBy string, in TopUpInput, now time.Time) (TopUp, error) {
	if err := ValidateAmount(in.Amount, in.Currency); err != nil {
		return TopUp{}, err
	}
	if err := ValidateKey("idempotency_key", in.IdempotencyKey); err != nil {
		return TopUp{}, err
	}
	return TopUp{
		ID: id, Purpose: purpose, OwnerID: ownerID, CreatedBy: createdBy,
		IdempotencyKey: in.IdempotencyKey, Amount: in.Amount, Currency: in.Currency,
		State: TopUpPending, CreatedAt: now, UpdatedAt: now,
	}, nil
}

// SameRequest reports whether o asks for what t asked for: a retry of the
// same idempotency key must.
func (t TopUp) SameRequest(o TopUp) bool {
	return t.Purpose == o.Purpose && t.OwnerID == o.OwnerID && t.Amount == o.Amount && t.Currency == o.Currency
}

// Succeed records the provider's success; it reports false when the top-up
// had already succeeded (a second delivery, or one out of order).
func (t *TopUp) Succeed(now time.Time) bool {
	if t.State == TopUpSucceeded {
		return false
	}
	t.State, t.FailureCode, t.UpdatedAt = TopUpSucceeded, "", now
	return true
}

// Fail records the provider's refusal; a top-up that has succeeded or
// already failed does not change, so it reports false.
func (t *TopUp) Fail(code string, now time.Time) bool {
	if t.State != TopUpPending {
		return false
	}
	t.State, t.FailureCode, t.UpdatedAt = TopUpFailed, code, now
	return true
}
