package ledger

import (
	"fmt"
	"strconv"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
)

// Reasons of the ledger's refusals, stable for clients and callers to switch
// on (apperr's ErrorInfo reason).
const (
	ReasonInsufficientFunds     = "INSUFFICIENT_FUNDS"
	ReasonCreditsExceedDebits   = "CREDITS_EXCEED_DEBITS"
	ReasonBalanceOverflow       = "BALANCE_OVERFLOW"
	ReasonAccountClosed         = "ACCOUNT_CLOSED"
	ReasonPendingResolved       = "PENDING_ALREADY_RESOLVED"
	ReasonPendingExpired        = "PENDING_EXPIRED"
	ReasonPostExceedsPending    = "POST_EXCEEDS_PENDING"
	ReasonNotPending            = "NOT_PENDING"
	ReasonIdempotencyKeyReused  = "IDEMPOTENCY_KEY_REUSED"
	ReasonAccountNotEmpty       = "ACCOUNT_NOT_EMPTY"
	ReasonBalanceChanged        = "BALANCE_CHANGED"
	MetadataShortfall           = "shortfall_minor_units"
	MetadataCurrency            = "currency"
	MetadataAccountID           = "account_id"
	MetadataTransferIndex       = "transfer_index"
	MetadataIdempotencyKey      = "idempotency_key"
	MetadataPendingTransferID   = "pending_id"
	MetadataResolvingTransferID = "resolved_by"
)

// ErrBalanceChanged refuses a command one of whose expected balances
// (Command.Expect) no longer holds: nothing moved, and the caller plans
// again on the balance as it is now.
var ErrBalanceChanged = apperr.Aborted("an account's balance changed since the command was planned").WithReason(ReasonBalanceChanged)

// ErrInsufficientFunds matches (errors.Is) every insufficient-funds refusal,
// whatever its shortfall.
var ErrInsufficientFunds = apperr.FailedPrecondition("insufficient funds").WithReason(ReasonInsufficientFunds)

// describe names an account in a message: what it is, whose, which currency.
func describe(a *Account) string {
	return fmt.Sprintf("account %s (%s of %s %s, %s)", a.ID, a.Kind, a.Owner.Type, a.Owner.ID, a.Currency)
}

func insufficientFunds(i int, a *Account, short int64) error {
	return limitBroken(i, a, short, ReasonInsufficientFunds, "insufficient funds in %s: short by %s")
}

func creditsExceedDebits(i int, a *Account, excess int64) error {
	return limitBroken(i, a, excess, ReasonCreditsExceedDebits, "credits would exceed debits in %s by %s")
}

// limitBroken is the refusal of a transfer that would take account a past
// its limit by amount: the message (format names the account, then the
// amount), the reason, and the amount as metadata for callers to show.
func limitBroken(i int, a *Account, amount int64, reason, format string) error {
	m := money.Money{Amount: amount, Currency: a.Currency}
	return apperr.FailedPrecondition(fmt.Sprintf("transfers[%d]: "+format, i, describe(a), m)).
		WithReason(reason).
		WithMetadata(MetadataShortfall, strconv.FormatInt(amount, 10)).
		WithMetadata(MetadataCurrency, a.Currency).
		WithMetadata(MetadataAccountID, a.ID).
		WithMetadata(MetadataTransferIndex, strconv.Itoa(i))
}

func overflow(i int, a *Account) error {
	return apperr.FailedPrecondition(fmt.Sprintf("transfers[%d]: the balance of %s would overflow 64-bit minor units", i, describe(a))).
		WithReason(ReasonBalanceOverflow).
		WithMetadata(MetadataAccountID, a.ID).
		WithMetadata(MetadataTransferIndex, strconv.Itoa(i))
}

func closed(i int, a *Account) error {
	return apperr.FailedPrecondition(fmt.Sprintf("transfers[%d]: %s is closed", i, describe(a))).
		WithReason(ReasonAccountClosed).
		WithMetadata(MetadataAccountID, a.ID).
		WithMetadata(MetadataTransferIndex, strconv.Itoa(i))
}

// KeyReused is the answer to an idempotency key sent again with another
// command: AlreadyExists naming the key.
func KeyReused(key string) error {
	return apperr.AlreadyExists(fmt.Sprintf("idempotency key %q was already used for a different command", key)).
		WithReason(ReasonIdempotencyKeyReused).
		WithMetadata(MetadataIdempotencyKey, key)
}

// Sentinels for errors.Is: each matches every refusal of its reason.
var (
	ErrCreditsExceedDebits  = apperr.FailedPrecondition("credits exceed debits").WithReason(ReasonCreditsExceedDebits)
	ErrBalanceOverflow      = apperr.FailedPrecondition("balance overflow").WithReason(ReasonBalanceOverflow)
	ErrAccountClosed        = apperr.FailedPrecondition("account closed").WithReason(ReasonAccountClosed)
	ErrPendingResolved      = apperr.FailedPrecondition("pending transfer already completed").WithReason(ReasonPendingResolved)
	ErrPendingExpired       = apperr.FailedPrecondition("pending transfer expired").WithReason(ReasonPendingExpired)
	ErrPostExceedsPending   = apperr.FailedPrecondition("post exceeds pending amount").WithReason(ReasonPostExceedsPending)
	ErrNotPending           = apperr.FailedPrecondition("transfer is not pending").WithReason(ReasonNotPending)
	ErrAccountNotEmpty      = apperr.FailedPrecondition("account not empty").WithReason(ReasonAccountNotEmpty)
	ErrIdempotencyKeyReused = apperr.AlreadyExists("idempotency key reused").WithReason(ReasonIdempotencyKeyReused)
)
