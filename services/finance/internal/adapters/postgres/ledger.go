package postgres

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// Ledger implements app.Ledger on PostgreSQL. The rules live in
// domain/ledger: a command locks the accounts it touches (in id order, the
// order every transaction takes them in), the domain applies it in memory,
// and the changed balances, the transfers and the command's key are written
// in the same transaction as the caller's events.
type Ledger struct {
	pool  *pgxpool.Pool
	now   func() time.Time
	flags func(ledger.Kind) ledger.Flags
}

var _ app.Ledger = (*Ledger)(nil)

// LedgerOption configures NewLedger.
type LedgerOption func(*Ledger)

// WithLedgerClock sets the clock that stamps transfers and decides expiry.
func WithLedgerClock(now func() time.Time) LedgerOption {
	return func(l *Ledger) { l.now = now }
}

// WithKindFlags overrides the flags accounts of some kinds are opened with
// (ledger.FlagsFor decides the rest), e.g. a supplier payable without
// FlagDebitsMustNotExceedCredits where claw-backs may run it negative.
// Accounts keep the flags they were opened with.
func WithKindFlags(flags map[ledger.Kind]ledger.Flags) LedgerOption {
	return func(l *Ledger) {
		l.flags = func(k ledger.Kind) ledger.Flags {
			if f, ok := flags[k]; ok {
				return f
			}
			return ledger.FlagsFor(k)
		}
	}
}

// NewLedger returns the ledger on pool.
func NewLedger(pool *pgxpool.Pool, opts ...LedgerOption) *Ledger {
	l := &Ledger{pool: pool, now: time.Now, flags: ledger.FlagsFor}
	for _, o := range opts {
		o(l)
	}
	return l
}

// Execute applies cmd in one transaction (see app.Ledger).
func (l *Ledger) Execute(ctx context.Context, cmd ledger.Command, events ...outbox.Message) (ledger.Result, error) {
	if err := ledger.Validate(cmd); err != nil {
		return ledger.Result{}, err
	}
	fp := ledger.Fingerprint(cmd)
	var res ledger.Result
	err := pg.InTx(ctx, l.pool, func(tx pgx.Tx) error {
		var err error
		res, err = l.execute(ctx, tx, cmd, fp, events)
		return err
	})
	if err != nil {
		return ledger.Result{}, err
	}
	return res, nil
}

func (l *Ledger) execute(ctx context.Context, tx pgx.Tx, cmd ledger.Command, fp []byte, events []outbox.Message) (ledger.Result, error) {
	commandID := newID()
	// Claiming the key first makes a concurrent execution of the same key
	// wait here until this one commits (and then replay it) or rolls back.
	tag, err := tx.Exec(ctx, `INSERT INTO ledger_commands (id, idempotency_key, fingerprint, transfer_ids, created_at)
		VALUES ($1, $2, $3, '{}', $4) ON CONFLICT (idempotency_key) DO NOTHING`,
		commandID, cmd.IdempotencyKey, fp, l.now())
	if err != nil {
		return ledger.Result{}, fmt.Errorf("claim idempotency key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return replay(ctx, tx, cmd.IdempotencyKey, fp)
	}
	book, err := l.loadBook(ctx, tx, []ledger.Command{cmd})
	if err != nil {
		return ledger.Result{}, err
	}
	res, err := book.Apply(cmd, commandID, l.now(), newID)
	if err != nil {
		return ledger.Result{}, err
	}
	if err := writeAccounts(ctx, tx, book.Changed()); err != nil {
		return ledger.Result{}, err
	}
	if err := writeCommand(ctx, tx, res); err != nil {
		return ledger.Result{}, err
	}
	if err := outbox.EmitAll(ctx, tx, events...); err != nil {
		return ledger.Result{}, fmt.Errorf("ledger events: %w", err)
	}
	return res, nil
}

// replay answers a key already used: the first result when the command is
// the same, AlreadyExists naming the key when it is not.
func replay(ctx context.Context, q pg.Querier, key string, fp []byte) (ledger.Result, error) {
	var commandID string
	var stored []byte
	if err := q.QueryRow(ctx, `SELECT id::text, fingerprint FROM ledger_commands WHERE idempotency_key = $1`, key).
		Scan(&commandID, &stored); err != nil {
		return ledger.Result{}, fmt.Errorf("read command %q: %w", key, err)
	}
	if !bytes.Equal(stored, fp) {
		return ledger.Result{}, ledger.KeyReused(key)
	}
	ts, err := queryTransfers(ctx, q, `WHERE command_id = $1 ORDER BY position`, commandID)
	if err != nil {
		return ledger.Result{}, err
	}
	return ledger.Result{CommandID: commandID, Transfers: ts, Replayed: true}, nil
}

// loadBook locks and loads everything cmds touch: the pending transfers they
// complete, and every account, opening the ones no transfer has named yet.
func (l *Ledger) loadBook(ctx context.Context, tx pgx.Tx, cmds []ledger.Command) (*ledger.Book, error) {
	refs := map[ledger.AccountRef]bool{}
	var pendingIDs []string
	for _, c := range cmds {
		for _, s := range c.Transfers {
			if s.PendingID != "" {
				if _, err := uuid.Parse(s.PendingID); err == nil {
					pendingIDs = append(pendingIDs, s.PendingID)
				}
				continue
			}
			refs[s.Debit], refs[s.Credit] = true, true
		}
	}
	pendings, err := loadPending(ctx, tx, pendingIDs)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, p := range pendings {
		ids = append(ids, p.Transfer.DebitAccount, p.Transfer.CreditAccount)
	}
	accounts, err := lockAccounts(ctx, tx, ids, refs)
	if err != nil {
		return nil, err
	}
	if missing := missingRefs(accounts, refs); len(missing) > 0 {
		if err := l.openAccounts(ctx, tx, missing); err != nil {
			return nil, err
		}
		if accounts, err = lockAccounts(ctx, tx, ids, refs); err != nil {
			return nil, err
		}
	}
	// Read what became of the pending transfers only now: their accounts are
	// locked, so a post or void of them committed by anyone else is visible.
	if err := readResolutions(ctx, tx, pendings); err != nil {
		return nil, err
	}
	return ledger.NewBook(accounts, pendings), nil
}

func missingRefs(accounts []ledger.Account, refs map[ledger.AccountRef]bool) []ledger.AccountRef {
	have := make(map[ledger.AccountRef]bool, len(accounts))
	for _, a := range accounts {
		have[a.AccountRef] = true
	}
	var missing []ledger.AccountRef
	for r := range refs {
		if !have[r] {
			missing = append(missing, r)
		}
	}
	slices.SortFunc(missing, compareRefs)
	return missing
}

func compareRefs(a, b ledger.AccountRef) int {
	for _, c := range [][2]string{{string(a.Kind), string(b.Kind)}, {string(a.Owner.Type), string(b.Owner.Type)}, {a.Owner.ID, b.Owner.ID}, {a.Currency, b.Currency}} {
		if c[0] != c[1] {
			if c[0] < c[1] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// openAccounts inserts accounts for refs (sorted, so concurrent openers take
// the unique index's locks in one order) with the flags of their kind; an
// account someone else opened meanwhile is kept.
func (l *Ledger) openAccounts(ctx context.Context, tx pgx.Tx, refs []ledger.AccountRef) error {
	n := len(refs)
	ids, kinds, ownerTypes, ownerIDs, currencies := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	flags := make([]int32, n)
	for i, r := range refs {
		ids[i], kinds[i], ownerTypes[i], ownerIDs[i], currencies[i] = newID(), string(r.Kind), string(r.Owner.Type), r.Owner.ID, r.Currency
		flags[i] = int32(l.flags(r.Kind))
	}
	_, err := tx.Exec(ctx, `INSERT INTO ledger_accounts (id, kind, owner_type, owner_id, currency, flags, created_at)
		SELECT id, kind, owner_type, owner_id, currency, flags, $7
		FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[]) AS v(id, kind, owner_type, owner_id, currency, flags)
		ON CONFLICT ON CONSTRAINT ledger_accounts_ref DO NOTHING`,
		ids, kinds, ownerTypes, ownerIDs, currencies, flags, storedNow(l.now))
	if err != nil {
		return fmt.Errorf("open accounts: %w", err)
	}
	return nil
}

// lockAccounts locks and reads the accounts with the given ids or refs, in id
// order.
func lockAccounts(ctx context.Context, tx pgx.Tx, ids []string, refs map[ledger.AccountRef]bool) ([]ledger.Account, error) {
	var kinds, ownerTypes, ownerIDs, currencies []string
	for r := range refs {
		kinds = append(kinds, string(r.Kind))
		ownerTypes = append(ownerTypes, string(r.Owner.Type))
		ownerIDs = append(ownerIDs, r.Owner.ID)
		currencies = append(currencies, r.Currency)
	}
	return queryAccounts(ctx, tx, `WHERE id = ANY($1::uuid[])
		OR (kind, owner_type, owner_id, currency) IN (SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]))
		ORDER BY id FOR UPDATE`, ids, kinds, ownerTypes, ownerIDs, currencies)
}

// loadPending reads the transfers posts and voids name; ids that name no
// transfer are left out (Apply answers NotFound).
func loadPending(ctx context.Context, q pg.Querier, ids []string) ([]ledger.Pending, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ts, err := queryTransfers(ctx, q, `WHERE id = ANY($1::uuid[])`, ids)
	if err != nil {
		return nil, err
	}
	out := make([]ledger.Pending, len(ts))
	for i, t := range ts {
		out[i] = ledger.Pending{Transfer: t}
	}
	return out, nil
}

// readResolutions fills in which transfer, if any, posted or voided each
// pending transfer.
func readResolutions(ctx context.Context, q pg.Querier, pendings []ledger.Pending) error {
	if len(pendings) == 0 {
		return nil
	}
	index := make(map[string]int, len(pendings))
	ids := make([]string, len(pendings))
	for i, p := range pendings {
		ids[i] = p.Transfer.ID
		index[p.Transfer.ID] = i
	}
	rows, err := q.Query(ctx, `SELECT pending_id::text, id::text, phase FROM ledger_transfers WHERE pending_id = ANY($1::uuid[])`, ids)
	if err != nil {
		return fmt.Errorf("read pending resolutions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pendingID, by string
		var phase ledger.Phase
		if err := rows.Scan(&pendingID, &by, &phase); err != nil {
			return fmt.Errorf("read pending resolutions: %w", err)
		}
		p := &pendings[index[pendingID]]
		p.ResolvedBy, p.ResolvedPhase = by, phase
	}
	return rows.Err()
}

// writeAccounts stores the changed balances, one statement for all.
func writeAccounts(ctx context.Context, tx pgx.Tx, accounts []ledger.Account) error {
	if len(accounts) == 0 {
		return nil
	}
	n := len(accounts)
	ids := make([]string, n)
	dp, cp, dpe, cpe := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	for i, a := range accounts {
		ids[i] = a.ID
		dp[i], cp[i], dpe[i], cpe[i] = a.Balance.DebitsPosted, a.Balance.CreditsPosted, a.Balance.DebitsPending, a.Balance.CreditsPending
	}
	_, err := tx.Exec(ctx, `UPDATE ledger_accounts a SET debits_posted = v.dp, credits_posted = v.cp, debits_pending = v.dpe, credits_pending = v.cpe
		FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS v(id, dp, cp, dpe, cpe)
		WHERE a.id = v.id`, ids, dp, cp, dpe, cpe)
	if err != nil {
		return fmt.Errorf("write account balances: %w", err)
	}
	return nil
}

// writeCommand records a command's transfers and their ids on its key's row.
func writeCommand(ctx context.Context, tx pgx.Tx, res ledger.Result) error {
	ids := make([]string, len(res.Transfers))
	for i, t := range res.Transfers {
		ids[i] = t.ID
	}
	if err := insertTransfers(ctx, tx, res.Transfers); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE ledger_commands SET transfer_ids = $2 WHERE id = $1`, res.CommandID, ids); err != nil {
		return fmt.Errorf("record command transfers: %w", err)
	}
	return nil
}

// transferColumns are the columns insertTransfers writes, in its order.
var transferColumns = []string{
	"id", "command_id", "position", "debit_account", "credit_account", "amount", "currency", "code", "reference",
	"phase", "pending_id", "expires_at", "rate_from", "rate_to", "rate", "rate_source", "rate_quote_id", "rate_as_of",
	"created_at",
	"debit_debits_posted", "debit_credits_posted", "debit_debits_pending", "debit_credits_pending",
	"credit_debits_posted", "credit_credits_posted", "credit_debits_pending", "credit_credits_pending",
}

// insertTransfers writes transfers with COPY, one round trip for any number.
func insertTransfers(ctx context.Context, tx pgx.Tx, ts []ledger.Transfer) error {
	rows := make([][]any, len(ts))
	position := map[string]int{}
	for i, t := range ts {
		var rateFrom, rateTo, rate, rateSource, rateQuote *string
		var rateAsOf *time.Time
		if r := t.Rate; r != nil {
			rateFrom, rateTo, rate, rateSource, rateQuote = &r.From, &r.To, &r.Rate, &r.Source, nullString(r.QuoteID)
			rateAsOf = nullTime(r.AsOf)
		}
		var pendingID *uuid.UUID
		if t.PendingID != "" {
			id := uuid.MustParse(t.PendingID)
			pendingID = &id
		}
		pos := position[t.CommandID]
		position[t.CommandID] = pos + 1
		d, c := t.DebitBalance, t.CreditBalance
		rows[i] = []any{
			uuid.MustParse(t.ID), uuid.MustParse(t.CommandID), int32(pos), uuid.MustParse(t.DebitAccount), uuid.MustParse(t.CreditAccount),
			t.Amount, t.Currency, string(t.Code), t.Reference, string(t.Phase), pendingID, nullTime(t.ExpiresAt),
			rateFrom, rateTo, rate, rateSource, rateQuote, rateAsOf, t.CreatedAt,
			d.DebitsPosted, d.CreditsPosted, d.DebitsPending, d.CreditsPending,
			c.DebitsPosted, c.CreditsPosted, c.DebitsPending, c.CreditsPending,
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"ledger_transfers"}, transferColumns, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("insert transfers: %w", err)
	}
	return nil
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func storedNow(now func() time.Time) time.Time { return now().UTC().Truncate(time.Microsecond) }

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
