package app

import (
	"context"
	"time"

	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// Ledger is the book every money movement goes through. The postgres
// adapter group-commits concurrent commands: many commands share one
// transaction and each touched account is written once per batch, while
// every caller still gets its own answer.
type Ledger interface {
	// Execute applies cmd all or nothing and writes events in the same
	// transaction. A retry with the same idempotency key and the same
	// command returns the first result (Replayed set) and writes nothing;
	// the same key with a different command is AlreadyExists naming the
	// key. A refused command (a limit, a closed account, a currency
	// mismatch, an overflow) moves nothing and is an apperr error.
	Execute(ctx context.Context, cmd ledger.Command, events ...outbox.Message) (ledger.Result, error)
	// Account returns an account by id, or NotFound.
	Account(ctx context.Context, id string) (ledger.Account, error)
	// AccountByRef returns the account a ref names, or NotFound when no
	// transfer has opened it yet.
	AccountByRef(ctx context.Context, ref ledger.AccountRef) (ledger.Account, error)
	// AccountsOf returns an owner's accounts of one kind, one per currency
	// the owner has used, ordered by currency.
	AccountsOf(ctx context.Context, owner ledger.Owner, kind ledger.Kind) ([]ledger.Account, error)
	// ListAccounts returns the accounts f selects, ordered by owner type,
	// owner id and currency, a page at a time; the page token is opaque.
	ListAccounts(ctx context.Context, f AccountFilter) ([]ledger.Account, string, error)
	// CloseAccount closes an account with a zero balance and nothing
	// pending; a closed account takes no new transfers. Closing a closed
	// account returns it unchanged.
	CloseAccount(ctx context.Context, id string) (ledger.Account, error)
	// BalanceAt returns an account's balance as it stood at a past instant.
	BalanceAt(ctx context.Context, accountID string, at time.Time) (ledger.Balance, error)
	// Statement returns an account's transfers, newest first, a page at a
	// time; the page token is opaque (pkg/paging).
	Statement(ctx context.Context, accountID string, pageSize int, pageToken string) ([]ledger.Transfer, string, error)
	// Transfer returns one transfer by id, or NotFound.
	Transfer(ctx context.Context, id string) (ledger.Transfer, error)
	// TransfersByReference returns every transfer recorded with reference,
	// oldest first.
	TransfersByReference(ctx context.Context, reference string) ([]ledger.Transfer, error)
	// TrialBalance sums every account's posted balance per currency and
	// kind; a healthy book nets to zero per currency.
	TrialBalance(ctx context.Context) ([]TrialBalanceLine, error)
}

// AccountFilter selects the accounts of one kind: in one currency when
// Currency is set, and only those holding or reserving money when NonZero.
type AccountFilter struct {
	Kind      ledger.Kind
	Currency  string
	NonZero   bool
	PageSize  int
	PageToken string
}

// TrialBalanceLine is one currency and kind's totals in a trial balance.
type TrialBalanceLine struct {
	Currency      string
	Kind          ledger.Kind
	Accounts      int
	DebitsPosted  int64
	CreditsPosted int64
}
