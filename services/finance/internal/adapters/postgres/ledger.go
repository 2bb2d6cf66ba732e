package postgres

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/groupcommit"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// Ledger implements app.Ledger on PostgreSQL. The rules live in
// domain/ledger; this adapter group-commits: concurrent Execute calls queue
// (pkg/groupcommit) and a batch of them is applied in one transaction that
// locks every account the batch touches once (in id order, the order every
// transaction takes them in), lets the domain apply the commands one after
// another in memory, and writes each changed account once, the transfers
// with one COPY, the commands' keys and the callers' events, then commits
// and only then answers every caller.
type Ledger struct {
	pool  *pgxpool.Pool
	now   func() time.Time
	flags func(ledger.Kind) ledger.Flags
	batch groupcommit.Options
	queue *groupcommit.Queue[request, ledger.Result]
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

// WithBatching sets the most commands one transaction applies (size) and
// how many such transactions may run at once (concurrency); zero keeps the
// defaults, 256 and 1.
func WithBatching(size, concurrency int) LedgerOption {
	return func(l *Ledger) { l.batch.MaxBatch, l.batch.Concurrency = size, concurrency }
}

// NewLedger returns the ledger on pool.
func NewLedger(pool *pgxpool.Pool, opts ...LedgerOption) *Ledger {
	l := &Ledger{pool: pool, now: time.Now, flags: ledger.FlagsFor}
	for _, o := range opts {
		o(l)
	}
	l.queue = groupcommit.New(l.flush, l.batch)
	return l
}

// request is one Execute call waiting for its batch.
type request struct {
	cmd    ledger.Command
	fp     []byte
	events []outbox.Message
}

// Execute applies cmd with the other commands of its batch (see app.Ledger).
// Nothing is answered before the batch commits. A caller whose context ends
// first gets its error at once; its command may still commit, and a retry
// with the same key returns what it did.
func (l *Ledger) Execute(ctx context.Context, cmd ledger.Command, events ...outbox.Message) (ledger.Result, error) {
	if err := ledger.Validate(cmd); err != nil {
		return ledger.Result{}, err
	}
	return l.queue.Submit(ctx, request{cmd: cmd, fp: ledger.Fingerprint(cmd), events: events})
}

// flush applies a batch in one transaction. When the transaction itself
// fails (the connection, the commit; not one command's refusal), each
// command is applied again in a transaction of its own, so each gets its
// own answer.
func (l *Ledger) flush(ctx context.Context, reqs []request) []groupcommit.Result[ledger.Result] {
	var out []groupcommit.Result[ledger.Result]
	err := pg.InTx(ctx, l.pool, func(tx pgx.Tx) error {
		var err error
		out, err = l.applyBatch(ctx, tx, reqs)
		return err
	})
	if err == nil {
		return out
	}
	out = make([]groupcommit.Result[ledger.Result], len(reqs))
	for i := range reqs {
		if len(reqs) > 1 && ctx.Err() == nil {
			out[i] = l.flush(ctx, reqs[i:i+1])[0]
		} else {
			out[i].Err = err
		}
	}
	return out
}

// claim is an idempotency key this batch holds a row of ledger_commands for.
type claim struct {
	commandID string
	claimedFP []byte         // stored with the claim
	fp        []byte         // of the command that used the key
	result    *ledger.Result // the command that used the key, once one has
}

// stored is a key an earlier transaction committed.
type stored struct {
	fp     []byte
	result ledger.Result
}

func (l *Ledger) applyBatch(ctx context.Context, tx pgx.Tx, reqs []request) ([]groupcommit.Result[ledger.Result], error) {
	claims, done, err := l.claimKeys(ctx, tx, reqs)
	if err != nil {
		return nil, err
	}
	var fresh []ledger.Command
	for _, r := range reqs {
		if _, ok := claims[r.cmd.IdempotencyKey]; ok {
			fresh = append(fresh, r.cmd)
		}
	}
	book, err := l.loadBook(ctx, tx, fresh)
	if err != nil {
		return nil, err
	}
	now := l.now()
	out := make([]groupcommit.Result[ledger.Result], len(reqs))
	var transfers []ledger.Transfer
	var events []outbox.Message
	for i, r := range reqs {
		key := r.cmd.IdempotencyKey
		if s, ok := done[key]; ok {
			out[i] = replayed(key, r.fp, s.fp, s.result)
			continue
		}
		c := claims[key]
		if c.result != nil {
			// The same key earlier in this batch: a retry that raced its
			// first call, answered as if the first had committed already.
			out[i] = replayed(key, r.fp, c.fp, *c.result)
			continue
		}
		res, err := book.Apply(r.cmd, c.commandID, now, newID)
		if apperr.KindOf(err) == apperr.KindUnknown && err != nil {
			return nil, err
		}
		if err != nil {
			out[i].Err = err
			continue
		}
		c.fp, c.result = r.fp, &res
		out[i].Value = res
		transfers = append(transfers, res.Transfers...)
		events = append(events, r.events...)
	}
	if err := writeAccounts(ctx, tx, book.Changed()); err != nil {
		return nil, err
	}
	if err := insertTransfers(ctx, tx, transfers); err != nil {
		return nil, err
	}
	if err := settleClaims(ctx, tx, claims); err != nil {
		return nil, err
	}
	if err := outbox.EmitAll(ctx, tx, events...); err != nil {
		return nil, fmt.Errorf("ledger events: %w", err)
	}
	return out, nil
}

// replayed answers a command whose key was used before: the first result
// when the command is the same, AlreadyExists naming the key when not.
func replayed(key string, fp, firstFP []byte, first ledger.Result) groupcommit.Result[ledger.Result] {
	if !bytes.Equal(fp, firstFP) {
		return groupcommit.Result[ledger.Result]{Err: ledger.KeyReused(key)}
	}
	// Each caller owns its answer: the first caller's slice is not shared.
	first.Transfers, first.Replayed = slices.Clone(first.Transfers), true
	return groupcommit.Result[ledger.Result]{Value: first}
}

// claimKeys inserts a command row for every distinct key of the batch, in
// key order. A key whose row another transaction is inserting makes this one
// wait until it commits (the key is then used) or rolls back (ours). Keys
// already used come back in done with their first result.
func (l *Ledger) claimKeys(ctx context.Context, tx pgx.Tx, reqs []request) (map[string]*claim, map[string]stored, error) {
	first := map[string][]byte{}
	for _, r := range reqs {
		if _, ok := first[r.cmd.IdempotencyKey]; !ok {
			first[r.cmd.IdempotencyKey] = r.fp
		}
	}
	keys := slices.Sorted(maps.Keys(first))
	ids, fps := make([]string, len(keys)), make([][]byte, len(keys))
	for i, k := range keys {
		ids[i], fps[i] = newID(), first[k]
	}
	rows, err := tx.Query(ctx, `INSERT INTO ledger_commands (id, idempotency_key, fingerprint, created_at)
		SELECT id, key, fp, $4 FROM unnest($1::uuid[], $2::text[], $3::bytea[]) WITH ORDINALITY AS v(id, key, fp, n)
		ORDER BY n
		ON CONFLICT (idempotency_key) DO NOTHING
		RETURNING idempotency_key, id::text`, ids, keys, fps, storedNow(l.now))
	if err != nil {
		return nil, nil, fmt.Errorf("claim idempotency keys: %w", err)
	}
	claims := map[string]*claim{}
	for rows.Next() {
		var key, id string
		if err := rows.Scan(&key, &id); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("claim idempotency keys: %w", err)
		}
		claims[key] = &claim{commandID: id, claimedFP: first[key], fp: first[key]}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("claim idempotency keys: %w", err)
	}
	var used []string
	for _, k := range keys {
		if _, ok := claims[k]; !ok {
			used = append(used, k)
		}
	}
	done, err := storedCommands(ctx, tx, used)
	return claims, done, err
}

// storedCommands reads the committed commands of keys with their transfers.
func storedCommands(ctx context.Context, q pg.Querier, keys []string) (map[string]stored, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT idempotency_key, id::text, fingerprint FROM ledger_commands WHERE idempotency_key = ANY($1)`, keys)
	if err != nil {
		return nil, fmt.Errorf("read commands: %w", err)
	}
	out := map[string]stored{}
	byID := map[string]string{}
	var ids []string
	for rows.Next() {
		var key, id string
		var fp []byte
		if err := rows.Scan(&key, &id, &fp); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read commands: %w", err)
		}
		out[key] = stored{fp: fp, result: ledger.Result{CommandID: id}}
		byID[id] = key
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read commands: %w", err)
	}
	ts, err := queryTransfers(ctx, q, `WHERE command_id = ANY($1::uuid[]) ORDER BY command_id, position`, ids)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		s := out[byID[t.CommandID]]
		s.result.Transfers = append(s.result.Transfers, t)
		out[byID[t.CommandID]] = s
	}
	return out, nil
}

// settleClaims corrects the fingerprint of a key whose first command in the
// batch was refused and a later one with another body used it, and deletes
// the rows of keys whose every command was refused, so a refused command can
// be retried. The transfers name their command: a key's result needs no
// other record.
func settleClaims(ctx context.Context, tx pgx.Tx, claims map[string]*claim) error {
	var ids []string
	var fps [][]byte
	var unused []string
	for _, c := range claims {
		switch {
		case c.result == nil:
			unused = append(unused, c.commandID)
		case !bytes.Equal(c.fp, c.claimedFP):
			ids, fps = append(ids, c.commandID), append(fps, c.fp)
		}
	}
	if len(ids) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE ledger_commands c SET fingerprint = v.fp
			FROM unnest($1::uuid[], $2::bytea[]) AS v(id, fp) WHERE c.id = v.id`, ids, fps); err != nil {
			return fmt.Errorf("record commands: %w", err)
		}
	}
	if len(unused) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM ledger_commands WHERE id = ANY($1::uuid[])`, unused); err != nil {
			return fmt.Errorf("release refused commands' keys: %w", err)
		}
	}
	return nil
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
		for _, e := range c.Expect {
			refs[e.Account] = true
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
// order. The two lookups are joined by a UNION so each uses its index: an OR
// of an id list and a row-value IN would read every account of the ledger
// (a sequential scan per batch, growing with every wallet and escrow opened).
// It is planned at every call, with the lists' lengths known
// (QueryExecModeCacheDescribe: an unnamed statement, still one round trip):
// a generic plan cached while the ledger held a few accounts, as in a new
// database, hash-joins a sequential scan of every account per batch until an
// ANALYZE replaces it.
func lockAccounts(ctx context.Context, tx pgx.Tx, ids []string, refs map[ledger.AccountRef]bool) ([]ledger.Account, error) {
	var kinds, ownerTypes, ownerIDs, currencies []string
	for r := range refs {
		kinds = append(kinds, string(r.Kind))
		ownerTypes = append(ownerTypes, string(r.Owner.Type))
		ownerIDs = append(ownerIDs, r.Owner.ID)
		currencies = append(currencies, r.Currency)
	}
	return queryAccounts(ctx, tx, `WHERE id IN (
			SELECT unnest($1::uuid[])
			UNION
			SELECT a.id FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS r(kind, owner_type, owner_id, currency)
			JOIN ledger_accounts a USING (kind, owner_type, owner_id, currency))
		ORDER BY id FOR UPDATE`, pgx.QueryExecModeCacheDescribe, ids, kinds, ownerTypes, ownerIDs, currencies)
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

// writeAccounts stores the changed balances, one statement for all, planned
// at every call for the reason lockAccounts is.
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
		WHERE a.id = v.id`, pgx.QueryExecModeCacheDescribe, ids, dp, cp, dpe, cpe)
	if err != nil {
		return fmt.Errorf("write account balances: %w", err)
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
	if len(ts) == 0 {
		return nil
	}
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
