package ledger

import (
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
)

// MaxTransfersPerCommand bounds a command, so one caller cannot hold a batch's
// locks with an unbounded transaction.
const MaxTransfersPerCommand = 64

// MaxKeyLength bounds an idempotency key; keys are ids or short composites
// ("pay:<order id>"), never free text.
const MaxKeyLength = 200

// Validate checks what can be checked without the accounts: an idempotency
// key, one to MaxTransfersPerCommand transfers, each with a known phase, and
// for a new transfer two different known accounts in its currency and an
// amount above zero; for a post or a void the pending transfer it completes
// and no accounts of its own. Every bad field is reported at once as an
// InvalidArgument error with field violations ("transfers[2].amount").
func Validate(cmd Command) error {
	var v apperr.Violations
	switch {
	case cmd.IdempotencyKey == "":
		v.Add("idempotency_key", "is required")
	case len(cmd.IdempotencyKey) > MaxKeyLength:
		v.Add("idempotency_key", "must be at most 200 bytes")
	}
	switch {
	case len(cmd.Transfers) == 0:
		v.Add("transfers", "must name at least one transfer")
	case len(cmd.Transfers) > MaxTransfersPerCommand:
		v.Add("transfers", "must name at most 64 transfers")
	}
	for i, s := range cmd.Transfers {
		validateSpec(&v, func(sub string) string { return apperr.Index("transfers", i, sub) }, s)
	}
	for i, e := range cmd.Expect {
		ok := money.ValidCurrency(e.Account.Currency)
		if !ok {
			v.Add(apperr.Index("expect", i, "account.currency"), "must be a transactable ISO 4217 code")
		}
		validateRef(&v, apperr.Index("expect", i, "account"), e.Account, e.Account.Currency, ok)
	}
	return v.Err()
}

func validateSpec(v *apperr.Violations, field func(string) string, s TransferSpec) {
	if !s.Phase.Known() {
		v.Add(field("phase"), "must be posted, pending, post_pending or void_pending")
		return
	}
	if s.Phase == PhasePostPending || s.Phase == PhaseVoidPending {
		if s.PendingID == "" {
			v.Add(field("pending_id"), "is required to post or void a pending transfer")
		}
		if s.Debit != (AccountRef{}) || s.Credit != (AccountRef{}) {
			v.Add(field("debit"), "must be empty: a post or void uses the pending transfer's accounts")
		}
		if s.Amount < 0 {
			v.Add(field("amount"), "must not be negative")
		}
		if s.Currency != "" && !money.ValidCurrency(s.Currency) {
			v.Add(field("currency"), "must be a transactable ISO 4217 code")
		}
		if !s.ExpiresAt.IsZero() {
			v.Add(field("expires_at"), "is only for a pending transfer")
		}
		return
	}
	if s.PendingID != "" {
		v.Add(field("pending_id"), "is only for a post or void of a pending transfer")
	}
	if s.Phase == PhasePosted && !s.ExpiresAt.IsZero() {
		v.Add(field("expires_at"), "is only for a pending transfer")
	}
	if s.Amount <= 0 {
		v.Add(field("amount"), "must be greater than zero")
	}
	if s.Code == "" {
		v.Add(field("code"), "is required")
	}
	currencyOK := money.ValidCurrency(s.Currency)
	if !currencyOK {
		v.Add(field("currency"), "must be a transactable ISO 4217 code")
	}
	validateRef(v, field("debit"), s.Debit, s.Currency, currencyOK)
	validateRef(v, field("credit"), s.Credit, s.Currency, currencyOK)
	if s.Debit == s.Credit && s.Debit != (AccountRef{}) {
		v.Add(field("credit"), "must be another account than debit")
	}
	if s.Rate != nil {
		validateRate(v, field("rate"), *s.Rate)
	}
}

func validateRef(v *apperr.Violations, field string, r AccountRef, currency string, currencyOK bool) {
	if !r.Kind.Known() {
		v.Add(field+".kind", "is not a kind of account finance keeps")
	}
	if !r.Owner.Type.Known() {
		v.Add(field+".owner.type", "is not a known owner type")
	}
	if r.Owner.ID == "" {
		v.Add(field+".owner.id", "is required")
	}
	if currencyOK && r.Currency != currency {
		v.Add(field+".currency", "must be the transfer's currency "+currency)
	}
}

func validateRate(v *apperr.Violations, field string, r RateSnapshot) {
	if !money.ValidCurrency(r.From) {
		v.Add(field+".from", "must be a transactable ISO 4217 code")
	}
	if !money.ValidCurrency(r.To) {
		v.Add(field+".to", "must be a transactable ISO 4217 code")
	}
	if rate, err := money.ParseRate(r.Rate); err != nil || rate.IsZero() {
		v.Add(field+".rate", "must be a positive decimal")
	}
}
