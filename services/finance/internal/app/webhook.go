package app

import (
	"context"
	"fmt"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

// The provider's event types finance acts on; any other is recorded and
// changes nothing (a "processing" after success, say).
const (
	EventIntentSucceeded = "payment_intent.succeeded"
	EventIntentFailed    = "payment_intent.payment_failed"
	EventIntentCanceled  = "payment_intent.canceled"
	EventPayoutPaid      = "payout.paid"
	EventPayoutFailed    = "payout.failed"
)

// HandleProviderWebhook applies one webhook delivery. The provider's
// adapter verifies the signature and its age first: a bad or replayed
// delivery is refused and nothing is recorded. It returns false for an
// event applied before; it returns only once the effect is committed, so
// the provider delivers again whatever failed.
//
// Exactly once: the ledger command of an event is idempotent on the
// object it settles (the top-up or the payout), not on the delivery, so
// concurrent deliveries, or a redelivery after a crash between the ledger
// commit and the record of the event, move the money once; the event's
// record (provider_events) commits with the state change of the top-up or
// payout, and a delivery that finds it does nothing at all.
func (w *Wallets) HandleProviderWebhook(ctx context.Context, signature string, payload []byte) (bool, error) {
	ev, err := w.provider.ParseWebhook(signature, payload, w.now())
	if err != nil {
		return false, err
	}
	if ev.ID == "" {
		return false, apperr.InvalidField("payload", "the event has no id")
	}
	seen, err := w.store.ProviderEventSeen(ctx, ev.ID)
	if err != nil || seen {
		return false, err
	}
	rec := ProviderEventRecord{ID: ev.ID, Type: ev.Type, ReceivedAt: w.clock()}
	switch {
	case ev.Intent != nil:
		rec.Reference = ev.Intent.Reference
		return w.applyIntentEvent(ctx, rec, *ev.Intent)
	case ev.Payout != nil:
		rec.Reference = ev.Payout.Reference
		return w.applyPayoutEvent(ctx, rec, *ev.Payout)
	default:
		return w.store.ApplyProviderEvent(ctx, rec, func(WalletTx) error { return nil })
	}
}

// applyIntentEvent credits a succeeded top-up or marks a failed one; a
// canceled intent fails its top-up with the code "canceled".
func (w *Wallets) applyIntentEvent(ctx context.Context, rec ProviderEventRecord, in Intent) (bool, error) {
	t, err := w.store.TopUp(ctx, in.Reference)
	if apperr.IsKind(err, apperr.KindNotFound) {
		// Not ours (another system on the same provider account, or a test
		// intent): remembered, and nothing else.
		return w.store.ApplyProviderEvent(ctx, rec, func(WalletTx) error { return nil })
	}
	if err != nil {
		return false, err
	}
	switch rec.Type {
	case EventIntentSucceeded:
		if in.Amount != t.Amount || in.Currency != t.Currency {
			return false, apperr.FailedPrecondition(fmt.Sprintf("the provider reports %d %s for top-up %s of %d %s",
				in.Amount, in.Currency, t.ID, t.Amount, t.Currency)).WithReason("TOP_UP_AMOUNT_MISMATCH")
		}
		if t.State != wallet.TopUpSucceeded {
			if err := w.creditTopUp(ctx, t, in.ID); err != nil {
				return false, err
			}
		}
		return w.store.ApplyProviderEvent(ctx, rec, func(tx WalletTx) error {
			_, err := tx.UpdateTopUp(ctx, t.ID, func(t *wallet.TopUp) ([]outbox.Message, error) {
				t.Succeed(rec.ReceivedAt)
				return nil, nil
			})
			return err
		})
	case EventIntentFailed, EventIntentCanceled:
		code := failureCode(in.FailureCode)
		if rec.Type == EventIntentCanceled {
			code = FailureCanceled
		}
		return w.store.ApplyProviderEvent(ctx, rec, func(tx WalletTx) error {
			_, err := tx.UpdateTopUp(ctx, t.ID, func(t *wallet.TopUp) ([]outbox.Message, error) {
				if !t.Fail(code, rec.ReceivedAt) {
					return nil, nil
				}
				return []outbox.Message{topUpFailed(*t, rec.ReceivedAt)}, nil
			})
			return err
		})
	default:
		return w.store.ApplyProviderEvent(ctx, rec, func(WalletTx) error { return nil })
	}
}

// creditTopUp moves a top-up's amount from the provider's account into the
// wallet or deposit, once per top-up whatever the number of deliveries.
func (w *Wallets) creditTopUp(ctx context.Context, t wallet.TopUp, intentID string) error {
	credit := ledger.AccountRef{Kind: ledger.KindBuyerWallet, Owner: userOwner(t.OwnerID), Currency: t.Currency}
	if t.Purpose == wallet.PurposeDeposit {
		credit = ledger.AccountRef{Kind: ledger.KindMerchantDeposit, Owner: orgOwner(t.OwnerID), Currency: t.Currency}
	}
	_, err := w.ledger.Execute(ctx, ledger.Command{
		IdempotencyKey: "top-up:" + t.ID,
		Transfers: []ledger.TransferSpec{{
			Debit: w.providerAccount(ledger.KindPaymentProvider, t.Currency), Credit: credit,
			Amount: t.Amount, Currency: t.Currency, Code: ledger.CodeTopUp, Reference: t.ID, Phase: ledger.PhasePosted,
		}},
	}, toppedUp(t, intentID, w.clock()))
	return err
}

// FailureCanceled is the failure code of a top-up whose intent was
// canceled: abandoned by its payer (CheckTopUps cancels it), or canceled at
// the provider.
const FailureCanceled = "canceled"

func failureCode(code string) string {
	if code == "" {
		return "unknown"
	}
	return code
}
