package ledger

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// Pending is a pending transfer with what became of it.
type Pending struct {
	Transfer Transfer
	// ResolvedBy is the post or void transfer that completed it; empty while
	// it is open. A pending transfer is resolved at most once.
	ResolvedBy string
	// ResolvedPhase is ResolvedBy's phase (post_pending or void_pending).
	ResolvedPhase Phase
}

// Book is the set of accounts and pending transfers some commands touch,
// held in memory while the commands are applied one after another. The
// postgres adapter loads it (locking the rows), applies a command or a whole
// batch of commands, and writes back the accounts Changed reports and the
// transfers in each Result.
type Book struct {
	accounts map[string]*Account
	byRef    map[AccountRef]string
	pending  map[string]*Pending
	changed  map[string]bool
}

// NewBook returns a book holding accounts and pending transfers (with their
// resolution, if any).
func NewBook(accounts []Account, pending []Pending) *Book {
	b := &Book{
		accounts: make(map[string]*Account, len(accounts)),
		byRef:    make(map[AccountRef]string, len(accounts)),
		pending:  make(map[string]*Pending, len(pending)),
		changed:  map[string]bool{},
	}
	for _, a := range accounts {
		b.accounts[a.ID] = &a
		b.byRef[a.AccountRef] = a.ID
	}
	for _, p := range pending {
		b.pending[p.Transfer.ID] = &p
	}
	return b
}

// Account returns the book's copy of an account.
func (b *Book) Account(id string) (Account, bool) {
	a, ok := b.accounts[id]
	if !ok {
		return Account{}, false
	}
	return *a, true
}

// Changed returns the accounts whose balances commands applied so far have
// changed, ordered by id.
func (b *Book) Changed() []Account {
	out := make([]Account, 0, len(b.changed))
	for id := range b.changed {
		out = append(out, *b.accounts[id])
	}
	slices.SortFunc(out, func(x, y Account) int { return strings.Compare(x.ID, y.ID) })
	return out
}

// Apply applies a valid command (see Validate) to the book, all or nothing:
// every transfer is checked against the accounts as the earlier transfers of
// the command left them, and the first refusal leaves the book unchanged and
// is returned (FailedPrecondition for a limit, a closed account, an overflow
// or a pending transfer that cannot be completed; NotFound for an unknown
// pending transfer; Aborted ErrBalanceChanged for an expected balance that
// does not hold). now stamps the transfers and decides expiry; newID
// names each transfer. Every account a new transfer names must be in the
// book: opening accounts is the caller's job.
func (b *Book) Apply(cmd Command, commandID string, now time.Time, newID func() string) (Result, error) {
	now = storedTime(now)
	a := applier{book: b, now: now, accounts: map[string]Account{}, pending: map[string]Pending{}}
	res := Result{CommandID: commandID, Transfers: make([]Transfer, 0, len(cmd.Transfers))}
	for _, e := range cmd.Expect {
		acc, err := a.byRef(e.Account)
		if err != nil {
			return Result{}, err
		}
		if net := acc.Balance.Net(); net != e.Net {
			return Result{}, ErrBalanceChanged.WithMetadata(MetadataAccountID, acc.ID).
				WithMetadata("expected_minor_units", strconv.FormatInt(e.Net, 10)).WithMetadata("balance_minor_units", strconv.FormatInt(net, 10))
		}
	}
	for i, s := range cmd.Transfers {
		t, err := a.transfer(i, s, commandID, newID())
		if err != nil {
			return Result{}, err
		}
		res.Transfers = append(res.Transfers, t)
	}
	for id, acc := range a.accounts {
		*b.accounts[id] = acc
		b.changed[id] = true
	}
	for id, p := range a.pending {
		b.pending[id] = &p
	}
	return res, nil
}

// applier stages one command's changes so a refusal discards them.
type applier struct {
	book     *Book
	now      time.Time
	accounts map[string]Account
	pending  map[string]Pending
}

func (a *applier) account(id string) (Account, error) {
	if acc, ok := a.accounts[id]; ok {
		return acc, nil
	}
	acc, ok := a.book.accounts[id]
	if !ok {
		return Account{}, fmt.Errorf("ledger: account %s is not in the book", id)
	}
	return *acc, nil
}

func (a *applier) byRef(r AccountRef) (Account, error) {
	id, ok := a.book.byRef[r]
	if !ok {
		return Account{}, fmt.Errorf("ledger: account %s of %s %s in %s is not in the book", r.Kind, r.Owner.Type, r.Owner.ID, r.Currency)
	}
	return a.account(id)
}

func (a *applier) findPending(id string) (Pending, bool) {
	if p, ok := a.pending[id]; ok {
		return p, true
	}
	if p, ok := a.book.pending[id]; ok {
		return *p, true
	}
	return Pending{}, false
}

func (a *applier) transfer(i int, s TransferSpec, commandID, id string) (Transfer, error) {
	t := Transfer{
		ID: id, CommandID: commandID, Code: s.Code, Reference: s.Reference, Phase: s.Phase,
		PendingID: s.PendingID, ExpiresAt: storedTime(s.ExpiresAt), Rate: s.Rate, CreatedAt: a.now,
	}
	if t.Rate != nil {
		r := *t.Rate
		r.AsOf = storedTime(r.AsOf)
		t.Rate = &r
	}
	var debit, credit Account
	var err error
	switch s.Phase {
	case PhasePosted, PhasePending:
		if debit, err = a.byRef(s.Debit); err != nil {
			return Transfer{}, err
		}
		if credit, err = a.byRef(s.Credit); err != nil {
			return Transfer{}, err
		}
		for _, acc := range []*Account{&debit, &credit} {
			if acc.Closed() {
				return Transfer{}, closed(i, acc)
			}
		}
		if s.Phase == PhasePending && !t.ExpiresAt.IsZero() && !t.ExpiresAt.After(a.now) {
			return Transfer{}, apperr.InvalidField(apperr.Index("transfers", i, "expires_at"), "must be in the future")
		}
		t.Amount, t.Currency = s.Amount, s.Currency
		if s.Phase == PhasePosted {
			err = moveChecked(i, &debit, &debit.Balance.DebitsPosted, &credit, &credit.Balance.CreditsPosted, s.Amount)
		} else {
			err = moveChecked(i, &debit, &debit.Balance.DebitsPending, &credit, &credit.Balance.CreditsPending, s.Amount)
		}
		if err != nil {
			return Transfer{}, err
		}
	default:
		p, ok := a.findPending(s.PendingID)
		if !ok {
			return Transfer{}, apperr.NotFound("pending transfer", s.PendingID)
		}
		if debit, credit, err = a.resolve(i, s, p, &t); err != nil {
			return Transfer{}, err
		}
		p.ResolvedBy, p.ResolvedPhase = t.ID, t.Phase
		a.pending[p.Transfer.ID] = p
	}
	if err := checkLimits(i, &debit); err != nil {
		return Transfer{}, err
	}
	if err := checkLimits(i, &credit); err != nil {
		return Transfer{}, err
	}
	t.DebitAccount, t.CreditAccount = debit.ID, credit.ID
	t.DebitBalance, t.CreditBalance = debit.Balance, credit.Balance
	a.accounts[debit.ID], a.accounts[credit.ID] = debit, credit
	if t.Phase == PhasePending {
		a.pending[t.ID] = Pending{Transfer: t}
	}
	return t, nil
}

// resolve completes pending transfer p with a post or a void into t and
// returns its two accounts as they stand afterwards.
func (a *applier) resolve(i int, s TransferSpec, p Pending, t *Transfer) (debit, credit Account, err error) {
	pt := p.Transfer
	switch {
	case pt.Phase != PhasePending:
		return debit, credit, apperr.FailedPrecondition(fmt.Sprintf("transfers[%d]: transfer %s is %s, not pending", i, pt.ID, pt.Phase)).
			WithReason(ReasonNotPending).WithMetadata(MetadataPendingTransferID, pt.ID)
	case p.ResolvedBy != "":
		return debit, credit, apperr.FailedPrecondition(fmt.Sprintf("transfers[%d]: pending transfer %s was already completed by %s transfer %s", i, pt.ID, p.ResolvedPhase, p.ResolvedBy)).
			WithReason(ReasonPendingResolved).WithMetadata(MetadataPendingTransferID, pt.ID).WithMetadata(MetadataResolvingTransferID, p.ResolvedBy)
	case s.Currency != "" && s.Currency != pt.Currency:
		return debit, credit, apperr.InvalidField(apperr.Index("transfers", i, "currency"), "must be the pending transfer's currency "+pt.Currency)
	}
	amount := pt.Amount
	if s.Phase == PhasePostPending {
		if !pt.ExpiresAt.IsZero() && !a.now.Before(pt.ExpiresAt) {
			return debit, credit, apperr.FailedPrecondition(fmt.Sprintf("transfers[%d]: pending transfer %s expired at %s", i, pt.ID, pt.ExpiresAt.Format(time.RFC3339))).
				WithReason(ReasonPendingExpired).WithMetadata(MetadataPendingTransferID, pt.ID)
		}
		if s.Amount > pt.Amount {
			return debit, credit, apperr.FailedPrecondition(fmt.Sprintf("transfers[%d]: cannot post %d of pending transfer %s, which reserved %d", i, s.Amount, pt.ID, pt.Amount)).
				WithReason(ReasonPostExceedsPending).WithMetadata(MetadataPendingTransferID, pt.ID)
		}
		if s.Amount > 0 {
			amount = s.Amount
		}
	}
	if debit, err = a.account(pt.DebitAccount); err != nil {
		return debit, credit, err
	}
	if credit, err = a.account(pt.CreditAccount); err != nil {
		return debit, credit, err
	}
	// The reservation is released whole; a post then moves what it posts.
	debit.Balance.DebitsPending -= pt.Amount
	credit.Balance.CreditsPending -= pt.Amount
	if s.Phase == PhasePostPending {
		if err := moveChecked(i, &debit, &debit.Balance.DebitsPosted, &credit, &credit.Balance.CreditsPosted, amount); err != nil {
			return debit, credit, err
		}
	}
	t.Amount, t.Currency = amount, pt.Currency
	if t.Code == "" {
		t.Code = pt.Code
	}
	if t.Reference == "" {
		t.Reference = pt.Reference
	}
	return debit, credit, nil
}

// moveChecked adds amount to a debit total of one account and a credit total
// of another, refusing an int64 overflow of either.
func moveChecked(i int, debit *Account, dTotal *int64, credit *Account, cTotal *int64, amount int64) error {
	if *dTotal > math.MaxInt64-amount {
		return overflow(i, debit)
	}
	if *cTotal > math.MaxInt64-amount {
		return overflow(i, credit)
	}
	*dTotal += amount
	*cTotal += amount
	return nil
}

// checkLimits refuses a balance that breaks the account's flags. Pending
// debits count against FlagDebitsMustNotExceedCredits, pending credits
// against its mirror: a reservation is a promise the account must be able
// to keep.
func checkLimits(i int, a *Account) error {
	if a.Flags.Has(FlagExternal) {
		return nil
	}
	b := a.Balance
	if a.Flags.Has(FlagDebitsMustNotExceedCredits) {
		if short := excess(b.DebitsPosted, b.DebitsPending, b.CreditsPosted); short > 0 {
			return insufficientFunds(i, a, short)
		}
	}
	if a.Flags.Has(FlagCreditsMustNotExceedDebits) {
		if over := excess(b.CreditsPosted, b.CreditsPending, b.DebitsPosted); over > 0 {
			return creditsExceedDebits(i, a, over)
		}
	}
	return nil
}

// excess is x+y-limit for non-negative totals, computed without overflow and
// capped at MaxInt64.
func excess(x, y, limit int64) int64 {
	sum := uint64(x) + uint64(y)
	if sum <= uint64(limit) {
		return 0
	}
	d := sum - uint64(limit)
	if d > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(d)
}

// CheckClosable refuses to close an account that still holds money or has
// transfers pending: closing must not strand a balance.
func (a Account) CheckClosable() error {
	b := a.Balance
	if b.DebitsPosted != b.CreditsPosted || b.DebitsPending != 0 || b.CreditsPending != 0 {
		return apperr.FailedPrecondition(fmt.Sprintf("%s cannot be closed: its balance is %s minor units with %s pending debits and %s pending credits",
			describe(&a), strconv.FormatInt(b.CreditsPosted-b.DebitsPosted, 10), strconv.FormatInt(b.DebitsPending, 10), strconv.FormatInt(b.CreditsPending, 10))).
			WithReason(ReasonAccountNotEmpty).WithMetadata(MetadataAccountID, a.ID)
	}
	return nil
}
