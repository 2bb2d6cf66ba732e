package app

import (
	"context"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

// ErrTopUpKeyReused refuses an idempotency key already used for another
// top-up request.
var ErrTopUpKeyReused = apperr.AlreadyExists("this idempotency key was used for a different top-up").WithReason(idempotency.ReasonKeyReused)

// CreateTopUp starts a card payment into the caller's wallet: a pending
// top-up and the provider's payment intent for it. Buyers only. The same
// idempotency key with the same request answers with the same top-up and
// intent; with another request it is AlreadyExists.
func (w *Wallets) CreateTopUp(ctx context.Context, c auth.Caller, in wallet.TopUpInput) (wallet.TopUp, error) {
	if !isBuyer(c) {
		return wallet.TopUp{}, ErrNotBuyer
	}
	return w.createTopUp(ctx, c, wallet.PurposeWallet, c.Subject, in)
}

// CreateDepositTopUp starts a card payment into a merchant organization's
// prepaid deposit. Members of the merchant only; idempotent like
// CreateTopUp.
func (w *Wallets) CreateDepositTopUp(ctx context.Context, c auth.Caller, org string, in wallet.TopUpInput) (wallet.TopUp, error) {
	org, err := parseOrg(org)
	if err != nil {
		return wallet.TopUp{}, err
	}
	if !memberOf(c, auth.RoleMerchant, org) {
		return wallet.TopUp{}, ErrNotMerchantMember
	}
	return w.createTopUp(ctx, c, wallet.PurposeDeposit, org, in)
}

func (w *Wallets) createTopUp(ctx context.Context, c auth.Caller, purpose wallet.Purpose, owner string, in wallet.TopUpInput) (wallet.TopUp, error) {
	t, err := wallet.NewTopUp(w.newID(), purpose, owner, c.Subject, in, w.clock())
	if err != nil {
		return wallet.TopUp{}, err
	}
	stored, inserted, err := w.store.InsertTopUp(ctx, t)
	if err != nil {
		return wallet.TopUp{}, err
	}
	if !inserted && !stored.SameRequest(t) {
		return wallet.TopUp{}, ErrTopUpKeyReused.WithMetadata("idempotency_key", in.IdempotencyKey)
	}
	if stored.IntentID != "" {
		return stored, nil
	}
	// A retry after a failed or lost provider call asks again with the
	// same key, so the provider creates one intent whatever happened.
	intent, err := w.provider.CreateIntent(ctx, IntentRequest{
		IdempotencyKey: "top-up:" + stored.ID, Amount: stored.Amount, Currency: stored.Currency,
		Reference: stored.ID, Description: "Crossdock " + string(stored.Purpose) + " top-up",
	})
	if err != nil {
		return wallet.TopUp{}, err
	}
	return w.store.UpdateTopUp(ctx, stored.ID, func(t *wallet.TopUp) ([]outbox.Message, error) {
		if t.IntentID == "" {
			// The payer can confirm from now on: the abandonment age
			// counts from here (CheckTopUps).
			t.IntentID, t.ClientSecret, t.ConfirmURL, t.UpdatedAt = intent.ID, intent.ClientSecret, intent.ConfirmURL, w.clock()
		}
		return nil, nil
	})
}

// GetTopUp returns a top-up to its creator, to the merchant's members for a
// deposit top-up, and to admins; anyone else gets NotFound.
func (w *Wallets) GetTopUp(ctx context.Context, c auth.Caller, id string) (wallet.TopUp, error) {
	if _, err := apperr.ParseID("top_up_id", id); err != nil {
		return wallet.TopUp{}, err
	}
	t, err := w.store.TopUp(ctx, id)
	if err != nil {
		return wallet.TopUp{}, err
	}
	mine := c.Kind == auth.KindUser && c.Subject == t.CreatedBy
	merchant := t.Purpose == wallet.PurposeDeposit && memberOf(c, auth.RoleMerchant, t.OwnerID)
	if !mine && !merchant && !c.IsAdmin() {
		return wallet.TopUp{}, apperr.NotFound("top-up", id)
	}
	return t, nil
}
