package payprovider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/payprovider"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/simulators/paymentsandbox"
)

const (
	apiKey = "sk_test_finance"
	secret = "whsec_finance"
)

// delivery is one webhook the sandbox sent.
type delivery struct {
	signature string
	body      []byte
}

// sandbox runs the payment sandbox in-process with faults cfg sets, its
// webhooks collected on the returned channel, and returns a client for it.
func sandbox(t *testing.T, tune func(*paymentsandbox.Config)) (*payprovider.Client, string, chan delivery) {
	t.Helper()
	got := make(chan delivery, 20)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- delivery{r.Header.Get(payprovider.SignatureHeader), body}
	}))
	t.Cleanup(hook.Close)
	cfg := paymentsandbox.Config{
		APIKey: apiKey, WebhookURL: hook.URL, WebhookSecret: []byte(secret),
		PayoutDelay: time.Millisecond, ProcessingDelay: time.Millisecond, RetryInitial: time.Millisecond,
	}
	if tune != nil {
		tune(&cfg)
	}
	s, err := paymentsandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		api.Close()
		s.Close()
	})
	return payprovider.New(payprovider.Config{URL: api.URL, APIKey: apiKey, WebhookSecret: secret, Timeout: 5 * time.Second}), api.URL, got
}

func next(t *testing.T, got chan delivery) delivery {
	t.Helper()
	select {
	case d := <-got:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook within 10s")
		return delivery{}
	}
}

// payerConfirms confirms an intent as the payer's client does: at its
// confirm URL with its client secret, without the API key.
func payerConfirms(t *testing.T, in app.Intent, card string) {
	t.Helper()
	payerConfirmsWith(t, in, card, "")
}

// payerConfirmsWith confirms asking the sandbox for a webhook fault.
func payerConfirmsWith(t *testing.T, in app.Intent, card, fault string) {
	t.Helper()
	req := map[string]string{"client_secret": in.ClientSecret, "payment_method": card}
	if fault != "" {
		req["webhook"] = fault
	}
	body, _ := json.Marshal(req)
	res, err := http.Post(in.ConfirmURL, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
}

func TestIntentThroughTheSandbox(t *testing.T) {
	tests := []struct {
		card    string
		status  app.IntentStatus
		event   string
		failure string
	}{
		{"tok_visa", app.IntentSucceeded, "payment_intent.succeeded", ""},
		{"tok_decline", app.IntentFailed, "payment_intent.payment_failed", "card_declined"},
		{"tok_insufficient_funds", app.IntentFailed, "payment_intent.payment_failed", "insufficient_funds"},
	}
	for _, tt := range tests {
		t.Run(tt.card, func(t *testing.T) {
			c, _, got := sandbox(t, nil)
			ctx := context.Background()
			req := app.IntentRequest{IdempotencyKey: "topup-1", Amount: 2500, Currency: "EUR", Reference: "topup-1", Description: "wallet top-up"}
			in, err := c.CreateIntent(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if in.ID == "" || in.Status != app.IntentRequiresConfirmation || in.Amount != 2500 || in.Currency != "EUR" ||
				in.Reference != "topup-1" || in.ClientSecret == "" || in.ConfirmURL == "" {
				t.Fatalf("created %+v", in)
			}
			again, err := c.CreateIntent(ctx, req)
			if err != nil || again.ID != in.ID {
				t.Fatalf("retry with the same key: %+v, %v; want intent %s", again, err, in.ID)
			}
			payerConfirms(t, in, tt.card)

			d := next(t, got)
			ev, err := c.ParseWebhook(d.signature, d.body, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if ev.Type != tt.event || ev.Intent == nil || ev.Payout != nil || ev.Intent.ID != in.ID ||
				ev.Intent.Status != tt.status || ev.Intent.FailureCode != tt.failure || ev.Intent.Reference != "topup-1" {
				t.Fatalf("event %+v (intent %+v)", ev, ev.Intent)
			}
			now, err := c.GetIntent(ctx, in.ID)
			if err != nil || now.Status != tt.status {
				t.Fatalf("GetIntent: %+v, %v; want %s", now, err, tt.status)
			}
		})
	}
}

// An intent its payer never confirmed is canceled (a second cancel answers
// the same) and its canceled event parses; one confirmed before the cancel
// comes back as it is, paid, not as an error.
func TestCancelIntentThroughTheSandbox(t *testing.T) {
	c, _, got := sandbox(t, nil)
	ctx := context.Background()
	create := func(key string) app.Intent {
		t.Helper()
		in, err := c.CreateIntent(ctx, app.IntentRequest{IdempotencyKey: key, Amount: 700, Currency: "EUR", Reference: key})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	abandoned := create("topup-abandoned")
	for range 2 {
		if in, err := c.CancelIntent(ctx, abandoned.ID, "cancel-abandoned"); err != nil || in.Status != app.IntentCanceled || in.ID != abandoned.ID {
			t.Fatalf("CancelIntent: %+v, %v; want canceled", in, err)
		}
	}
	d := next(t, got)
	ev, err := c.ParseWebhook(d.signature, d.body, time.Now())
	if err != nil || ev.Type != app.EventIntentCanceled || ev.Intent == nil || ev.Intent.ID != abandoned.ID || ev.Intent.Status != app.IntentCanceled {
		t.Fatalf("the cancel's event: %+v, %v", ev, err)
	}
	paid := create("topup-paid")
	payerConfirms(t, paid, "tok_visa")
	if in, err := c.CancelIntent(ctx, paid.ID, "cancel-paid"); err != nil || in.Status != app.IntentSucceeded {
		t.Errorf("CancelIntent of a paid intent: %+v, %v; want it as it is, succeeded", in, err)
	}
	var missing *apperr.Error
	if _, err := c.CancelIntent(ctx, "pi_unknown", "cancel-unknown"); !errors.As(err, &missing) || missing.Kind != apperr.KindNotFound || missing.ResourceName != "pi_unknown" {
		t.Errorf("CancelIntent of an unknown intent: %v, want intent pi_unknown NotFound", err)
	}
}

func TestPayoutThroughTheSandbox(t *testing.T) {
	tests := []struct {
		destination string
		status      app.PayoutStatus
		event       string
	}{
		{"acct_supplier_1", app.PayoutPaid, "payout.paid"},
		{"acct_fail", app.PayoutFailed, "payout.failed"},
	}
	for _, tt := range tests {
		t.Run(tt.destination, func(t *testing.T) {
			c, _, got := sandbox(t, nil)
			ctx := context.Background()
			po, err := c.CreatePayout(ctx, app.PayoutRequest{IdempotencyKey: "po-1", Amount: 9900, Currency: "CNY", Reference: "payout-1", Destination: tt.destination})
			if err != nil {
				t.Fatal(err)
			}
			if po.ID == "" || po.Status != app.PayoutPending || po.Amount != 9900 {
				t.Fatalf("created %+v", po)
			}
			d := next(t, got)
			ev, err := c.ParseWebhook(d.signature, d.body, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if ev.Type != tt.event || ev.Payout == nil || ev.Intent != nil || ev.Payout.ID != po.ID || ev.Payout.Status != tt.status {
				t.Fatalf("event %+v (payout %+v)", ev, ev.Payout)
			}
			now, err := c.GetPayout(ctx, po.ID)
			if err != nil || now.Status != tt.status {
				t.Fatalf("GetPayout: %+v, %v", now, err)
			}
		})
	}
}

func TestProviderErrorsMapToKinds(t *testing.T) {
	ctx := context.Background()
	good := app.IntentRequest{IdempotencyKey: "k1", Amount: 100, Currency: "USD", Reference: "r1"}

	c, base, _ := sandbox(t, nil)
	if _, err := c.CreateIntent(ctx, good); err != nil {
		t.Fatal(err)
	}
	failing, _, _ := sandbox(t, func(cfg *paymentsandbox.Config) { cfg.FailRate = 1 })
	wrongKey := payprovider.New(payprovider.Config{URL: base, APIKey: "sk_test_other", Timeout: time.Second})
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	unreachable := payprovider.New(payprovider.Config{URL: down.URL, APIKey: apiKey, Timeout: time.Second})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	slow := payprovider.New(payprovider.Config{URL: hang.URL, APIKey: apiKey, Timeout: 50 * time.Millisecond})

	answering := func(status int) *payprovider.Client {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"error":{"type":"api_error","code":"odd","message":"odd answer"}}`))
		}))
		t.Cleanup(srv.Close)
		return payprovider.New(payprovider.Config{URL: srv.URL, APIKey: apiKey, Timeout: time.Second})
	}
	timedOut, refusing := answering(http.StatusRequestTimeout), answering(http.StatusUnprocessableEntity)
	payout := app.PayoutRequest{IdempotencyKey: "payout:1", Amount: 100, Currency: "USD", Reference: "p1", Destination: "acct_1"}

	reused := good
	reused.Amount = 101
	badCurrency := good
	badCurrency.IdempotencyKey, badCurrency.Currency = "k2", "usd"
	noKey := good
	noKey.IdempotencyKey = ""

	tests := []struct {
		name   string
		call   func() error
		kind   apperr.Kind
		reason string
	}{
		{"bad currency", func() error { _, err := c.CreateIntent(ctx, badCurrency); return err }, apperr.KindInvalid, ""},
		{"no idempotency key", func() error { _, err := c.CreateIntent(ctx, noKey); return err }, apperr.KindInvalid, ""},
		{"key reused with another body", func() error { _, err := c.CreateIntent(ctx, reused); return err }, apperr.KindAlreadyExists, "IDEMPOTENCY_KEY_REUSED"},
		{"unknown intent", func() error { _, err := c.GetIntent(ctx, "pi_missing"); return err }, apperr.KindNotFound, ""},
		{"unknown payout", func() error { _, err := c.GetPayout(ctx, "po_missing"); return err }, apperr.KindNotFound, ""},
		{"wrong API key", func() error { _, err := wrongKey.GetIntent(ctx, "pi_x"); return err }, apperr.KindFailedPrecondition, "PAYMENT_PROVIDER_CREDENTIALS"},
		{"provider 503", func() error { _, err := failing.CreateIntent(ctx, good); return err }, apperr.KindUnavailable, "PAYMENT_PROVIDER_UNAVAILABLE"},
		{"provider down", func() error { _, err := unreachable.GetPayout(ctx, "po_x"); return err }, apperr.KindUnavailable, "PAYMENT_PROVIDER_UNAVAILABLE"},
		{"provider hangs", func() error { _, err := slow.GetIntent(ctx, "pi_x"); return err }, apperr.KindUnavailable, "PAYMENT_PROVIDER_UNAVAILABLE"},
		// A status the provider does not document for a refusal leaves the
		// outcome unknown: a payout so answered must be asked again, not voided.
		{"provider 408", func() error { _, err := timedOut.CreatePayout(ctx, payout); return err }, apperr.KindUnavailable, "PAYMENT_PROVIDER_UNAVAILABLE"},
		{"provider 422", func() error { _, err := refusing.CreatePayout(ctx, payout); return err }, apperr.KindFailedPrecondition, "PAYMENT_PROVIDER_REFUSED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !apperr.IsKind(err, tt.kind) {
				t.Fatalf("got %v (kind %s), want %s", err, apperr.KindOf(err), tt.kind)
			}
			var e *apperr.Error
			if tt.reason != "" && (!asAppErr(err, &e) || e.Reason != tt.reason) {
				t.Fatalf("reason of %v, want %s", err, tt.reason)
			}
		})
	}
}

// The configuration refuses what no provider answers: a URL that is not
// http(s), and the prod overlay's placeholder (a .invalid host), so an
// installation that did not name its provider does not start with one it
// cannot reach.
func TestConfigRefusesAPlaceholderURL(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://api.payments.example.com": true,
		"http://payment-sandbox:9300":      true,
		"https://payment-provider.invalid": false,
		"ftp://payments.example.com":       false,
		"":                                 false,
	} {
		err := payprovider.Config{URL: url, Timeout: time.Second}.Validate()
		if (err == nil) != ok {
			t.Errorf("%q: %v, want accepted %v", url, err, ok)
		}
	}
}
