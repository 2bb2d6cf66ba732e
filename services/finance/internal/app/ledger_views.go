package app

import (
	"context"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// LedgerViews are the operators' read-only views of the book: accounts,
// balances at an instant, statements, transfers and the trial balance.
// Admins only: the book shows every party's money.
type LedgerViews struct {
	ledger Ledger
}

// NewLedgerViews returns the views over l.
func NewLedgerViews(l Ledger) *LedgerViews { return &LedgerViews{ledger: l} }

// Account returns one account.
func (v *LedgerViews) Account(ctx context.Context, c auth.Caller, id string) (ledger.Account, error) {
	if _, err := requireAdmin(c); err != nil {
		return ledger.Account{}, err
	}
	if id == "" {
		return ledger.Account{}, apperr.InvalidField("account_id", "is required")
	}
	return v.ledger.Account(ctx, id)
}

// LookupAccount finds the account ref names.
func (v *LedgerViews) LookupAccount(ctx context.Context, c auth.Caller, ref ledger.AccountRef) (ledger.Account, error) {
	if _, err := requireAdmin(c); err != nil {
		return ledger.Account{}, err
	}
	var bad apperr.Violations
	if !ref.Kind.Known() {
		bad.Add("kind", "is not a kind of ledger account")
	}
	if !ref.Owner.Type.Known() {
		bad.Add("owner_type", "is not a known owner type")
	}
	if ref.Owner.ID == "" {
		bad.Add("owner_id", "is required")
	}
	if !money.ValidCurrency(ref.Currency) {
		bad.Add("currency_code", "must be a transactable ISO 4217 code")
	}
	if err := bad.Err(); err != nil {
		return ledger.Account{}, err
	}
	return v.ledger.AccountByRef(ctx, ref)
}

// Accounts lists the accounts of one kind (every partner's unallocated
// receipts, every supplier's payable), by owner and currency.
func (v *LedgerViews) Accounts(ctx context.Context, c auth.Caller, f AccountFilter) ([]ledger.Account, string, error) {
	if _, err := requireAdmin(c); err != nil {
		return nil, "", err
	}
	var bad apperr.Violations
	if !f.Kind.Known() {
		bad.Add("kind", "is not a kind of ledger account")
	}
	if f.Currency != "" && !money.ValidCurrency(f.Currency) {
		bad.Add("currency_code", "must be a transactable ISO 4217 code")
	}
	if err := bad.Err(); err != nil {
		return nil, "", err
	}
	return v.ledger.ListAccounts(ctx, f)
}

// BalanceAt returns an account's balance at an instant.
func (v *LedgerViews) BalanceAt(ctx context.Context, c auth.Caller, id string, at time.Time) (ledger.Balance, error) {
	if _, err := requireAdmin(c); err != nil {
		return ledger.Balance{}, err
	}
	var bad apperr.Violations
	if id == "" {
		bad.Add("account_id", "is required")
	}
	if at.IsZero() {
		bad.Add("at", "is required")
	}
	if err := bad.Err(); err != nil {
		return ledger.Balance{}, err
	}
	return v.ledger.BalanceAt(ctx, id, at)
}

// Statement returns an account's transfers, newest first, a page at a time.
func (v *LedgerViews) Statement(ctx context.Context, c auth.Caller, id string, pageSize int, pageToken string) ([]ledger.Transfer, string, error) {
	if _, err := requireAdmin(c); err != nil {
		return nil, "", err
	}
	if id == "" {
		return nil, "", apperr.InvalidField("account_id", "is required")
	}
	return v.ledger.Statement(ctx, id, pageSize, pageToken)
}

// Transfer returns one transfer.
func (v *LedgerViews) Transfer(ctx context.Context, c auth.Caller, id string) (ledger.Transfer, error) {
	if _, err := requireAdmin(c); err != nil {
		return ledger.Transfer{}, err
	}
	if id == "" {
		return ledger.Transfer{}, apperr.InvalidField("transfer_id", "is required")
	}
	return v.ledger.Transfer(ctx, id)
}

// TrialBalance sums the book per currency and kind.
func (v *LedgerViews) TrialBalance(ctx context.Context, c auth.Caller) ([]TrialBalanceLine, error) {
	if _, err := requireAdmin(c); err != nil {
		return nil, err
	}
	return v.ledger.TrialBalance(ctx)
}
