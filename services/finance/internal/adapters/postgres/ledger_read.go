package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/paging"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// StatementPage is the page size of statements.
var StatementPage = paging.Limits{Default: 50, Max: 500}

const accountColumns = `id::text, kind, owner_type, owner_id, currency, flags,
	debits_posted, credits_posted, debits_pending, credits_pending, created_at, closed_at`

const transferSelect = `SELECT id::text, command_id::text, debit_account::text, credit_account::text, amount, currency, code,
	reference, phase, coalesce(pending_id::text, ''), expires_at, rate_from, rate_to, rate, rate_source, rate_quote_id,
	rate_as_of, created_at,
	debit_debits_posted, debit_credits_posted, debit_debits_pending, debit_credits_pending,
	credit_debits_posted, credit_credits_posted, credit_debits_pending, credit_credits_pending, seq
	FROM ledger_transfers `

func queryAccounts(ctx context.Context, q pg.Querier, where string, args ...any) ([]ledger.Account, error) {
	rows, err := q.Query(ctx, `SELECT `+accountColumns+` FROM ledger_accounts `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read accounts: %w", err)
	}
	defer rows.Close()
	var out []ledger.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("read accounts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read accounts: %w", err)
	}
	return out, nil
}

func scanAccount(row pgx.Row) (ledger.Account, error) {
	var a ledger.Account
	var flags int32
	var closedAt *time.Time
	b := &a.Balance
	if err := row.Scan(&a.ID, &a.Kind, &a.Owner.Type, &a.Owner.ID, &a.Currency, &flags,
		&b.DebitsPosted, &b.CreditsPosted, &b.DebitsPending, &b.CreditsPending, &a.CreatedAt, &closedAt); err != nil {
		return ledger.Account{}, err
	}
	a.Flags = ledger.Flags(flags)
	a.CreatedAt = a.CreatedAt.UTC()
	if closedAt != nil {
		a.ClosedAt = closedAt.UTC()
	}
	return a, nil
}

// transferRow is a transfer with its seq, the statement's tie-breaker.
type transferRow struct {
	ledger.Transfer
	seq int64
}

func queryTransferRows(ctx context.Context, q pg.Querier, where string, args ...any) ([]transferRow, error) {
	rows, err := q.Query(ctx, transferSelect+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read transfers: %w", err)
	}
	defer rows.Close()
	var out []transferRow
	for rows.Next() {
		var t transferRow
		var expiresAt, rateAsOf *time.Time
		var rateFrom, rateTo, rate, rateSource, rateQuote *string
		d, c := &t.DebitBalance, &t.CreditBalance
		if err := rows.Scan(&t.ID, &t.CommandID, &t.DebitAccount, &t.CreditAccount, &t.Amount, &t.Currency, &t.Code,
			&t.Reference, &t.Phase, &t.PendingID, &expiresAt, &rateFrom, &rateTo, &rate, &rateSource, &rateQuote,
			&rateAsOf, &t.CreatedAt,
			&d.DebitsPosted, &d.CreditsPosted, &d.DebitsPending, &d.CreditsPending,
			&c.DebitsPosted, &c.CreditsPosted, &c.DebitsPending, &c.CreditsPending, &t.seq); err != nil {
			return nil, fmt.Errorf("read transfers: %w", err)
		}
		t.CreatedAt = t.CreatedAt.UTC()
		if expiresAt != nil {
			t.ExpiresAt = expiresAt.UTC()
		}
		if rate != nil {
			t.Rate = &ledger.RateSnapshot{From: pg.OrZero(rateFrom), To: pg.OrZero(rateTo), Rate: *rate, Source: pg.OrZero(rateSource), QuoteID: pg.OrZero(rateQuote)}
			if rateAsOf != nil {
				t.Rate.AsOf = rateAsOf.UTC()
			}
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read transfers: %w", err)
	}
	return out, nil
}

func queryTransfers(ctx context.Context, q pg.Querier, where string, args ...any) ([]ledger.Transfer, error) {
	rows, err := queryTransferRows(ctx, q, where, args...)
	if err != nil {
		return nil, err
	}
	out := make([]ledger.Transfer, len(rows))
	for i, r := range rows {
		out[i] = r.Transfer
	}
	return out, nil
}

// Account returns an account by id, or NotFound.
func (l *Ledger) Account(ctx context.Context, id string) (ledger.Account, error) {
	return oneAccount(ctx, l.pool, id, "")
}

func oneAccount(ctx context.Context, q pg.Querier, id, suffix string) (ledger.Account, error) {
	nf := apperr.NotFound("ledger account", id)
	if _, err := uuid.Parse(id); err != nil {
		return ledger.Account{}, nf
	}
	a, err := scanAccount(q.QueryRow(ctx, `SELECT `+accountColumns+` FROM ledger_accounts WHERE id = $1`+suffix, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return ledger.Account{}, nf
	}
	if err != nil {
		return ledger.Account{}, fmt.Errorf("read account %s: %w", id, err)
	}
	return a, nil
}

// AccountByRef returns the account ref names, or NotFound when no transfer
// has opened it yet.
func (l *Ledger) AccountByRef(ctx context.Context, ref ledger.AccountRef) (ledger.Account, error) {
	a, err := scanAccount(l.pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM ledger_accounts
		WHERE kind = $1 AND owner_type = $2 AND owner_id = $3 AND currency = $4`,
		ref.Kind, ref.Owner.Type, ref.Owner.ID, ref.Currency))
	if errors.Is(err, pgx.ErrNoRows) {
		return ledger.Account{}, apperr.NotFound("ledger account", fmt.Sprintf("%s/%s/%s/%s", ref.Kind, ref.Owner.Type, ref.Owner.ID, ref.Currency))
	}
	if err != nil {
		return ledger.Account{}, fmt.Errorf("read account by ref: %w", err)
	}
	return a, nil
}

// AccountsOf returns an owner's accounts of one kind, ordered by currency.
func (l *Ledger) AccountsOf(ctx context.Context, owner ledger.Owner, kind ledger.Kind) ([]ledger.Account, error) {
	return queryAccounts(ctx, l.pool, `WHERE kind = $1 AND owner_type = $2 AND owner_id = $3 ORDER BY currency`,
		kind, owner.Type, owner.ID)
}

// AccountPage is the page size of account lists.
var AccountPage = paging.Limits{Default: 50, Max: 500}

// accountsCursor is where a page of accounts ends: the last account's ref.
type accountsCursor struct {
	Kind      ledger.Kind      `json:"k"`
	OwnerType ledger.OwnerType `json:"t"`
	OwnerID   string           `json:"o"`
	Currency  string           `json:"c"`
}

func (c accountsCursor) Valid() bool { return c.Kind != "" && c.OwnerType != "" }

// ListAccounts reads the accounts of a kind along the ref's unique index,
// after the page token's account.
func (l *Ledger) ListAccounts(ctx context.Context, f app.AccountFilter) ([]ledger.Account, string, error) {
	size, err := AccountPage.Size(f.PageSize)
	if err != nil {
		return nil, "", err
	}
	// The token is bound to the currency and balance filters (the kind is in
	// the cursor): another filter's list would start at its place.
	query := accountsQuery{Currency: f.Currency, NonZero: f.NonZero}
	var after accountsCursor
	if f.PageToken != "" {
		if err := paging.DecodeFor(f.PageToken, query, &after); err != nil {
			return nil, "", err
		}
		if after.Kind != f.Kind {
			return nil, "", paging.ErrBadToken
		}
	}
	accounts, err := queryAccounts(ctx, l.pool, `WHERE kind = $1 AND ($2 = '' OR currency = $2)
		AND (NOT $3 OR debits_posted <> credits_posted OR debits_pending <> 0 OR credits_pending <> 0)
		AND (owner_type, owner_id, currency) > ($4, $5, $6)
		ORDER BY owner_type, owner_id, currency LIMIT $7`,
		f.Kind, f.Currency, f.NonZero, after.OwnerType, after.OwnerID, after.Currency, size+1)
	if err != nil || len(accounts) <= size {
		return accounts, "", err
	}
	accounts = accounts[:size]
	last := accounts[size-1]
	return accounts, paging.EncodeFor(query, accountsCursor{Kind: last.Kind, OwnerType: last.Owner.Type, OwnerID: last.Owner.ID, Currency: last.Currency}), nil
}

// accountsQuery is what a page of accounts is filtered by beside its kind.
type accountsQuery struct {
	Currency string `json:"c,omitempty"`
	NonZero  bool   `json:"z,omitempty"`
}

// CloseAccount closes an account with a zero balance and nothing pending.
func (l *Ledger) CloseAccount(ctx context.Context, id string) (ledger.Account, error) {
	var out ledger.Account
	err := pg.InTx(ctx, l.pool, func(tx pgx.Tx) error {
		a, err := oneAccount(ctx, tx, id, " FOR UPDATE")
		if err != nil {
			return err
		}
		if a.Closed() {
			out = a
			return nil
		}
		if err := a.CheckClosable(); err != nil {
			return err
		}
		a.ClosedAt = storedNow(l.now)
		if _, err := tx.Exec(ctx, `UPDATE ledger_accounts SET closed_at = $2 WHERE id = $1`, id, a.ClosedAt); err != nil {
			return fmt.Errorf("close account %s: %w", id, err)
		}
		out = a
		return nil
	})
	return out, err
}

// BalanceAt returns an account's balance after its last transfer at or
// before at: zero before its first.
func (l *Ledger) BalanceAt(ctx context.Context, accountID string, at time.Time) (ledger.Balance, error) {
	if _, err := l.Account(ctx, accountID); err != nil {
		return ledger.Balance{}, err
	}
	var b ledger.Balance
	err := l.pool.QueryRow(ctx, `SELECT dp, cp, dpe, cpe FROM (
		(SELECT created_at, seq, debit_debits_posted AS dp, debit_credits_posted AS cp, debit_debits_pending AS dpe, debit_credits_pending AS cpe
		   FROM ledger_transfers WHERE debit_account = $1 AND created_at <= $2 ORDER BY created_at DESC, seq DESC LIMIT 1)
		UNION ALL
		(SELECT created_at, seq, credit_debits_posted, credit_credits_posted, credit_debits_pending, credit_credits_pending
		   FROM ledger_transfers WHERE credit_account = $1 AND created_at <= $2 ORDER BY created_at DESC, seq DESC LIMIT 1)
		) last ORDER BY created_at DESC, seq DESC LIMIT 1`, accountID, at).
		Scan(&b.DebitsPosted, &b.CreditsPosted, &b.DebitsPending, &b.CreditsPending)
	if errors.Is(err, pgx.ErrNoRows) {
		return ledger.Balance{}, nil
	}
	if err != nil {
		return ledger.Balance{}, fmt.Errorf("balance of %s at %s: %w", accountID, at, err)
	}
	return b, nil
}

// statementCursor is where a statement page ends: the last transfer served.
type statementCursor struct {
	Account string    `json:"a"`
	At      time.Time `json:"t"`
	Seq     int64     `json:"s"`
}

func (c statementCursor) Valid() bool { return c.Seq > 0 && c.Account != "" }

// Statement returns an account's transfers, newest first, a page at a time.
func (l *Ledger) Statement(ctx context.Context, accountID string, pageSize int, pageToken string) ([]ledger.Transfer, string, error) {
	size, err := StatementPage.Size(pageSize)
	if err != nil {
		return nil, "", err
	}
	// Before every transfer: the first page starts after the newest.
	after := statementCursor{Account: accountID, At: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), Seq: 1<<63 - 1}
	if pageToken != "" {
		if err := paging.Decode(pageToken, &after); err != nil {
			return nil, "", err
		}
		if after.Account != accountID {
			return nil, "", paging.ErrBadToken
		}
	}
	if _, err := l.Account(ctx, accountID); err != nil {
		return nil, "", err
	}
	rows, err := queryTransferRows(ctx, l.pool, `WHERE id IN (
		(SELECT id FROM ledger_transfers WHERE debit_account = $1 AND (created_at, seq) < ($2, $3) ORDER BY created_at DESC, seq DESC LIMIT $4 + 1)
		UNION ALL
		(SELECT id FROM ledger_transfers WHERE credit_account = $1 AND (created_at, seq) < ($2, $3) ORDER BY created_at DESC, seq DESC LIMIT $4 + 1))
		ORDER BY created_at DESC, seq DESC LIMIT $4 + 1`, accountID, after.At, after.Seq, size)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > size {
		rows = rows[:size]
		last := rows[size-1]
		next = paging.Encode(statementCursor{Account: accountID, At: last.CreatedAt, Seq: last.seq})
	}
	out := make([]ledger.Transfer, len(rows))
	for i, r := range rows {
		out[i] = r.Transfer
	}
	return out, next, nil
}

// Transfer returns one transfer by id, or NotFound.
func (l *Ledger) Transfer(ctx context.Context, id string) (ledger.Transfer, error) {
	nf := apperr.NotFound("ledger transfer", id)
	if _, err := uuid.Parse(id); err != nil {
		return ledger.Transfer{}, nf
	}
	ts, err := queryTransfers(ctx, l.pool, `WHERE id = $1`, id)
	if err != nil {
		return ledger.Transfer{}, err
	}
	if len(ts) == 0 {
		return ledger.Transfer{}, nf
	}
	return ts[0], nil
}

// TransfersByReference returns every transfer recorded with reference,
// oldest first.
func (l *Ledger) TransfersByReference(ctx context.Context, reference string) ([]ledger.Transfer, error) {
	return queryTransfers(ctx, l.pool, `WHERE reference = $1 ORDER BY seq`, reference)
}

// TrialBalance sums posted balances per currency and kind.
func (l *Ledger) TrialBalance(ctx context.Context) ([]app.TrialBalanceLine, error) {
	rows, err := l.pool.Query(ctx, `SELECT currency, kind, count(*), sum(debits_posted)::bigint, sum(credits_posted)::bigint
		FROM ledger_accounts GROUP BY currency, kind ORDER BY currency, kind`)
	if err != nil {
		return nil, fmt.Errorf("trial balance: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.TrialBalanceLine, error) {
		var line app.TrialBalanceLine
		err := row.Scan(&line.Currency, &line.Kind, &line.Accounts, &line.DebitsPosted, &line.CreditsPosted)
		return line, err
	})
}
