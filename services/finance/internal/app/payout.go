package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/paging"
	"github.com/crossdock/crossdock/pkg/periodic"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

// ErrPayoutKeyReused refuses an idempotency key already used for another
// payout of the organization.
var ErrPayoutKeyReused = apperr.AlreadyExists("this idempotency key was used for a different payout").WithReason(idempotency.ReasonKeyReused)

// SupplierPayable returns what the platform owes a supplier, one account
// per currency. Members of the supplier and admins.
func (w *Wallets) SupplierPayable(ctx context.Context, c auth.Caller, org string) ([]ledger.Account, error) {
	org, err := parseOrg(org)
	if err != nil {
		return nil, err
	}
	if !memberOf(c, auth.RoleSupplier, org) && !c.IsAdmin() {
		return nil, ErrNotSupplierMember
	}
	return w.ledger.AccountsOf(ctx, orgOwner(org), ledger.KindSupplierPayable)
}

// ListPayouts returns a supplier's payouts, newest first. Members of the
// supplier and admins.
func (w *Wallets) ListPayouts(ctx context.Context, c auth.Caller, org string, pageSize int, pageToken string) ([]wallet.Payout, string, error) {
	org, err := parseOrg(org)
	if err != nil {
		return nil, "", err
	}
	if !memberOf(c, auth.RoleSupplier, org) && !c.IsAdmin() {
		return nil, "", ErrNotSupplierMember
	}
	size, err := statementPages.Size(pageSize)
	if err != nil {
		return nil, "", err
	}
	var after *PayoutCursor
	if pageToken != "" {
		after = &PayoutCursor{}
		if err := paging.DecodeFor(pageToken, org, after); err != nil { // bound to the supplier listed
			return nil, "", err
		}
	}
	payouts, err := w.store.PayoutsOf(ctx, org, after, size+1)
	if err != nil || len(payouts) <= size {
		return payouts, "", err
	}
	last := payouts[size-1]
	return payouts[:size], paging.EncodeFor(org, PayoutCursor{T: last.CreatedAt, I: last.ID}), nil
}

// CreatePayout sends money from the supplier's payable to its bank. Owners
// of the supplier organization only. The payout is recorded first, then
// the ledger reserves the amount (a pending transfer to the payout
// account), then the provider is asked; the provider's webhook posts or
// voids the reservation. A payable short of the amount, or one that would
// be left short of the claw-backs waiting for it, is FailedPrecondition and
// the payout is recorded as failed. When the
// provider is unavailable the payout stays reserved and the payout worker
// asks again. The same key with the same request answers with the same
// payout.
func (w *Wallets) CreatePayout(ctx context.Context, c auth.Caller, org string, in wallet.PayoutInput) (wallet.Payout, error) {
	org, err := parseOrg(org)
	if err != nil {
		return wallet.Payout{}, err
	}
	if !memberOf(c, auth.RoleSupplier, org) {
		return wallet.Payout{}, ErrNotSupplierMember
	}
	if c.OrganizationRole != auth.OrgRoleOwner {
		return wallet.Payout{}, ErrNotSupplierOwner
	}
	p, err := wallet.NewPayout(w.newID(), org, c.Subject, in, w.clock())
	if err != nil {
		return wallet.Payout{}, err
	}
	stored, inserted, err := w.store.InsertPayout(ctx, p)
	if err != nil {
		return wallet.Payout{}, err
	}
	if !inserted && !stored.SameRequest(p) {
		return wallet.Payout{}, ErrPayoutKeyReused.WithMetadata("idempotency_key", in.IdempotencyKey)
	}
	p, err = w.advancePayout(ctx, stored)
	if errors.Is(err, errProviderKeyTaken) {
		return p, nil // reserved, as when the provider is down; the worker reports it
	}
	return p, err
}

// advancePayout takes a payout through the steps it has not made: reserve,
// then send. Each step is idempotent on the payout id, so repeating one
// after a crash moves nothing twice. A provider that is down leaves the
// payout reserved, which is no error for the caller: the worker finishes.
func (w *Wallets) advancePayout(ctx context.Context, p wallet.Payout) (wallet.Payout, error) {
	if p.State == wallet.PayoutSent {
		return w.pollPayout(ctx, p)
	}
	if p.HoldsLateReservation() {
		return w.voidLateReservation(ctx, p)
	}
	if p.State == wallet.PayoutRequested {
		if err := w.checkClawBacksWaiting(ctx, p); err != nil {
			if !errors.Is(err, wallet.ErrClawBackWaiting) {
				return wallet.Payout{}, err // the check could not run (the database away): the worker asks again
			}
			if _, ferr := w.failPayout(ctx, p.ID, wallet.FailureClawBackWaiting, false); ferr != nil {
				return wallet.Payout{}, ferr
			}
			return wallet.Payout{}, err
		}
		res, err := w.ledger.Execute(ctx, ledger.Command{
			IdempotencyKey: "payout:" + p.ID,
			Transfers: []ledger.TransferSpec{{
				Debit:  ledger.AccountRef{Kind: ledger.KindSupplierPayable, Owner: orgOwner(p.OrganizationID), Currency: p.Currency},
				Credit: w.providerAccount(ledger.KindPayout, p.Currency),
				Amount: p.Amount, Currency: p.Currency, Code: ledger.CodePayout, Reference: p.ID, Phase: ledger.PhasePending,
			}},
		})
		if apperr.Permanent(err) {
			if _, ferr := w.failPayout(ctx, p.ID, wallet.FailureLedgerRefused, false); ferr != nil {
				return wallet.Payout{}, ferr
			}
			return wallet.Payout{}, err
		}
		if err != nil {
			return wallet.Payout{}, err
		}
		reservation := res.Transfers[0].ID
		p, err = w.store.UpdatePayout(ctx, p.ID, func(p *wallet.Payout) ([]outbox.Message, error) {
			if !p.Reserved(reservation, w.clock()) && p.State == wallet.PayoutFailed && p.PendingTransferID == "" {
				// A concurrent attempt (a retry with the same key, the
				// worker) was refused by the ledger before this one
				// reserved, and recorded the failure first: nothing may stay
				// reserved for a failed payout. The reservation is kept on
				// it until voided, so a crash or a void that fails leaves
				// it to the worker.
				p.PendingTransferID, p.UpdatedAt = reservation, w.clock()
			}
			return nil, nil
		})
		if err != nil {
			return wallet.Payout{}, err
		}
		if p.HoldsLateReservation() {
			return w.voidLateReservation(ctx, p)
		}
	}
	if p.State != wallet.PayoutReserved {
		return p, nil
	}
	if p.Attempts > 0 && w.clock().Sub(p.CreatedAt) > payoutKeyLifetime {
		// An earlier call's outcome is unknown and the provider may have
		// forgotten its key: sent again, it could pay the supplier twice.
		// Touched, it goes behind the payouts the worker can still move.
		touched, err := w.store.UpdatePayout(ctx, p.ID, func(p *wallet.Payout) ([]outbox.Message, error) {
			p.UpdatedAt = w.clock()
			return nil, nil
		})
		if err != nil {
			return p, err
		}
		return touched, fmt.Errorf("payout %s: %w", p.ID, errProviderKeyExpired)
	}
	// The call is counted before it is made: a process stopped before its
	// answer is recorded leaves the count, which the guard above reads.
	p, err := w.store.UpdatePayout(ctx, p.ID, func(p *wallet.Payout) ([]outbox.Message, error) {
		if p.State == wallet.PayoutReserved {
			p.Calling(w.clock())
		}
		return nil, nil
	})
	if err != nil || p.State != wallet.PayoutReserved {
		return p, err
	}
	sent, err := w.provider.CreatePayout(ctx, PayoutRequest{
		IdempotencyKey: "payout:" + p.ID, Amount: p.Amount, Currency: p.Currency, Reference: p.ID, Destination: p.Destination,
	})
	if apperr.Permanent(err) && !misconfigured(err) && !keyTaken(err) {
		return w.failPayout(ctx, p.ID, "provider_refused", true)
	}
	if err != nil {
		// Counted already; left reserved for the worker, behind the
		// others.
		p, uerr := w.store.UpdatePayout(ctx, p.ID, func(p *wallet.Payout) ([]outbox.Message, error) {
			p.UpdatedAt = w.clock()
			return nil, nil
		})
		if uerr == nil && keyTaken(err) {
			return p, fmt.Errorf("payout %s: %w: %w", p.ID, errProviderKeyTaken, err)
		}
		return p, uerr
	}
	return w.store.UpdatePayout(ctx, p.ID, func(p *wallet.Payout) ([]outbox.Message, error) {
		p.Sent(sent.ID, w.clock())
		return nil, nil
	})
}

// checkClawBacksWaiting refuses a payout that would leave the payable
// short of the claw-backs waiting for it (wallet.CheckPayoutLeavesClawBacks):
// permanent, the payout fails without a reservation. A claw-back that
// starts waiting while the payout reserves is not seen; it waits for the
// supplier's next earnings, which the next payout leaves to it.
func (w *Wallets) checkClawBacksWaiting(ctx context.Context, p wallet.Payout) error {
	waiting, err := w.store.WaitingClawBacks(ctx, p.OrganizationID, p.Currency)
	if err != nil || waiting == 0 {
		return err
	}
	var available int64
	payable, err := w.ledger.AccountByRef(ctx, ledger.AccountRef{Kind: ledger.KindSupplierPayable, Owner: orgOwner(p.OrganizationID), Currency: p.Currency})
	switch {
	case err == nil:
		available = payable.Balance.Available()
	case !apperr.IsKind(err, apperr.KindNotFound):
		return err
	}
	return wallet.CheckPayoutLeavesClawBacks(available, waiting, p.Amount, p.Currency)
}

// pollPayout asks the provider how a sent payout ended, for when its
// webhook never came (lost, or the provider gave up retrying). A paid or
// failed answer is applied exactly as the webhook would be, recorded under
// an event id of its own ("poll:<payout id>"), so the webhook arriving
// later changes nothing; a payout still pending waits for the next round.
func (w *Wallets) pollPayout(ctx context.Context, p wallet.Payout) (wallet.Payout, error) {
	got, err := w.provider.GetPayout(ctx, p.ProviderPayoutID)
	typ := ""
	switch {
	case err == nil && got.Status == PayoutPaid:
		typ = EventPayoutPaid
	case err == nil && got.Status == PayoutFailed:
		typ = EventPayoutFailed
	}
	if typ == "" {
		// Still pending, or the provider did not answer: asked again after
		// the others waiting.
		if _, uerr := w.store.UpdatePayout(ctx, p.ID, func(p *wallet.Payout) ([]outbox.Message, error) {
			p.Attempts++
			p.UpdatedAt = w.clock()
			return nil, nil
		}); uerr != nil {
			return wallet.Payout{}, uerr
		}
		return p, err
	}
	got.Reference = p.ID
	rec := ProviderEventRecord{ID: "poll:" + p.ID, Type: typ, Reference: p.ID, ReceivedAt: w.clock()}
	if _, err := w.applyPayoutEvent(ctx, rec, got); err != nil {
		return wallet.Payout{}, err
	}
	return w.store.Payout(ctx, p.ID)
}

// failPayout voids the payout's reservation (when it has one) and records
// the failure with its event. Without one (the ledger refused to reserve),
// only a payout still waiting for its reservation fails: a concurrent
// attempt may have reserved it since, and goes on with it.
func (w *Wallets) failPayout(ctx context.Context, id, code string, reserved bool) (wallet.Payout, error) {
	p, err := w.store.Payout(ctx, id)
	if err != nil || p.Final() {
		return p, err
	}
	if reserved {
		if err := w.voidReservation(ctx, p); err != nil {
			return wallet.Payout{}, err
		}
	}
	return w.store.UpdatePayout(ctx, id, func(p *wallet.Payout) ([]outbox.Message, error) {
		if !reserved && p.State != wallet.PayoutRequested || !p.Fail(code, w.clock()) {
			return nil, nil
		}
		return []outbox.Message{payoutFailed(*p, code, w.clock())}, nil
	})
}

// voidLateReservation voids a failed payout's late reservation and then
// forgets it, as a payout failed for want of funds holds none.
func (w *Wallets) voidLateReservation(ctx context.Context, p wallet.Payout) (wallet.Payout, error) {
	if err := w.voidReservation(ctx, p); err != nil {
		return wallet.Payout{}, err
	}
	voided := p.PendingTransferID
	return w.store.UpdatePayout(ctx, p.ID, func(p *wallet.Payout) ([]outbox.Message, error) {
		if p.PendingTransferID == voided {
			p.PendingTransferID, p.UpdatedAt = "", w.clock()
		}
		return nil, nil
	})
}

func (w *Wallets) voidReservation(ctx context.Context, p wallet.Payout) error {
	_, err := w.ledger.Execute(ctx, ledger.Command{
		IdempotencyKey: "payout-void:" + p.ID,
		Transfers:      []ledger.TransferSpec{{PendingID: p.PendingTransferID, Phase: ledger.PhaseVoidPending, Code: ledger.CodePayout, Reference: p.ID}},
	})
	return err
}

// returnPayout puts a paid payout's amount back in the payable it left,
// once per payout.
func (w *Wallets) returnPayout(ctx context.Context, p wallet.Payout) error {
	_, err := w.ledger.Execute(ctx, ledger.Command{
		IdempotencyKey: "payout-return:" + p.ID,
		Transfers: []ledger.TransferSpec{{
			Debit:  w.providerAccount(ledger.KindPayout, p.Currency),
			Credit: ledger.AccountRef{Kind: ledger.KindSupplierPayable, Owner: orgOwner(p.OrganizationID), Currency: p.Currency},
			Amount: p.Amount, Currency: p.Currency, Code: ledger.CodePayoutReturn, Reference: p.ID, Phase: ledger.PhasePosted,
		}},
	})
	return err
}

// reservationPosted reports whether the ledger posted the payout's
// reservation: the payout was paid, whatever its record says.
func (w *Wallets) reservationPosted(ctx context.Context, p wallet.Payout) (bool, error) {
	moves, err := w.ledger.TransfersByReference(ctx, p.ID)
	if err != nil {
		return false, err
	}
	for _, t := range moves {
		if t.Phase == ledger.PhasePostPending && t.PendingID == p.PendingTransferID {
			return true, nil
		}
	}
	return false, nil
}

func (w *Wallets) postReservation(ctx context.Context, p wallet.Payout) error {
	_, err := w.ledger.Execute(ctx, ledger.Command{
		IdempotencyKey: "payout-post:" + p.ID,
		Transfers:      []ledger.TransferSpec{{PendingID: p.PendingTransferID, Phase: ledger.PhasePostPending, Code: ledger.CodePayout, Reference: p.ID}},
	})
	return err
}

// applyPayoutEvent posts a paid payout's reservation or voids a failed
// one, and records the outcome with its event. A payout already final
// changes no more.
func (w *Wallets) applyPayoutEvent(ctx context.Context, rec ProviderEventRecord, in Payout) (bool, error) {
	p, err := w.store.Payout(ctx, in.Reference)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return w.store.ApplyProviderEvent(ctx, rec, func(WalletTx) error { return nil })
	}
	if err != nil {
		return false, err
	}
	if err := samePayout(p, in); err != nil {
		return false, err
	}
	var change PayoutChange
	switch {
	case p.State == wallet.PayoutPaid && rec.Type == EventPayoutFailed:
		// Paid, then sent back by the bank: the money comes back.
		if err := w.returnPayout(ctx, p); err != nil {
			return false, err
		}
		code := failureCode(in.FailureCode)
		change = func(p *wallet.Payout) ([]outbox.Message, error) {
			if !p.Return(code, rec.ReceivedAt) {
				return nil, nil
			}
			return []outbox.Message{payoutReturned(*p, code, rec.ReceivedAt)}, nil
		}
	case p.Final() || p.State == wallet.PayoutRequested:
		// Final: a repeated or late event. Requested: the provider cannot
		// know a payout not yet reserved; nothing to post.
	case rec.Type == EventPayoutPaid:
		if err := w.postReservation(ctx, p); err != nil {
			return false, err
		}
		change = func(p *wallet.Payout) ([]outbox.Message, error) {
			if !p.Paid(in.ID, rec.ReceivedAt) {
				return nil, nil
			}
			return []outbox.Message{payoutSent(*p, rec.ReceivedAt)}, nil
		}
	case rec.Type == EventPayoutFailed:
		code := failureCode(in.FailureCode)
		err := w.voidReservation(ctx, p)
		if errors.Is(err, ledger.ErrPendingResolved) {
			if posted, perr := w.reservationPosted(ctx, p); perr != nil || !posted {
				return false, errors.Join(err, perr)
			}
			// Paid (its reservation posted, then a crash before the payout
			// was marked so), and since sent back by the bank: the money
			// comes back, as for a payout marked paid.
			if err := w.returnPayout(ctx, p); err != nil {
				return false, err
			}
			change = func(p *wallet.Payout) ([]outbox.Message, error) {
				var events []outbox.Message
				if p.Paid(in.ID, rec.ReceivedAt) {
					events = append(events, payoutSent(*p, rec.ReceivedAt))
				}
				if p.Return(code, rec.ReceivedAt) {
					events = append(events, payoutReturned(*p, code, rec.ReceivedAt))
				}
				return events, nil
			}
			break
		}
		if err != nil {
			return false, err
		}
		change = func(p *wallet.Payout) ([]outbox.Message, error) {
			if !p.Fail(code, rec.ReceivedAt) {
				return nil, nil
			}
			return []outbox.Message{payoutFailed(*p, code, rec.ReceivedAt)}, nil
		}
	}
	return w.store.ApplyProviderEvent(ctx, rec, func(tx WalletTx) error {
		if change == nil {
			return nil
		}
		_, err := tx.UpdatePayout(ctx, p.ID, change)
		return err
	})
}

// RetryPayouts advances up to limit payouts left requested or reserved
// for longer than age (a crash between steps, a provider that was down),
// asks the provider about payouts sent that long ago without a webhook,
// and voids a failed payout's late reservation left behind.
// It returns how many it tried; one payout's error does not stop the
// others, and the first is returned.
func (w *Wallets) RetryPayouts(ctx context.Context, age time.Duration, limit int) (int, error) {
	stale, err := w.store.UnfinishedPayouts(ctx, w.clock().Add(-age), limit)
	if err != nil {
		return 0, err
	}
	var first error
	done := 0
	for _, p := range stale {
		if _, err := w.advancePayout(ctx, p); err != nil && first == nil && (!apperr.Permanent(err) || errors.Is(err, errProviderKeyTaken) || errors.Is(err, errProviderKeyExpired)) {
			first = err
			continue
		}
		done++
	}
	return done, first
}

// PayoutReturnWatch is how long after it was made a paid payout is
// watched for its return: a bank sends a payout back within days of
// paying it, and the provider then reports it failed.
const PayoutReturnWatch = 14 * 24 * time.Hour

// CheckPayoutReturns asks the provider about up to limit paid payouts made
// within watch, for the return whose webhook never came (finance or the
// gateway down for longer than the provider retries): a payout the
// provider now reports failed is returned, under an event id of its own
// ("return-check:<payout id>"), as the webhook would have done; a payout
// still paid is asked again later, less often as it ages. It returns how
// many came back; one payout's error does not stop the others, and the
// first is returned.
func (w *Wallets) CheckPayoutReturns(ctx context.Context, watch time.Duration, limit int) (int, error) {
	now := w.clock()
	paid, err := w.store.PaidPayoutsToCheck(ctx, now.Add(-watch), now, limit)
	if err != nil {
		return 0, err
	}
	var first error
	returned := 0
	for _, p := range paid {
		back, err := w.checkPayoutReturn(ctx, p, now)
		if err != nil && first == nil {
			first = fmt.Errorf("payout %s: %w", p.ID, err)
		}
		if err != nil && !apperr.Permanent(err) {
			break // the provider down or slow: the others wait for the next round
		}
		if back {
			returned++
		}
	}
	return returned, first
}

func (w *Wallets) checkPayoutReturn(ctx context.Context, p wallet.Payout, now time.Time) (bool, error) {
	got, err := w.provider.GetPayout(ctx, p.ProviderPayoutID)
	if apperr.Permanent(err) {
		// Asked again when its turn comes, not at the head of every round.
		return false, errors.Join(err, w.store.MarkPayoutReturnChecked(ctx, p.ID, now))
	}
	if err != nil {
		return false, err
	}
	if got.Status != PayoutFailed {
		return false, w.store.MarkPayoutReturnChecked(ctx, p.ID, now)
	}
	got.Reference = p.ID
	_, err = w.applyPayoutEvent(ctx, ProviderEventRecord{ID: "return-check:" + p.ID, Type: EventPayoutFailed, Reference: p.ID, ReceivedAt: now}, got)
	return err == nil, err
}

// samePayout refuses a provider's report on our payout p that is not of
// what was sent: another amount or currency, or another provider payout than
// the one it accepted. Posting or voiding p on it would move the supplier's
// money on the strength of something else; as for a top-up, the event is
// answered with the error (the provider sends it again) and is for an
// operator to look at.
func samePayout(p wallet.Payout, in Payout) error {
	switch {
	case in.Amount != p.Amount || in.Currency != p.Currency:
		return apperr.FailedPrecondition(fmt.Sprintf("the provider reports %d %s for payout %s of %d %s",
			in.Amount, in.Currency, p.ID, p.Amount, p.Currency)).WithReason("PAYOUT_MISMATCH")
	case p.ProviderPayoutID != "" && in.ID != p.ProviderPayoutID:
		return apperr.FailedPrecondition(fmt.Sprintf("the provider reports its payout %q for payout %s, which it accepted as %q",
			in.ID, p.ID, p.ProviderPayoutID)).WithReason("PAYOUT_MISMATCH")
	}
	return nil
}

// RunPayoutWorker calls RetryPayouts, then CheckPayoutReturns, at start
// and every interval until ctx ends, reporting errors to report.
func (w *Wallets) RunPayoutWorker(ctx context.Context, interval time.Duration, report func(error)) {
	periodic.Run(ctx, interval, func(ctx context.Context) error {
		_, err := w.RetryPayouts(ctx, interval, 100)
		_, rerr := w.CheckPayoutReturns(ctx, PayoutReturnWatch, 100)
		return errors.Join(err, rerr)
	}, report)
}

// keyTaken reports the provider holding another request under the payout's
// idempotency key (HTTP 409). It may have paid that one out: the payout stays
// reserved, asked again by the worker and reported (errProviderKeyTaken)
// until an operator has looked, rather than failed with its money back in
// the payable.
func keyTaken(err error) bool {
	return apperr.IsKind(err, apperr.KindAlreadyExists)
}

// errProviderKeyTaken marks advancePayout's error for a payout whose key the
// provider holds another request under (keyTaken).
var errProviderKeyTaken = errors.New("the payment provider holds another request under the payout's idempotency key; it stays reserved for an operator")

// payoutKeyLifetime is how long a payout may be asked of the provider again
// under its idempotency key: providers keep a key about a day (Stripe 24
// hours), and one asked after that is a new request to them.
const payoutKeyLifetime = 23 * time.Hour

// errProviderKeyExpired marks advancePayout's error for a payout still
// reserved after an earlier call whose outcome is unknown (the provider did
// not answer), made longer than payoutKeyLifetime ago: it stays reserved,
// reported by the payout worker each round, for an operator to find at the
// provider (by its reference, the payout id) whether it was paid.
var errProviderKeyExpired = errors.New("the payout's earlier call to the payment provider went unanswered longer ago than the provider keeps its idempotency key; it stays reserved for an operator")

// misconfigured reports the provider refusing our credentials: not the
// payout's fault, and fixed by an operator, after which the worker's next
// attempt goes through.
func misconfigured(err error) bool {
	var e *apperr.Error
	return errors.As(err, &e) && e.Reason == "PAYMENT_PROVIDER_CREDENTIALS"
}
