package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/webhook"
	"github.com/crossdock/crossdock/services/finance/internal/app"
)

// provider is an in-memory payment provider: the outside party top-ups and
// payouts go through. It keeps intents and payouts by idempotency key as a
// real provider does, signs its webhooks with pkg/webhook and verifies them
// in ParseWebhook, and can be told to be unavailable or to refuse payouts.
type provider struct {
	secret []byte

	mu          sync.Mutex
	intents     map[string]app.Intent // by idempotency key
	payouts     map[string]app.Payout // by idempotency key
	intentCalls int
	payoutCalls int
	// unavailable makes the next n CreatePayout calls fail as a provider
	// that is down does; intentsUnavailable the same for CreateIntent.
	unavailable        int
	intentsUnavailable int
	// cancels counts CancelIntent calls, intentReads GetIntent calls;
	// confirmedFirst are the intents whose payer confirms just before the
	// cancel reaches the provider, by the status the confirm gives;
	// refusedCancels are the idempotency keys of the cancels refused.
	cancels        int
	intentReads    int
	confirmedFirst map[string]app.IntentStatus
	refusedCancels map[string]bool
	// refusePayouts makes CreatePayout refuse as for a bad destination.
	refusePayouts bool
	// badCredentials makes CreatePayout refuse our API key.
	badCredentials bool
	// keyTaken makes CreatePayout answer that another request holds the
	// idempotency key (the adapter's reading of HTTP 409).
	keyTaken bool
	// readsDown makes GetPayout fail as a provider that is down does;
	// payoutReads counts the GetPayout calls.
	readsDown   bool
	payoutReads int
	seq         int
}

func newProvider() *provider {
	return &provider{secret: []byte("whsec_test"), intents: map[string]app.Intent{}, payouts: map[string]app.Payout{}}
}

var _ app.PaymentProvider = (*provider)(nil)

func (p *provider) CreateIntent(_ context.Context, in app.IntentRequest) (app.Intent, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.intentCalls++
	if p.intentsUnavailable > 0 {
		p.intentsUnavailable--
		return app.Intent{}, apperr.Unavailable("provider is down")
	}
	if it, ok := p.intents[in.IdempotencyKey]; ok {
		return it, nil
	}
	p.seq++
	id := fmt.Sprintf("pi_%d", p.seq)
	it := app.Intent{ID: id, Status: app.IntentRequiresConfirmation, Amount: in.Amount, Currency: in.Currency,
		Reference: in.Reference, ClientSecret: id + "_secret", ConfirmURL: "https://sandbox.test/confirm/" + id}
	p.intents[in.IdempotencyKey] = it
	return it, nil
}

func (p *provider) GetIntent(_ context.Context, id string) (app.Intent, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.intentReads++
	for _, it := range p.intents {
		if it.ID == id {
			return it, nil
		}
	}
	return app.Intent{}, apperr.NotFound("intent", id)
}

// CancelIntent cancels an intent awaiting its payer, or declined; one paid
// or processing is returned as it is, as the provider answers its refusal
// and the adapter reads the intent. As a real provider does, it answers a
// key it refused before with that refusal again, whatever the intent's
// status now.
func (p *provider) CancelIntent(_ context.Context, id, idempotencyKey string) (app.Intent, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cancels++
	for k, it := range p.intents {
		if it.ID != id {
			continue
		}
		if st, ok := p.confirmedFirst[id]; ok {
			it.Status = st
			p.intents[k] = it
			delete(p.confirmedFirst, id)
		}
		if p.refusedCancels[idempotencyKey] {
			return it, nil
		}
		switch it.Status {
		case app.IntentRequiresConfirmation, app.IntentFailed:
			it.Status = app.IntentCanceled
			p.intents[k] = it
		case app.IntentProcessing, app.IntentSucceeded:
			if p.refusedCancels == nil {
				p.refusedCancels = map[string]bool{}
			}
			p.refusedCancels[idempotencyKey] = true
		}
		return it, nil
	}
	return app.Intent{}, apperr.NotFound("intent", id)
}

// settleIntent moves an intent to a final status, as the payer's card
// payment does at the provider, without sending its webhook.
func (p *provider) settleIntent(id string, st app.IntentStatus) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, it := range p.intents {
		if it.ID == id {
			it.Status = st
			p.intents[k] = it
		}
	}
}

// pay moves an intent to status as its payer's card does, and returns the
// status it has then: a canceled intent can no longer be paid, and a paid
// one stays paid.
func (p *provider) pay(id string, status app.IntentStatus) app.IntentStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, it := range p.intents {
		if it.ID != id {
			continue
		}
		if it.Status != app.IntentCanceled && it.Status != app.IntentSucceeded {
			it.Status = status
			p.intents[k] = it
		}
		return it.Status
	}
	panic("no intent " + id)
}

// settlePayout makes the provider report the payout of our payout id with
// status, without a webhook.
func (p *provider) settlePayout(payoutID string, st app.PayoutStatus) {
	p.mu.Lock()
	defer p.mu.Unlock()
	po := p.payouts["payout:"+payoutID]
	po.Status = st
	p.payouts["payout:"+payoutID] = po
}

func (p *provider) CreatePayout(_ context.Context, in app.PayoutRequest) (app.Payout, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.payoutCalls++
	if p.unavailable > 0 {
		p.unavailable--
		return app.Payout{}, apperr.Unavailable("provider is down")
	}
	if p.badCredentials {
		return app.Payout{}, apperr.FailedPrecondition("the provider refuses the API key").WithReason("PAYMENT_PROVIDER_CREDENTIALS")
	}
	if p.refusePayouts {
		return app.Payout{}, apperr.InvalidField("destination", "is not a bank account")
	}
	if p.keyTaken {
		return app.Payout{}, apperr.AlreadyExists("idempotency key " + in.IdempotencyKey + " was used with a different request").WithReason("IDEMPOTENCY_KEY_REUSED")
	}
	if po, ok := p.payouts[in.IdempotencyKey]; ok {
		return po, nil
	}
	p.seq++
	po := app.Payout{ID: fmt.Sprintf("po_%d", p.seq), Status: app.PayoutPending, Amount: in.Amount, Currency: in.Currency, Reference: in.Reference}
	p.payouts[in.IdempotencyKey] = po
	return po, nil
}

func (p *provider) GetPayout(_ context.Context, id string) (app.Payout, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.payoutReads++
	if p.readsDown {
		return app.Payout{}, apperr.Unavailable("the payment provider is down")
	}
	for _, po := range p.payouts {
		if po.ID == id {
			return po, nil
		}
	}
	return app.Payout{}, apperr.NotFound("payout", id)
}

// wireEvent is the double's webhook body.
type wireEvent struct {
	ID      string      `json:"id"`
	Type    string      `json:"type"`
	Created time.Time   `json:"created"`
	Intent  *app.Intent `json:"intent,omitempty"`
	Payout  *app.Payout `json:"payout,omitempty"`
}

func (p *provider) ParseWebhook(signature string, body []byte, now time.Time) (app.ProviderEvent, error) {
	if _, err := webhook.Verify(signature, body, now, webhook.DefaultTolerance, p.secret); err != nil {
		// As the provider's adapter answers: the signature is the sender's
		// only credential, so a stale one is refused like a bad one.
		if errors.Is(err, webhook.ErrTimestamp) {
			return app.ProviderEvent{}, apperr.PermissionDenied("webhook signed too long ago").WithReason("WEBHOOK_STALE").Wrap(err)
		}
		return app.ProviderEvent{}, apperr.PermissionDenied("bad webhook signature").WithReason("WEBHOOK_SIGNATURE_INVALID").Wrap(err)
	}
	var ev wireEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return app.ProviderEvent{}, apperr.InvalidField("payload", "is not an event")
	}
	return app.ProviderEvent{ID: ev.ID, Type: ev.Type, Created: ev.Created, Intent: ev.Intent, Payout: ev.Payout}, nil
}

// delivery is a signed webhook delivery.
type delivery struct {
	signature string
	body      []byte
}

// sign returns the delivery of ev signed at t.
func (p *provider) sign(ev wireEvent, t time.Time) delivery {
	body, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return delivery{signature: webhook.Sign(p.secret, t, body), body: body}
}

// intentEvent is the event of a top-up's intent reaching status.
func (p *provider) intentEvent(eventID, typ string, t app.Intent, status app.IntentStatus, failure string) wireEvent {
	t.Status, t.FailureCode = status, failure
	return wireEvent{ID: eventID, Type: typ, Created: t0, Intent: &t}
}

// payoutEvent is the event of a payout reaching status.
func (p *provider) payoutEvent(eventID, typ, payoutRef string, status app.PayoutStatus) wireEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, po := range p.payouts {
		if po.Reference == payoutRef {
			po.Status = status
			if status == app.PayoutFailed {
				po.FailureCode = "account_closed"
			}
			return wireEvent{ID: eventID, Type: typ, Created: t0, Payout: &po}
		}
	}
	panic("no payout " + payoutRef)
}
