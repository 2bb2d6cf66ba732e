package payprovider_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/webhook"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/payprovider"
	"github.com/crossdock/crossdock/services/finance/internal/app"
)

func asAppErr(err error, e **apperr.Error) bool { return errors.As(err, e) }

func TestParseWebhookRefuses(t *testing.T) {
	c, _, got := sandbox(t, nil)
	ctx := context.Background()
	in, err := c.CreateIntent(ctx, app.IntentRequest{IdempotencyKey: "k", Amount: 100, Currency: "EUR", Reference: "topup-9"})
	if err != nil {
		t.Fatal(err)
	}
	payerConfirms(t, in, "tok_visa")
	d := next(t, got)
	sent, err := webhook.Verify(d.signature, d.body, time.Now(), webhook.DefaultTolerance, []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	otherSecret := payprovider.New(payprovider.Config{URL: "http://127.0.0.1:1", WebhookSecret: "whsec_other"})
	noSecret := payprovider.New(payprovider.Config{URL: "http://127.0.0.1:1"})
	tampered := append([]byte{}, d.body...)
	tampered[len(tampered)-2] = ' '
	signedJunk := []byte(`{"id":"evt_1","type":"charge.refunded","data":{"object":{}}}`)
	notJSON := []byte(`not json`)

	tests := []struct {
		name      string
		client    *payprovider.Client
		signature string
		body      []byte
		now       time.Time
		kind      apperr.Kind
		reason    string
	}{
		{"good", c, d.signature, d.body, sent.Add(time.Minute), apperr.KindUnknown, ""},
		{"body changed", c, d.signature, tampered, sent, apperr.KindPermissionDenied, "WEBHOOK_SIGNATURE_INVALID"},
		{"other secret", otherSecret, d.signature, d.body, sent, apperr.KindPermissionDenied, "WEBHOOK_SIGNATURE_INVALID"},
		{"no signature", c, "", d.body, sent, apperr.KindPermissionDenied, "WEBHOOK_SIGNATURE_INVALID"},
		{"replayed after five minutes", c, d.signature, d.body, sent.Add(5*time.Minute + time.Second), apperr.KindPermissionDenied, "WEBHOOK_STALE"},
		{"from the future", c, d.signature, d.body, sent.Add(-5*time.Minute - time.Second), apperr.KindPermissionDenied, "WEBHOOK_STALE"},
		{"no secret configured", noSecret, d.signature, d.body, sent, apperr.KindFailedPrecondition, "PAYMENT_PROVIDER_CREDENTIALS"},
		{"signed, not JSON", c, webhook.Sign([]byte(secret), sent, notJSON), notJSON, sent, apperr.KindInvalid, ""},
	}
	// An event about something else is acknowledged, carrying neither an
	// intent nor a payout, not refused (the provider would send it again
	// for ever).
	if ev, err := c.ParseWebhook(webhook.Sign([]byte(secret), sent, signedJunk), signedJunk, sent); err != nil || ev.ID != "evt_1" || ev.Intent != nil || ev.Payout != nil {
		t.Errorf("a charge.refunded event = %+v, %v; want it parsed, about neither", ev, err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := tt.client.ParseWebhook(tt.signature, tt.body, tt.now)
			if tt.kind == apperr.KindUnknown {
				if err != nil || ev.Intent == nil || ev.Intent.ID != in.ID || ev.ID == "" {
					t.Fatalf("ParseWebhook = %+v, %v", ev, err)
				}
				return
			}
			if !apperr.IsKind(err, tt.kind) {
				t.Fatalf("got %v (kind %s), want %s", err, apperr.KindOf(err), tt.kind)
			}
			var e *apperr.Error
			if tt.reason != "" && (!asAppErr(err, &e) || e.Reason != tt.reason) {
				t.Fatalf("reason of %v, want %s", err, tt.reason)
			}
			if ev.ID != "" || ev.Intent != nil {
				t.Fatalf("decoded %+v from a refused delivery", ev)
			}
		})
	}
}

func TestWebhookEventIDSurvivesDuplicates(t *testing.T) {
	c, _, got := sandbox(t, nil)
	in, err := c.CreateIntent(context.Background(), app.IntentRequest{IdempotencyKey: "k", Amount: 100, Currency: "EUR", Reference: "topup-2"})
	if err != nil {
		t.Fatal(err)
	}
	payerConfirmsWith(t, in, "tok_visa", "twice")
	var ids []string
	for range 2 {
		d := next(t, got)
		ev, err := c.ParseWebhook(d.signature, d.body, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	if ids[0] != ids[1] {
		t.Fatalf("a duplicate delivery parsed to another event id: %v", ids)
	}
}

// A stale event delivered after the final one parses as what it is: an
// earlier status, created no later than the final event, under its own id,
// so a receiver can tell it from the final one and ignore it.
func TestWebhookStaleEventAfterTheFinalOne(t *testing.T) {
	c, _, got := sandbox(t, nil)
	in, err := c.CreateIntent(context.Background(), app.IntentRequest{IdempotencyKey: "k", Amount: 100, Currency: "EUR", Reference: "topup-3"})
	if err != nil {
		t.Fatal(err)
	}
	payerConfirmsWith(t, in, "tok_visa", "out_of_order")
	var evs []app.ProviderEvent
	for range 2 {
		d := next(t, got)
		ev, err := c.ParseWebhook(d.signature, d.body, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	final, stale := evs[0], evs[1]
	if final.Intent.Status != app.IntentSucceeded || stale.Intent.Status != app.IntentProcessing ||
		stale.ID == final.ID || stale.Created.After(final.Created) || stale.Intent.ID != in.ID {
		t.Fatalf("final %+v %+v, stale %+v %+v", final, final.Intent, stale, stale.Intent)
	}
}
