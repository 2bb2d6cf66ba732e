package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

// TopUpChange changes a locked top-up and returns the events the change
// causes; an error leaves it as it was.
type TopUpChange func(*wallet.TopUp) ([]outbox.Message, error)

// PayoutChange changes a locked payout and returns the events it causes.
type PayoutChange func(*wallet.Payout) ([]outbox.Message, error)

// ProviderEventRecord is a provider webhook event as finance remembers it,
// so a second delivery of the event changes nothing.
type ProviderEventRecord struct {
	ID         string
	Type       string
	Reference  string
	ReceivedAt time.Time
}

// WalletStore is where top-ups, payouts and applied provider events are
// kept. The money itself is in the Ledger.
type WalletStore interface {
	// InsertTopUp records t unless its creator already used its
	// idempotency key; it returns the stored top-up and whether it is new.
	InsertTopUp(ctx context.Context, t wallet.TopUp) (wallet.TopUp, bool, error)
	// TopUp returns a top-up by id, or NotFound.
	TopUp(ctx context.Context, id string) (wallet.TopUp, error)
	// UncheckedTopUps returns up to limit top-ups with a provider intent,
	// made before before, due (at now) to be asked about again, least
	// recently asked first: the pending ones, and the failed ones whose
	// intent is not closed (a payer may pay a declined intent again).
	UncheckedTopUps(ctx context.Context, before, now time.Time, limit int) ([]wallet.TopUp, error)
	// MarkTopUpChecked records that the provider was asked about a top-up.
	MarkTopUpChecked(ctx context.Context, id string, at time.Time) error
	// CloseTopUpIntent records that a failed top-up's intent is canceled
	// at the provider: UncheckedTopUps passes over it from then on.
	CloseTopUpIntent(ctx context.Context, id string, at time.Time) error
	// UpdateTopUp locks a top-up, applies change and saves it with its
	// events in one transaction.
	UpdateTopUp(ctx context.Context, id string, change TopUpChange) (wallet.TopUp, error)

	// InsertPayout records p unless its organization already used its
	// idempotency key; it returns the stored payout and whether it is new.
	InsertPayout(ctx context.Context, p wallet.Payout) (wallet.Payout, bool, error)
	// Payout returns a payout by id, or NotFound.
	Payout(ctx context.Context, id string) (wallet.Payout, error)
	// UpdatePayout locks a payout, applies change and saves it with its
	// events in one transaction.
	UpdatePayout(ctx context.Context, id string, change PayoutChange) (wallet.Payout, error)
	// PayoutsOf returns up to limit of an organization's payouts, newest
	// first, after the cursor (none when nil).
	PayoutsOf(ctx context.Context, org string, after *PayoutCursor, limit int) ([]wallet.Payout, error)
	// WaitingClawBacks sums the claw-backs of after-sale refunds waiting
	// for an organization's payable in one currency.
	WaitingClawBacks(ctx context.Context, org, currency string) (int64, error)
	// UnfinishedPayouts returns up to limit payouts still requested,
	// reserved or sent whose last change is older than before, oldest first.
	UnfinishedPayouts(ctx context.Context, before time.Time, limit int) ([]wallet.Payout, error)
	// PaidPayoutsToCheck returns up to limit payouts paid and created since
	// since, each due to be asked about again (never asked, or last asked a
	// tenth of its age before now), least recently asked first.
	PaidPayoutsToCheck(ctx context.Context, since, now time.Time, limit int) ([]wallet.Payout, error)
	// MarkPayoutReturnChecked records that the provider was asked whether
	// a paid payout came back.
	MarkPayoutReturnChecked(ctx context.Context, id string, at time.Time) error

	// ProviderEventSeen reports whether a provider event was applied.
	ProviderEventSeen(ctx context.Context, id string) (bool, error)
	// DeleteProviderEventsBefore deletes up to limit provider events received
	// before t, oldest first, and returns how many it deleted.
	DeleteProviderEventsBefore(ctx context.Context, t time.Time, limit int) (int, error)
	// ApplyProviderEvent records ev and runs apply in the same
	// transaction. When ev was recorded before (by a concurrent delivery
	// too), apply does not run and it returns false.
	ApplyProviderEvent(ctx context.Context, ev ProviderEventRecord, apply func(WalletTx) error) (bool, error)
}

// WalletTx is the part of the WalletStore that runs inside a transaction
// someone else owns (ApplyProviderEvent's).
type WalletTx interface {
	UpdateTopUp(ctx context.Context, id string, change TopUpChange) (wallet.TopUp, error)
	UpdatePayout(ctx context.Context, id string, change PayoutChange) (wallet.Payout, error)
}

// PayoutCursor is where a page of payouts ends: the last payout served.
// Its JSON is the page token (pkg/paging).
type PayoutCursor struct {
	T time.Time `json:"t"`
	I string    `json:"i"`
}

// Valid reports whether a decoded cursor names a payout.
func (c PayoutCursor) Valid() bool {
	_, err := uuid.Parse(c.I)
	return !c.T.IsZero() && err == nil
}
