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
	// abandonAfter is how long a top-up waits for its payer's confirm.
	abandonAfter time.Duration
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
	w := &Wallets{store: store, ledger: book, provider: provider, providerName: "sandbox", now: time.Now, newID: uuid.NewString,
		abandonAfter: DefaultTopUpAbandonAfter}
	for _, o := range opts {
		o(w)
	}
	return w
}

func (w *Wallets) clock() time.Time { return w.now().UTC().Truncate(time.Microsecond) }

// statementPages are the page sizes of statements and payout lists.
var statementPages = paging.Limits{Default: 50, Max: 200}

// WalletBalances returns a user's wallet accounts, one per currency the
// user has used: the caller's own (userID empty or the caller) for buyers,
// anyone's for admins.
func (w *Wallets) WalletBalances(ctx context.Context, c auth.Caller, userID string) ([]ledger.Account, error) {
	owner, err := walletOwner(c, userID)
	if err != nil {
		return nil, err
	}
	return w.ledger.AccountsOf(ctx, userOwner(owner), ledger.KindBuyerWallet)
}

// WalletStatement returns a user's wallet account in currency and a page
// of its transfers, newest first; who may read it is as for
// WalletBalances. A currency never used has a zero balance and no
// transfers.
func (w *Wallets) WalletStatement(ctx context.Context, c auth.Caller, userID, currency string, pageSize int, pageToken string) (Statement, error) {
	owner, err := walletOwner(c, userID)
	if err != nil {
		return Statement{}, err
	}
	return w.statement(ctx, ledger.AccountRef{Kind: ledger.KindBuyerWallet, Owner: userOwner(owner), Currency: currency}, pageSize, pageToken)
}

// walletOwner decides whose wallet the caller reads: their own as a
// buyer, or any user's as an admin.
func walletOwner(c auth.Caller, userID string) (string, error) {
	if userID == "" || userID == c.Subject {
		if !isBuyer(c) {
			return "", ErrNotBuyer
		}
		return c.Subject, nil
	}
	if !c.IsAdmin() {
		return "", ErrNotBuyer
	}
	return userID, nil
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
