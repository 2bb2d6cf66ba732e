package app

import (
	"context"
	"time"
)

// PaymentProvider is the outside provider money enters and leaves through:
// buyers and merchants pay top-ups with a card, suppliers and merchants are
// paid out to a bank. Its answers about money are final only when its signed
// webhook says so (ProviderEvent); what the calls return is the state at the
// time of the call. Every creating call is idempotent on its key at the
// provider, so a retry after a timeout creates nothing twice.
type PaymentProvider interface {
	// CreateIntent asks the provider to collect an amount from a card.
	CreateIntent(ctx context.Context, in IntentRequest) (Intent, error)
	// GetIntent reads an intent as the provider has it now.
	GetIntent(ctx context.Context, id string) (Intent, error)
	// CancelIntent cancels an intent its payer never confirmed, or one
	// declined, so it can no longer be paid, and returns it canceled. One
	// paid or processing is not canceled: it is returned as the provider
	// has it now. A provider may answer a key it refused before with that
	// refusal for good: a cancel tried again later needs a new key.
	CancelIntent(ctx context.Context, id, idempotencyKey string) (Intent, error)
	// CreatePayout sends an amount to a bank account.
	CreatePayout(ctx context.Context, in PayoutRequest) (Payout, error)
	// GetPayout reads a payout as the provider has it now.
	GetPayout(ctx context.Context, id string) (Payout, error)
	// ParseWebhook verifies a webhook delivery's signature header (secret
	// shared with the provider, at most five minutes of skew, pkg/webhook)
	// and decodes its body. A bad or stale signature is an apperr
	// PermissionDenied/InvalidArgument error and nothing is decoded.
	ParseWebhook(signature string, body []byte, now time.Time) (ProviderEvent, error)
}

// IntentRequest asks for a payment intent. Reference is ours (a top-up id):
// the provider echoes it back in every event about the intent.
type IntentRequest struct {
	IdempotencyKey string
	Amount         int64 // minor units of Currency
	Currency       string
	Reference      string
	Description    string
}

// IntentStatus is where a payment intent stands at the provider.
type IntentStatus string

// The statuses an intent moves through.
const (
	IntentRequiresConfirmation IntentStatus = "requires_confirmation"
	IntentProcessing           IntentStatus = "processing"
	IntentSucceeded            IntentStatus = "succeeded"
	IntentFailed               IntentStatus = "failed"
	IntentCanceled             IntentStatus = "canceled"
)

// Intent is a payment intent. ClientSecret is what the payer's client
// confirms the intent with; ConfirmURL where it does so.
type Intent struct {
	ID           string
	Status       IntentStatus
	Amount       int64
	Currency     string
	Reference    string
	ClientSecret string
	ConfirmURL   string
	// FailureCode says why a failed intent failed (card_declined,
	// insufficient_funds, …).
	FailureCode string
}

// PayoutRequest asks the provider to send money to a bank account.
type PayoutRequest struct {
	IdempotencyKey string
	Amount         int64
	Currency       string
	Reference      string // ours: a payout id
	Destination    string // the bank account as the provider knows it
}

// PayoutStatus is where a payout stands at the provider.
type PayoutStatus string

// The statuses a payout moves through.
const (
	PayoutPending PayoutStatus = "pending"
	PayoutPaid    PayoutStatus = "paid"
	PayoutFailed  PayoutStatus = "failed"
)

// Payout is a payout as the provider has it.
type Payout struct {
	ID          string
	Status      PayoutStatus
	Amount      int64
	Currency    string
	Reference   string
	FailureCode string
}

// ProviderEvent is one verified webhook event. ID is the provider's event
// id, unique per event: deliveries of the same event share it, which is
// what deduplication keys on. Exactly one of Intent and Payout is set.
type ProviderEvent struct {
	ID      string
	Type    string // payment_intent.succeeded, payment_intent.payment_failed, payment_intent.canceled, payout.paid, payout.failed
	Created time.Time
	Intent  *Intent
	Payout  *Payout
}
