// Package payprovider is app.PaymentProvider over the payment provider's
// HTTP/JSON API (Stripe's shape; in development the sandbox in
// simulators/paymentsandbox). It is thin: it sends the request with the API
// key and the caller's idempotency key, decodes the answer, and turns the
// provider's errors into apperr kinds:
//
//   - 400 and 402 (a card error): InvalidArgument and FailedPrecondition;
//   - 401 and 403 (our API key is wrong): FailedPrecondition, reason
//     PAYMENT_PROVIDER_CREDENTIALS: an operator must fix the configuration;
//   - 404: NotFound;
//   - 409 (the idempotency key was used with another request):
//     AlreadyExists naming the key;
//   - 422 (the request is understood and refused): FailedPrecondition,
//     reason PAYMENT_PROVIDER_REFUSED;
//   - 429, 5xx, any other status, timeouts and transport errors:
//     Unavailable, safe to retry with the same idempotency key: whether
//     the provider acted is not known.
package payprovider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/httpjson"
	"github.com/crossdock/crossdock/services/finance/internal/app"
)

// Config is how finance reaches the provider: the PAYMENT_PROVIDER_*
// variables.
type Config struct {
	// URL is the provider API's base URL.
	URL string `env:"PAYMENT_PROVIDER_URL" envDefault:"http://127.0.0.1:9300"`
	// APIKey is the bearer token every call carries.
	APIKey string `env:"PAYMENT_PROVIDER_API_KEY" secret:"true"`
	// WebhookSecret is shared with the provider, which signs every webhook
	// with it; ParseWebhook refuses deliveries it does not verify.
	WebhookSecret string `env:"PAYMENT_PROVIDER_WEBHOOK_SECRET" secret:"true"`
	// Timeout bounds one call, so a provider that hangs fails the call as
	// Unavailable instead of holding a request of ours.
	Timeout time.Duration `env:"PAYMENT_PROVIDER_TIMEOUT" envDefault:"10s"`
}

// Validate checks the URL and the timeout.
func (c Config) Validate() error {
	var errs []error
	switch u, err := url.Parse(c.URL); {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		errs = append(errs, errors.New("PAYMENT_PROVIDER_URL must be an http or https URL"))
	case strings.HasSuffix(u.Hostname(), ".invalid"):
		// The prod overlay's placeholder (RFC 2606 keeps .invalid for it):
		// the installation names its provider, or finance does not start.
		errs = append(errs, errors.New("PAYMENT_PROVIDER_URL is a placeholder: set the payment provider's API URL"))
	}
	if c.Timeout <= 0 {
		errs = append(errs, errors.New("PAYMENT_PROVIDER_TIMEOUT must be positive"))
	}
	return errors.Join(errs...)
}

// Client is the provider's API client. It is safe for concurrent use.
type Client struct {
	base   string
	key    string
	secret []byte
	http   *http.Client
}

var _ app.PaymentProvider = (*Client)(nil)

// New returns a client for cfg.
func New(cfg Config) *Client {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &Client{
		base:   strings.TrimSuffix(cfg.URL, "/"),
		key:    cfg.APIKey,
		secret: []byte(cfg.WebhookSecret),
		http:   &http.Client{Timeout: timeout},
	}
}

// CreateIntent asks the provider for a payment intent.
func (c *Client) CreateIntent(ctx context.Context, in app.IntentRequest) (app.Intent, error) {
	var out intentJSON
	err := c.do(ctx, http.MethodPost, "/v1/payment_intents", in.IdempotencyKey, map[string]any{
		"amount": in.Amount, "currency": in.Currency, "reference": in.Reference, "description": in.Description,
	}, &out)
	return out.intent(), err
}

// GetIntent reads an intent.
func (c *Client) GetIntent(ctx context.Context, id string) (app.Intent, error) {
	var out intentJSON
	err := c.do(ctx, http.MethodGet, "/v1/payment_intents/"+url.PathEscape(id), "", nil, &out)
	return out.intent(), err
}

// CancelIntent cancels an intent its payer never confirmed, or one
// declined. The provider refuses to cancel one paid or processing (400
// payment_intent_unexpected_state): that one is read and returned as it
// is, not canceled.
func (c *Client) CancelIntent(ctx context.Context, id, idempotencyKey string) (app.Intent, error) {
	var out intentJSON
	err := c.do(ctx, http.MethodPost, "/v1/payment_intents/"+url.PathEscape(id)+"/cancel", idempotencyKey, map[string]any{}, &out)
	if apperr.IsKind(err, apperr.KindInvalid) {
		if now, gerr := c.GetIntent(ctx, id); gerr == nil && now.Status != app.IntentRequiresConfirmation {
			return now, nil
		}
	}
	return out.intent(), err
}

// CreatePayout asks the provider to pay out.
func (c *Client) CreatePayout(ctx context.Context, in app.PayoutRequest) (app.Payout, error) {
	var out payoutJSON
	err := c.do(ctx, http.MethodPost, "/v1/payouts", in.IdempotencyKey, map[string]any{
		"amount": in.Amount, "currency": in.Currency, "reference": in.Reference, "destination": in.Destination,
	}, &out)
	return out.payout(), err
}

// GetPayout reads a payout.
func (c *Client) GetPayout(ctx context.Context, id string) (app.Payout, error) {
	var out payoutJSON
	err := c.do(ctx, http.MethodGet, "/v1/payouts/"+url.PathEscape(id), "", nil, &out)
	return out.payout(), err
}

// maxResponse bounds what is read of an answer.
const maxResponse = 1 << 20

// do sends one call and decodes a 2xx answer into out. A POST must carry an
// idempotency key: a creating call retried without one could move money
// twice.
func (c *Client) do(ctx context.Context, method, path, idemKey string, body, out any) error {
	if method == http.MethodPost && strings.TrimSpace(idemKey) == "" {
		return apperr.InvalidField("idempotency_key", "required for a call that creates at the payment provider")
	}
	req, err := httpjson.NewRequest(ctx, method, c.base+path, c.key, idemKey, body)
	if err != nil {
		return fmt.Errorf("payment provider: %w", err)
	}
	res, err := c.http.Do(req)
	if err != nil {
		// A timeout, a refused connection or the caller giving up: the
		// outcome is unknown, so the call is retried with the same key.
		return apperr.Unavailable("payment provider unreachable").WithReason("PAYMENT_PROVIDER_UNAVAILABLE").Wrap(err)
	}
	raw, err := httpjson.ReadBody(res, maxResponse)
	if err != nil {
		return apperr.Unavailable("payment provider answer cut short").WithReason("PAYMENT_PROVIDER_UNAVAILABLE").Wrap(err)
	}
	if res.StatusCode/100 != 2 {
		return providerError(res.StatusCode, path, idemKey, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("payment provider: decode %s answer: %w", path, err)
	}
	return nil
}

// providerError maps a non-2xx answer to an apperr error (see the package
// comment). The provider's message is kept: it names what was wrong.
func providerError(status int, path, idemKey string, raw []byte) error {
	e := httpjson.ParseError(raw) // an undecodable body leaves the fields empty
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(status)
	}
	msg = "payment provider: " + msg
	code := strings.ToUpper(e.Code)
	switch {
	case status == http.StatusBadRequest:
		field := e.Param
		if field == "" {
			field = "request"
		}
		return apperr.InvalidField(field, msg)
	case status == http.StatusPaymentRequired:
		if code == "" {
			code = "PAYMENT_DECLINED"
		}
		return apperr.FailedPrecondition(msg).WithReason(code)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return apperr.FailedPrecondition(msg).WithReason("PAYMENT_PROVIDER_CREDENTIALS")
	case status == http.StatusNotFound:
		// /v1/<objects>/<id>[/<action>]
		what, id, _ := strings.Cut(strings.TrimPrefix(path, "/v1/"), "/")
		id, _, _ = strings.Cut(id, "/")
		return apperr.NotFound(strings.TrimSuffix(what, "s"), id)
	case status == http.StatusConflict:
		return apperr.AlreadyExists("idempotency key "+idemKey+" was used with a different request: "+msg).
			WithReason("IDEMPOTENCY_KEY_REUSED").WithMetadata("idempotency_key", idemKey)
	case status == http.StatusUnprocessableEntity:
		return apperr.FailedPrecondition(msg).WithReason("PAYMENT_PROVIDER_REFUSED")
	default:
		// 429, 5xx, and any other status (408, 425, one the provider
		// added): whether the provider acted is not known, so the call is
		// to be repeated with its idempotency key, never taken as refused
		// (a payout taken as refused gives its money back to the payable
		// while the provider may still pay it out).
		return apperr.Unavailable(fmt.Sprintf("%s (HTTP %d)", msg, status)).WithReason("PAYMENT_PROVIDER_UNAVAILABLE")
	}
}
