package app

import (
	"context"
	"errors"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

// MerchantDeposit is a merchant's deposit: its balances per currency and a
// page of one currency's changes.
type MerchantDeposit struct {
	Accounts []ledger.Account
	Statement
}

// GetMerchantDeposit returns a merchant's deposit balances and the changes
// in currency (the first currency of the deposit when empty), newest
// first. Members of the merchant and admins.
func (w *Wallets) GetMerchantDeposit(ctx context.Context, c auth.Caller, org, currency string, pageSize int, pageToken string) (MerchantDeposit, error) {
	org, err := parseOrg(org)
	if err != nil {
		return MerchantDeposit{}, err
	}
	if !memberOf(c, auth.RoleMerchant, org) && !c.IsAdmin() {
		return MerchantDeposit{}, ErrNotMerchantMember
	}
	accounts, err := w.ledger.AccountsOf(ctx, orgOwner(org), ledger.KindMerchantDeposit)
	if err != nil {
		return MerchantDeposit{}, err
	}
	out := MerchantDeposit{Accounts: accounts}
	if currency == "" {
		if len(accounts) == 0 {
			return out, nil
		}
		currency = accounts[0].Currency
	}
	out.Statement, err = w.statement(ctx, ledger.AccountRef{Kind: ledger.KindMerchantDeposit, Owner: orgOwner(org), Currency: currency}, pageSize, pageToken)
	return out, err
}

// DepositDebit is a merchant order's payment from the deposit.
type DepositDebit struct {
	OrderReference string
	OrganizationID string
	Amount         int64
	Currency       string
}

// DebitMerchantDeposit pays a merchant order from the merchant's deposit
// into the order's escrow, where a merchant order's money waits for
// settlement like a buyer's payment does (DOMAIN.md: a merchant buys from
// its prepaid deposit; the escrow is settled to the supplier as any order).
// Services only. Idempotent on the order reference: a retry with the same
// amount returns the first transfer; another amount is AlreadyExists. A
// deposit short of the amount is the ledger's FailedPrecondition and
// nothing moves. Emits finance.deposit.changed.
//
// It is superseded by PayCheckout with a MerchantOrgID, which pays each
// sub-order's escrow from the deposit with the records settlement, refunds
// and top-up requests need; this per-order escrow has none. The RPC is
// marked deprecated and kept working for its callers.
func (w *Wallets) DebitMerchantDeposit(ctx context.Context, c auth.Caller, in DepositDebit) (ledger.Result, error) {
	if _, err := requireService(c); err != nil {
		return ledger.Result{}, err
	}
	var v apperr.Violations
	if in.OrderReference == "" || len(in.OrderReference) > wallet.MaxKeyLength {
		v.Add("order_reference", "is required, at most 200 bytes")
	}
	org, orgErr := parseOrg(in.OrganizationID)
	if err := errors.Join(v.Merge(wallet.ValidateAmount(in.Amount, in.Currency)), v.Merge(orgErr)); err != nil {
		return ledger.Result{}, err
	}
	if err := v.Err(); err != nil {
		return ledger.Result{}, err
	}
	return w.ledger.Execute(ctx, ledger.Command{
		IdempotencyKey: "deposit-debit:" + in.OrderReference,
		Transfers: []ledger.TransferSpec{{
			Debit:  ledger.AccountRef{Kind: ledger.KindMerchantDeposit, Owner: orgOwner(org), Currency: in.Currency},
			Credit: ledger.AccountRef{Kind: ledger.KindEscrow, Owner: ledger.Owner{Type: ledger.OwnerOrder, ID: in.OrderReference}, Currency: in.Currency},
			Amount: in.Amount, Currency: in.Currency, Code: ledger.CodeDepositDebit, Reference: in.OrderReference, Phase: ledger.PhasePosted,
		}},
	}, depositChanged(org, -in.Amount, in.Currency, string(ledger.CodeDepositDebit), in.OrderReference, w.clock()))
}
