package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/paging"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// Wallets runs the use cases that move money between the platform and the
// outside through the payment provider: top-ups into buyer wallets and
// merchant deposits, supplier payouts, the provider's webhooks, and the
// reads of those balances. The ledger holds every balance; the store holds
// where the provider stands.
type Wallets struct {
	store    WalletStore
	ledger   Ledger
	provider PaymentProvider
	// providerName owns the provider's external accounts in the ledger.
	providerName string
	now          func() time.Time
	newID        func() string
}

// WalletsOption changes a Wallets' defaults.
type WalletsOption func(*Wallets)

// WithWalletsClock sets the clock, for tests.
func WithWalletsClock(now func() time.Time) WalletsOption {
	return func(w *Wallets) { w.now = now }
}

// WithProviderName names the provider whose external accounts money
// enters and leaves through (default "sandbox").
func WithProviderName(name string) WalletsOption {
	return func(w *Wallets) { w.providerName = name }
}

// NewWallets returns the wallet use cases over store, the ledger and the
// payment provider.
func NewWallets(store WalletStore, book Ledger, provider PaymentProvider, opts ...WalletsOption) *Wallets {
	w := &Wallets{store: store, ledger: book, provider: provider, providerName: "sandbox", now: time.Now, newID: uuid.NewString}
	for _, o := range opts {
		o(w)
	}
	return w
}

func (w *Wallets) clock() time.Time { return w.now().UTC().Truncate(time.Microsecond) }

// statementPages are the page sizes of statements and payout lists.
var statementPages = paging.Limits{Default: 50, Max: 200}

// WalletBalances returns the caller's wallet accounts, one per currency the
// caller has used. Buyers only.
func (w *Wallets) WalletBalances(ctx context.Context, c auth.Caller) ([]ledger.Account, error) {
	if !isBuyer(c) {
		return nil, ErrNotBuyer
	}
	return w.ledger.AccountsOf(ctx, userOwner(c.Subject), ledger.KindBuyerWallet)
}

// WalletStatement returns the caller's wallet account in currency and a
// page of its transfers, newest first. A currency the caller never used
// has a zero balance and no transfers. Buyers only.
func (w *Wallets) WalletStatement(ctx context.Context, c auth.Caller, currency string, pageSize int, pageToken string) (Statement, error) {
	if !isBuyer(c) {
		return Statement{}, ErrNotBuyer
	}
	return w.statement(ctx, ledger.AccountRef{Kind: ledger.KindBuyerWallet, Owner: userOwner(c.Subject), Currency: currency}, pageSize, pageToken)
}

// Statement is an account and a page of its transfers.
type Statement struct {
	Account       ledger.Account
	Transfers     []ledger.Transfer
	NextPageToken string
}

func (w *Wallets) statement(ctx context.Context, ref ledger.AccountRef, pageSize int, pageToken string) (Statement, error) {
	if !money.ValidCurrency(ref.Currency) {
		return Statement{}, apperr.InvalidField("currency_code", "is not an ISO 4217 currency code")
	}
	size, err := statementPages.Size(pageSize)
	if err != nil {
		return Statement{}, err
	}
	acc, err := w.ledger.AccountByRef(ctx, ref)
	if apperr.IsKind(err, apperr.KindNotFound) {
		if pageToken != "" {
			return Statement{}, paging.ErrBadToken
		}
		return Statement{Account: ledger.Account{AccountRef: ref}}, nil
	}
	if err != nil {
		return Statement{}, err
	}
	transfers, next, err := w.ledger.Statement(ctx, acc.ID, size, pageToken)
	if err != nil {
		return Statement{}, err
	}
	return Statement{Account: acc, Transfers: transfers, NextPageToken: next}, nil
}

// Owners and accounts of the ledger that wallets use.

func userOwner(id string) ledger.Owner { return ledger.Owner{Type: ledger.OwnerUser, ID: id} }

func orgOwner(id string) ledger.Owner { return ledger.Owner{Type: ledger.OwnerOrganization, ID: id} }

func (w *Wallets) providerAccount(kind ledger.Kind, currency string) ledger.AccountRef {
	return ledger.AccountRef{Kind: kind, Owner: ledger.Owner{Type: ledger.OwnerProvider, ID: w.providerName}, Currency: currency}
}

// parseOrg checks an organization id from a path.
func parseOrg(raw string) (string, error) {
	id, err := apperr.ParseID("organization_id", raw)
	if err != nil {
		return "", err
	}
	return id.String(), nil
}
