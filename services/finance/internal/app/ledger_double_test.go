package app_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// memLedger is a small in-memory app.Ledger for the wallet tests until the
// postgres ledger is on this branch: idempotency keys with fingerprints,
// posted and two-phase transfers, the no-overdraft flag of non-external
// accounts, and the events of each first execution.
type memLedger struct {
	mu        sync.Mutex
	accounts  map[ledger.AccountRef]*ledger.Account
	byID      map[string]*ledger.Account
	transfers []ledger.Transfer
	completed map[string]bool // pending transfers posted or voided
	keys      map[string]keyedResult
	events    []outbox.Message
	seq       int
}

type keyedResult struct {
	fingerprint string
	result      ledger.Result
}

func newMemLedger() *memLedger {
	return &memLedger{accounts: map[ledger.AccountRef]*ledger.Account{}, byID: map[string]*ledger.Account{},
		completed: map[string]bool{}, keys: map[string]keyedResult{}}
}

var _ app.Ledger = (*memLedger)(nil)

func external(k ledger.Kind) bool {
	return k == ledger.KindPaymentProvider || k == ledger.KindPayout || k == ledger.KindPartnerSettlement || k == ledger.KindCarrierSettlement
}

func (l *memLedger) open(ref ledger.AccountRef) *ledger.Account {
	if a, ok := l.accounts[ref]; ok {
		return a
	}
	l.seq++
	a := &ledger.Account{ID: fmt.Sprintf("acc-%d", l.seq), AccountRef: ref, Flags: ledger.FlagDebitsMustNotExceedCredits}
	if external(ref.Kind) {
		a.Flags = ledger.FlagExternal
	}
	l.accounts[ref], l.byID[a.ID] = a, a
	return a
}

func (l *memLedger) Execute(_ context.Context, cmd ledger.Command, events ...outbox.Message) (ledger.Result, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fp := fmt.Sprintf("%+v", cmd.Transfers)
	if k, ok := l.keys[cmd.IdempotencyKey]; ok {
		if k.fingerprint != fp {
			return ledger.Result{}, apperr.AlreadyExists("key reused").WithMetadata("idempotency_key", cmd.IdempotencyKey)
		}
		r := k.result
		r.Replayed = true
		return r, nil
	}
	before := map[string]ledger.Balance{}
	for id, a := range l.byID {
		before[id] = a.Balance
	}
	completedBefore := maps.Clone(l.completed)
	undo := func() {
		for id, b := range before {
			l.byID[id].Balance = b
		}
		l.completed = completedBefore
	}
	l.seq++
	res := ledger.Result{CommandID: fmt.Sprintf("cmd-%d", l.seq)}
	for _, s := range cmd.Transfers {
		t, err := l.apply(s)
		if err != nil {
			undo()
			return ledger.Result{}, err
		}
		t.CommandID, t.CreatedAt = res.CommandID, time.Now().UTC()
		res.Transfers = append(res.Transfers, t)
	}
	l.transfers = append(l.transfers, res.Transfers...)
	l.events = append(l.events, events...)
	l.keys[cmd.IdempotencyKey] = keyedResult{fingerprint: fp, result: res}
	return res, nil
}

func (l *memLedger) apply(s ledger.TransferSpec) (ledger.Transfer, error) {
	l.seq++
	t := ledger.Transfer{ID: fmt.Sprintf("tr-%d", l.seq), Code: s.Code, Reference: s.Reference, Phase: s.Phase, PendingID: s.PendingID}
	switch s.Phase {
	case ledger.PhasePosted, ledger.PhasePending:
		if s.Amount <= 0 || s.Debit.Currency != s.Currency || s.Credit.Currency != s.Currency {
			return t, apperr.InvalidField("amount", "bad amount or currency")
		}
		d, c := l.open(s.Debit), l.open(s.Credit)
		if d.Flags.Has(ledger.FlagDebitsMustNotExceedCredits) && d.Balance.Available() < s.Amount {
			return t, apperr.FailedPrecondition("insufficient funds").WithReason("INSUFFICIENT_FUNDS")
		}
		if s.Phase == ledger.PhasePosted {
			d.Balance.DebitsPosted += s.Amount
			c.Balance.CreditsPosted += s.Amount
		} else {
			d.Balance.DebitsPending += s.Amount
			c.Balance.CreditsPending += s.Amount
		}
		t.DebitAccount, t.CreditAccount, t.Amount, t.Currency = d.ID, c.ID, s.Amount, s.Currency
		return t, nil
	case ledger.PhasePostPending, ledger.PhaseVoidPending:
		p, ok := l.pending(s.PendingID)
		if !ok {
			return t, apperr.NotFound("pending transfer", s.PendingID)
		}
		if l.completed[p.ID] {
			return t, apperr.FailedPrecondition("pending transfer already completed").WithReason("PENDING_COMPLETED")
		}
		l.completed[p.ID] = true
		d, c := l.byID[p.DebitAccount], l.byID[p.CreditAccount]
		d.Balance.DebitsPending -= p.Amount
		c.Balance.CreditsPending -= p.Amount
		if s.Phase == ledger.PhasePostPending {
			d.Balance.DebitsPosted += p.Amount
			c.Balance.CreditsPosted += p.Amount
		}
		t.DebitAccount, t.CreditAccount, t.Amount, t.Currency = d.ID, c.ID, p.Amount, p.Currency
		return t, nil
	}
	return t, apperr.InvalidField("phase", "unknown")
}

func (l *memLedger) pending(id string) (ledger.Transfer, bool) {
	for _, t := range l.transfers {
		if t.ID == id && t.Phase == ledger.PhasePending {
			return t, true
		}
	}
	return ledger.Transfer{}, false
}

func (l *memLedger) Account(_ context.Context, id string) (ledger.Account, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a, ok := l.byID[id]; ok {
		return *a, nil
	}
	return ledger.Account{}, apperr.NotFound("account", id)
}

func (l *memLedger) AccountByRef(_ context.Context, ref ledger.AccountRef) (ledger.Account, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a, ok := l.accounts[ref]; ok {
		return *a, nil
	}
	return ledger.Account{}, apperr.NotFound("account", fmt.Sprint(ref))
}

func (l *memLedger) AccountsOf(_ context.Context, owner ledger.Owner, kind ledger.Kind) ([]ledger.Account, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []ledger.Account
	for ref, a := range l.accounts {
		if ref.Owner == owner && ref.Kind == kind {
			out = append(out, *a)
		}
	}
	slices.SortFunc(out, func(a, b ledger.Account) int { return cmpString(a.Currency, b.Currency) })
	return out, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (l *memLedger) CloseAccount(context.Context, string) (ledger.Account, error) {
	return ledger.Account{}, apperr.FailedPrecondition("not in the double")
}

func (l *memLedger) BalanceAt(context.Context, string, time.Time) (ledger.Balance, error) {
	return ledger.Balance{}, apperr.FailedPrecondition("not in the double")
}

// Statement serves the whole statement as one page.
func (l *memLedger) Statement(_ context.Context, id string, _ int, _ string) ([]ledger.Transfer, string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []ledger.Transfer
	for i := len(l.transfers) - 1; i >= 0; i-- {
		if t := l.transfers[i]; t.DebitAccount == id || t.CreditAccount == id {
			out = append(out, t)
		}
	}
	return out, "", nil
}

func (l *memLedger) Transfer(_ context.Context, id string) (ledger.Transfer, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, t := range l.transfers {
		if t.ID == id {
			return t, nil
		}
	}
	return ledger.Transfer{}, apperr.NotFound("transfer", id)
}

func (l *memLedger) TransfersByReference(_ context.Context, ref string) ([]ledger.Transfer, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []ledger.Transfer
	for _, t := range l.transfers {
		if t.Reference == ref {
			out = append(out, t)
		}
	}
	return out, nil
}

func (l *memLedger) TrialBalance(context.Context) ([]app.TrialBalanceLine, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	sums := map[[2]string]*app.TrialBalanceLine{}
	for ref, a := range l.accounts {
		k := [2]string{ref.Currency, string(ref.Kind)}
		if sums[k] == nil {
			sums[k] = &app.TrialBalanceLine{Currency: ref.Currency, Kind: ref.Kind}
		}
		sums[k].Accounts++
		sums[k].DebitsPosted += a.Balance.DebitsPosted
		sums[k].CreditsPosted += a.Balance.CreditsPosted
	}
	var out []app.TrialBalanceLine
	for _, v := range sums {
		out = append(out, *v)
	}
	return out, nil
}

// subjects returns the subjects of the events the ledger wrote.
func (l *memLedger) subjects() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.events {
		out = append(out, e.Subject)
	}
	return out
}
