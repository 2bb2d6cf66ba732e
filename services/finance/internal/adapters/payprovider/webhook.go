package payprovider

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/webhook"
	"github.com/crossdock/crossdock/services/finance/internal/app"
)

// SignatureHeader is the header the provider signs its webhooks in; its
// value is what ParseWebhook takes.
const SignatureHeader = "Sandbox-Signature"

// ParseWebhook verifies a delivery (pkg/webhook, five minutes of tolerance)
// and decodes it. A delivery that does not verify, or was signed too long ago
// or too far ahead (a replay, or a clock that is off), is PermissionDenied:
// the signature is the sender's only credential, and it is present but not
// good enough; retrying the same delivery cannot help. The reasons tell
// them apart: WEBHOOK_SIGNATURE_INVALID, WEBHOOK_STALE. A verified body that
// is not an event is InvalidArgument; an event about neither an intent nor
// a payout is answered with neither.
func (c *Client) ParseWebhook(signature string, body []byte, now time.Time) (app.ProviderEvent, error) {
	if len(c.secret) == 0 {
		return app.ProviderEvent{}, apperr.FailedPrecondition("payment provider webhook secret is not configured (PAYMENT_PROVIDER_WEBHOOK_SECRET)").
			WithReason("PAYMENT_PROVIDER_CREDENTIALS")
	}
	signed, err := webhook.Verify(signature, body, now, webhook.DefaultTolerance, c.secret)
	switch {
	case errors.Is(err, webhook.ErrTimestamp):
		return app.ProviderEvent{}, apperr.PermissionDenied("webhook signed at " + signed.UTC().Format(time.RFC3339) +
			", more than 5 minutes from now: a replay or a skewed clock").WithReason("WEBHOOK_STALE")
	case err != nil:
		return app.ProviderEvent{}, apperr.PermissionDenied("webhook signature does not verify").
			WithReason("WEBHOOK_SIGNATURE_INVALID").Wrap(err)
	}

	var ev struct {
		ID      string `json:"id"`
		Type    string `json:"type"`
		Created int64  `json:"created"`
		Data    struct {
			Object json.RawMessage `json:"object"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return app.ProviderEvent{}, apperr.InvalidField("body", "not a webhook event: "+err.Error())
	}
	if ev.ID == "" || ev.Type == "" || len(ev.Data.Object) == 0 {
		return app.ProviderEvent{}, apperr.InvalidField("body", "a webhook event needs id, type and data.object")
	}
	out := app.ProviderEvent{ID: ev.ID, Type: ev.Type, Created: time.Unix(ev.Created, 0)}
	kind, _, _ := strings.Cut(ev.Type, ".")
	switch kind {
	case "payment_intent":
		var j intentJSON
		if err := json.Unmarshal(ev.Data.Object, &j); err != nil {
			return app.ProviderEvent{}, apperr.InvalidField("data.object", "not a payment intent: "+err.Error())
		}
		in := j.intent()
		out.Intent = &in
	case "payout":
		var j payoutJSON
		if err := json.Unmarshal(ev.Data.Object, &j); err != nil {
			return app.ProviderEvent{}, apperr.InvalidField("data.object", "not a payout: "+err.Error())
		}
		p := j.payout()
		out.Payout = &p
	}
	// An event about something else (a refund made at the provider, a
	// dispute) carries neither: it is acknowledged and recorded, moving
	// nothing, rather than refused and sent again for ever.
	return out, nil
}
