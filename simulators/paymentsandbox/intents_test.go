package paymentsandbox_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/webhook"
)

func TestConfirmWithEachTestCard(t *testing.T) {
	tests := []struct {
		card        string
		status      int
		code        string   // the error code of a refused confirm
		final       string   // the intent's status once its events are in
		events      []string // the webhook types, in order
		failureCode string
	}{
		{"tok_visa", http.StatusOK, "", "succeeded", []string{"payment_intent.succeeded"}, ""},
		{"tok_decline", http.StatusPaymentRequired, "card_declined", "failed", []string{"payment_intent.payment_failed"}, "card_declined"},
		{"tok_insufficient_funds", http.StatusPaymentRequired, "insufficient_funds", "failed", []string{"payment_intent.payment_failed"}, "insufficient_funds"},
		{"tok_delayed", http.StatusOK, "", "succeeded", []string{"payment_intent.processing", "payment_intent.succeeded"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.card, func(t *testing.T) {
			rc, url := newReceiver(t, nil)
			base := start(t, fastConfig(url))
			pi := createIntent(t, base)
			if pi["status"] != "requires_confirmation" || pi["client_secret"] == "" {
				t.Fatalf("created %v", pi)
			}
			// The payer's client confirms without the API key.
			status, out := call(t, "POST", pi["confirm_url"].(string), "", "", map[string]any{
				"client_secret": pi["client_secret"], "payment_method": tt.card,
			})
			if status != tt.status {
				t.Fatalf("confirm: %d %v, want %d", status, out, tt.status)
			}
			if _, code := errorCode(out); code != tt.code {
				t.Fatalf("confirm error code %q, want %q", code, tt.code)
			}
			for _, want := range tt.events {
				d := rc.next(t)
				obj := d.Event.Data.Object
				if d.Event.Type != want || obj["id"] != pi["id"] || obj["reference"] != "topup-1" {
					t.Fatalf("event %s for %v, want %s for %v", d.Event.Type, obj, want, pi["id"])
				}
				if _, leaked := obj["client_secret"]; leaked {
					t.Errorf("event carries the client secret")
				}
			}
			_, got := call(t, "GET", base+"/v1/payment_intents/"+pi["id"].(string), apiKey, "", nil)
			if got["status"] != tt.final || (got["failure_code"] != nil && got["failure_code"] != tt.failureCode) {
				t.Fatalf("intent %v, want %s %s", got, tt.final, tt.failureCode)
			}
		})
	}
}

func TestConfirmIsRefused(t *testing.T) {
	_, url := newReceiver(t, nil)
	base := start(t, fastConfig(url))
	confirmed := createIntent(t, base)
	if status, out := call(t, "POST", confirmed["confirm_url"].(string), "", "", map[string]any{
		"client_secret": confirmed["client_secret"], "payment_method": "tok_visa",
	}); status != http.StatusOK {
		t.Fatalf("first confirm: %d %v", status, out)
	}
	fresh := createIntent(t, base)
	tests := []struct {
		name   string
		pi     map[string]any
		body   map[string]any
		status int
		code   string
	}{
		{"wrong client secret", fresh, map[string]any{"client_secret": confirmed["client_secret"], "payment_method": "tok_visa"}, 401, "client_secret_mismatch"},
		{"no client secret", fresh, map[string]any{"payment_method": "tok_visa"}, 401, "client_secret_mismatch"},
		{"unknown card", fresh, map[string]any{"client_secret": fresh["client_secret"], "payment_method": "tok_amex"}, 400, "parameter_invalid"},
		{"unknown webhook fault", fresh, map[string]any{"client_secret": fresh["client_secret"], "payment_method": "tok_visa", "webhook": "never"}, 400, "parameter_invalid"},
		{"unknown field", fresh, map[string]any{"client_secret": fresh["client_secret"], "payment_method": "tok_visa", "amount": 1}, 400, "parameter_invalid"},
		{"confirmed already", confirmed, map[string]any{"client_secret": confirmed["client_secret"], "payment_method": "tok_visa"}, 400, "payment_intent_unexpected_state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := call(t, "POST", tt.pi["confirm_url"].(string), "", "", tt.body)
			if _, code := errorCode(out); status != tt.status || code != tt.code {
				t.Fatalf("got %d %v, want %d %s", status, out, tt.status, tt.code)
			}
		})
	}
	// None of the refused confirms moved the fresh intent.
	if _, got := call(t, "GET", base+"/v1/payment_intents/"+fresh["id"].(string), apiKey, "", nil); got["status"] != "requires_confirmation" {
		t.Fatalf("fresh intent is %v", got["status"])
	}
}

func TestCreateValidates(t *testing.T) {
	base := start(t, fastConfig(""))
	tests := []struct {
		name  string
		path  string
		body  map[string]any
		param string
	}{
		{"zero amount", "/v1/payment_intents", map[string]any{"amount": 0, "currency": "EUR", "reference": "r"}, "amount"},
		{"negative amount", "/v1/payouts", map[string]any{"amount": -5, "currency": "EUR", "reference": "r", "destination": "acct_1"}, "amount"},
		{"lower-case currency", "/v1/payment_intents", map[string]any{"amount": 1, "currency": "eur", "reference": "r"}, "currency"},
		{"unknown currency", "/v1/payouts", map[string]any{"amount": 1, "currency": "XXX", "reference": "r", "destination": "acct_1"}, "currency"},
		{"no reference", "/v1/payment_intents", map[string]any{"amount": 1, "currency": "EUR"}, "reference"},
		{"no destination", "/v1/payouts", map[string]any{"amount": 1, "currency": "EUR", "reference": "r"}, "destination"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := call(t, "POST", base+tt.path, apiKey, "", tt.body)
			e, _ := out["error"].(map[string]any)
			if status != http.StatusBadRequest || e["type"] != "invalid_request_error" || e["param"] != tt.param {
				t.Fatalf("got %d %v, want 400 on %s", status, out, tt.param)
			}
		})
	}
	if status, out := call(t, "GET", base+"/v1/payment_intents/pi_missing", apiKey, "", nil); status != http.StatusNotFound {
		t.Fatalf("missing intent: %d %v", status, out)
	}
}

func TestAPIKey(t *testing.T) {
	base := start(t, fastConfig(""))
	body := map[string]any{"amount": 100, "currency": "USD", "reference": "r"}
	tests := []struct {
		name   string
		key    string
		status int
	}{
		{"none", "", http.StatusUnauthorized},
		{"wrong", "sk_test_other", http.StatusUnauthorized},
		{"right", apiKey, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/v1/payment_intents", "/v1/payouts"} {
				b := body
				if path == "/v1/payouts" {
					b = map[string]any{"amount": 100, "currency": "USD", "reference": "r", "destination": "acct_1"}
				}
				status, out := call(t, "POST", base+path, tt.key, "", b)
				if status != tt.status {
					t.Fatalf("POST %s: %d %v, want %d", path, status, out, tt.status)
				}
				if typ, _ := errorCode(out); tt.status == http.StatusUnauthorized && typ != "authentication_error" {
					t.Fatalf("POST %s: error type %q", path, typ)
				}
			}
			if status, _ := call(t, "GET", base+"/v1/payouts/po_missing", tt.key, "", nil); tt.status == http.StatusUnauthorized && status != tt.status {
				t.Fatalf("GET without a valid key: %d", status)
			}
		})
	}
}

func TestIdempotencyKey(t *testing.T) {
	base := start(t, fastConfig(""))
	body := map[string]any{"amount": 700, "currency": "JPY", "reference": "topup-7"}
	_, first := call(t, "POST", base+"/v1/payment_intents", apiKey, "key-1", body)

	status, again := call(t, "POST", base+"/v1/payment_intents", apiKey, "key-1", body)
	if status != http.StatusOK || again["id"] != first["id"] || again["client_secret"] != first["client_secret"] {
		t.Fatalf("retry answered %d %v, want the first %v", status, again, first)
	}
	other := map[string]any{"amount": 701, "currency": "JPY", "reference": "topup-7"}
	status, out := call(t, "POST", base+"/v1/payment_intents", apiKey, "key-1", other)
	if typ, code := errorCode(out); status != http.StatusConflict || typ != "idempotency_error" || code != "idempotency_key_in_use" {
		t.Fatalf("other body: %d %v", status, out)
	}
	// The key belongs to the route: a payout may use the same one.
	status, po := call(t, "POST", base+"/v1/payouts", apiKey, "key-1", map[string]any{
		"amount": 700, "currency": "JPY", "reference": "po-7", "destination": "acct_1"})
	if status != http.StatusOK || po["object"] != "payout" {
		t.Fatalf("payout with the same key: %d %v", status, po)
	}
	// Without a key every call creates.
	_, a := call(t, "POST", base+"/v1/payment_intents", apiKey, "", body)
	_, b := call(t, "POST", base+"/v1/payment_intents", apiKey, "", body)
	if a["id"] == b["id"] {
		t.Fatalf("two calls without a key made one intent %v", a["id"])
	}
	// A retried confirm answers the first outcome instead of "already confirmed".
	pi := createIntent(t, base)
	confirm := map[string]any{"client_secret": pi["client_secret"], "payment_method": "tok_decline"}
	s1, c1 := call(t, "POST", pi["confirm_url"].(string), "", "confirm-1", confirm)
	s2, c2 := call(t, "POST", pi["confirm_url"].(string), "", "confirm-1", confirm)
	if s1 != http.StatusPaymentRequired || s2 != s1 || c2["error"].(map[string]any)["code"] != c1["error"].(map[string]any)["code"] {
		t.Fatalf("confirm retry: %d %v then %d %v", s1, c1, s2, c2)
	}
}

func TestFailRate(t *testing.T) {
	cfg := fastConfig("")
	cfg.FailRate = 0.5
	roll := 0.0
	cfg.Rand = func() float64 { return roll }
	base := start(t, cfg)
	body := map[string]any{"amount": 100, "currency": "USD", "reference": "r"}

	status, out := call(t, "POST", base+"/v1/payment_intents", apiKey, "fail-1", body)
	if typ, _ := errorCode(out); status != http.StatusServiceUnavailable || typ != "api_error" {
		t.Fatalf("under the rate: %d %v", status, out)
	}
	// The failed call remembered nothing: its retry creates.
	roll = 0.9
	status, out = call(t, "POST", base+"/v1/payment_intents", apiKey, "fail-1", body)
	if status != http.StatusOK || out["status"] != "requires_confirmation" {
		t.Fatalf("over the rate: %d %v", status, out)
	}
	roll = 0
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("healthz failed with the API: %d", res.StatusCode)
	}
}

func TestWebhookSignatureVerifies(t *testing.T) {
	rc, url := newReceiver(t, nil)
	base := start(t, fastConfig(url))
	pi := createIntent(t, base)
	call(t, "POST", pi["confirm_url"].(string), "", "", map[string]any{"client_secret": pi["client_secret"], "payment_method": "tok_visa"})
	d := rc.next(t)
	if _, err := webhook.Verify(d.Signature, d.Body, time.Now(), webhook.DefaultTolerance, []byte(secret)); err != nil {
		t.Fatalf("signature %q does not verify: %v", d.Signature, err)
	}
	if _, err := webhook.Verify(d.Signature, d.Body, time.Now(), webhook.DefaultTolerance, []byte("whsec_other")); err == nil {
		t.Fatal("signature verifies under another secret")
	}
}

// An intent nobody confirmed is canceled: its payer can no longer confirm
// it, payment_intent.canceled is sent once, and a second cancel answers the
// same. One already confirmed is refused, the intent in the error.
func TestCancelAnAbandonedIntent(t *testing.T) {
	rc, url := newReceiver(t, nil)
	base := start(t, fastConfig(url))
	pi := createIntent(t, base)
	cancel := base + "/v1/payment_intents/" + pi["id"].(string) + "/cancel"
	if status, out := call(t, "POST", cancel, "", "", nil); status != http.StatusUnauthorized {
		t.Errorf("cancel without the API key: %d %v", status, out)
	}
	for range 2 {
		if status, out := call(t, "POST", cancel, apiKey, "", nil); status != http.StatusOK || out["status"] != "canceled" {
			t.Fatalf("cancel: %d %v", status, out)
		}
	}
	if d := rc.next(t); d.Event.Type != "payment_intent.canceled" || d.Event.Data.Object["id"] != pi["id"] || d.Event.Data.Object["status"] != "canceled" {
		t.Errorf("event %s for %v, want payment_intent.canceled", d.Event.Type, d.Event.Data.Object)
	}
	status, out := call(t, "POST", pi["confirm_url"].(string), "", "", map[string]any{"client_secret": pi["client_secret"], "payment_method": "tok_visa"})
	if _, code := errorCode(out); status != http.StatusBadRequest || code != "payment_intent_unexpected_state" {
		t.Errorf("confirm of a canceled intent: %d %v", status, out)
	}

	paid := createIntent(t, base)
	if status, out := call(t, "POST", paid["confirm_url"].(string), "", "", map[string]any{"client_secret": paid["client_secret"], "payment_method": "tok_visa"}); status != http.StatusOK {
		t.Fatalf("confirm: %d %v", status, out)
	}
	if d := rc.next(t); d.Event.Type != "payment_intent.succeeded" {
		t.Fatalf("event %s, want the payment's payment_intent.succeeded (the cancel's sent once)", d.Event.Type)
	}
	status, out = call(t, "POST", base+"/v1/payment_intents/"+paid["id"].(string)+"/cancel", apiKey, "", nil)
	if _, code := errorCode(out); status != http.StatusBadRequest || code != "payment_intent_unexpected_state" {
		t.Fatalf("cancel of a paid intent: %d %v", status, out)
	}
	if e, _ := out["error"].(map[string]any); e["payment_intent"].(map[string]any)["status"] != "succeeded" {
		t.Errorf("the refused cancel's intent: %v, want succeeded", e["payment_intent"])
	}
	if status, out := call(t, "POST", base+"/v1/payment_intents/pi_nope/cancel", apiKey, "", nil); status != http.StatusNotFound {
		t.Errorf("cancel of an unknown intent: %d %v", status, out)
	}
}

// declinedIntent starts a sandbox and declines one of its intents' card; pay
// confirms the intent again with a card.
func declinedIntent(t *testing.T) (rc *receiver, base string, pi map[string]any, pay func(card string) (int, map[string]any)) {
	t.Helper()
	rc, url := newReceiver(t, nil)
	base = start(t, fastConfig(url))
	pi = createIntent(t, base)
	pay = func(card string) (int, map[string]any) {
		return call(t, "POST", pi["confirm_url"].(string), "", "", map[string]any{"client_secret": pi["client_secret"], "payment_method": card})
	}
	if status, out := pay("tok_decline"); status != http.StatusPaymentRequired {
		t.Fatalf("the declined card: %d %v", status, out)
	}
	return rc, base, pi, pay
}

// A declined intent is paid with another card, as a real provider allows:
// its second confirm succeeds and sends payment_intent.succeeded beside the
// decline's payment_intent.payment_failed (in either order: deliveries
// race); paid, it cannot be confirmed again.
func TestADeclinedIntentIsPaidWithAnotherCard(t *testing.T) {
	rc, _, _, pay := declinedIntent(t)
	if status, out := pay("tok_visa"); status != http.StatusOK || out["status"] != "succeeded" {
		t.Fatalf("another card after the decline: %d %v", status, out)
	}
	if got, want := rc.eventTypes(t, 2), []string{"payment_intent.payment_failed", "payment_intent.succeeded"}; !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	status, out := pay("tok_visa")
	if _, code := errorCode(out); status != http.StatusBadRequest || code != "payment_intent_unexpected_state" {
		t.Errorf("a third confirm of the paid intent: %d %v", status, out)
	}
}

// A declined intent is canceled (its payer gave up): it can no longer be
// paid with another card, and payment_intent.canceled follows the decline's
// event.
func TestCancelADeclinedIntent(t *testing.T) {
	rc, base, pi, pay := declinedIntent(t)
	if status, out := call(t, "POST", base+"/v1/payment_intents/"+pi["id"].(string)+"/cancel", apiKey, "", nil); status != http.StatusOK || out["status"] != "canceled" {
		t.Fatalf("cancel of the declined intent: %d %v", status, out)
	}
	if got, want := rc.eventTypes(t, 2), []string{"payment_intent.canceled", "payment_intent.payment_failed"}; !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	status, out := pay("tok_visa")
	if _, code := errorCode(out); status != http.StatusBadRequest || code != "payment_intent_unexpected_state" {
		t.Errorf("another card after the cancel: %d %v", status, out)
	}
}
