package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/periodic"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

// FailedTopUpWatch is how long after it was made a failed top-up's payer
// may still pay its declined intent (another card): the top-up is asked
// about meanwhile, as that payment's webhook may be lost as any other;
// then its intent is canceled, so it can no longer be paid unseen.
const FailedTopUpWatch = 24 * time.Hour

// DefaultTopUpAbandonAfter is how long a top-up waits for its payer to
// confirm before it is taken as abandoned.
const DefaultTopUpAbandonAfter = 24 * time.Hour

// MinTopUpAbandonAfter is the least a payer is given to confirm.
const MinTopUpAbandonAfter = time.Hour

// WithTopUpAbandonAfter sets how long a top-up waits for its payer to
// confirm before CheckTopUps cancels its intent (DefaultTopUpAbandonAfter;
// raised to MinTopUpAbandonAfter).
func WithTopUpAbandonAfter(d time.Duration) WalletsOption {
	return func(w *Wallets) { w.abandonAfter = max(d, MinTopUpAbandonAfter) }
}

// CheckTopUps asks the provider about up to limit top-ups pending for
// longer than age, or failed with their intent still open, and applies
// what it answers as its webhook would have: a payment whose webhooks all
// failed (finance or the gateway down for longer than the provider
// retries) is credited all the same, a failed one marked failed. One still
// awaiting the payer is asked again later, less often as it ages, until it
// is older than the abandonment age (WithTopUpAbandonAfter): then its
// intent is canceled at the provider, so it can no longer be paid, and the
// top-up fails with the code "canceled" (one the payer confirmed meanwhile
// is applied as it stands). A failed one is asked again while
// FailedTopUpWatch lasts, then its declined intent is canceled the same
// way (one paid meanwhile is credited) and, once the provider reports it
// canceled, it is closed: asked about no more. It returns how many it
// settled (credited or failed); one top-up's error does not stop the
// others, and the first is returned.
func (w *Wallets) CheckTopUps(ctx context.Context, age time.Duration, limit int) (int, error) {
	now := w.clock()
	list, err := w.store.UncheckedTopUps(ctx, now.Add(-age), now, limit)
	if err != nil {
		return 0, err
	}
	var first error
	settled := 0
	for _, t := range list {
		done, err := w.checkTopUp(ctx, t, now)
		if err != nil {
			if first == nil {
				first = fmt.Errorf("top-up %s: %w", t.ID, err)
			}
			continue
		}
		if done {
			settled++
		}
	}
	return settled, first
}

// checkTopUp reads a top-up's intent from the provider and applies a final
// answer under an event id of its own ("check:<intent>:<status>"), so a
// webhook arriving later, or a second check, moves no money again.
func (w *Wallets) checkTopUp(ctx context.Context, t wallet.TopUp, now time.Time) (bool, error) {
	in, err := w.provider.GetIntent(ctx, t.IntentID)
	// A pending top-up's UpdatedAt is when its intent was attached: from
	// then on the payer could confirm.
	abandoned := in.Status == IntentRequiresConfirmation && t.State == wallet.TopUpPending && now.Sub(t.UpdatedAt) >= w.abandonAfter
	watched := t.State == wallet.TopUpFailed && now.Sub(t.CreatedAt) >= FailedTopUpWatch
	if err == nil && (abandoned || watched && in.Status == IntentFailed) {
		// A key of the round's own: a provider may keep a refused cancel's
		// answer under its key, and a cancel refused (the payer's card
		// processing) is tried again in a later round.
		in, err = w.provider.CancelIntent(ctx, t.IntentID, fmt.Sprintf("cancel:%s:%d", t.IntentID, now.UnixMilli()))
	}
	if err != nil {
		return false, w.askedAfterRefusal(ctx, t, now, err)
	}
	typ := finalIntentEvent(in.Status)
	if typ == "" || (typ != EventIntentSucceeded && t.State != wallet.TopUpPending) {
		// Still awaiting the payer, or failed as the top-up already is:
		// with its intent canceled, nothing can pay it any more.
		if t.State == wallet.TopUpFailed && in.Status == IntentCanceled {
			return false, w.store.CloseTopUpIntent(ctx, t.ID, now)
		}
		return false, w.store.MarkTopUpChecked(ctx, t.ID, now)
	}
	in.Reference = t.ID
	_, err = w.applyIntentEvent(ctx, ProviderEventRecord{ID: "check:" + in.ID + ":" + string(in.Status), Type: typ, Reference: t.ID, ReceivedAt: now}, in)
	if err != nil {
		return false, w.askedAfterRefusal(ctx, t, now, err)
	}
	return true, nil
}

// finalIntentEvent is the event type of an intent's final status (paid,
// failed, canceled), as its webhook would name it; "" for a status that is
// not final.
func finalIntentEvent(status IntentStatus) string {
	switch status {
	case IntentSucceeded:
		return EventIntentSucceeded
	case IntentFailed:
		return EventIntentFailed
	case IntentCanceled:
		return EventIntentCanceled
	}
	return ""
}

// askedAfterRefusal returns err, a top-up's check failing, having marked
// the top-up asked when err is a refusal (the provider no longer knows the
// intent, its answer does not match the top-up): it is asked again later,
// as a pending one is, rather than first in every round while the top-ups
// behind it wait. A passing failure (the provider down) marks nothing.
func (w *Wallets) askedAfterRefusal(ctx context.Context, t wallet.TopUp, now time.Time, err error) error {
	if !apperr.Permanent(err) {
		return err
	}
	if merr := w.store.MarkTopUpChecked(ctx, t.ID, now); merr != nil {
		return errors.Join(err, merr)
	}
	return err
}

// RunTopUpChecks calls CheckTopUps at start and every interval until ctx
// ends, for the top-ups pending at least an interval, reporting errors to
// report.
func (w *Wallets) RunTopUpChecks(ctx context.Context, interval time.Duration, report func(error)) {
	periodic.Run(ctx, interval, func(ctx context.Context) error {
		_, err := w.CheckTopUps(ctx, interval, 100)
		return err
	}, report)
}
