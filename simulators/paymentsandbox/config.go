package paymentsandbox

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"
)

// Config is what a Server runs with. The zero value of each optional field
// takes the default documented on it.
type Config struct {
	// APIKey is the bearer token every call but a confirm must carry.
	APIKey string
	// WebhookURL receives the events; empty sends none.
	WebhookURL string
	// WebhookSecret signs the deliveries (pkg/webhook).
	WebhookSecret []byte
	// PublicURL is the base of confirm_url; empty takes the request's host.
	PublicURL string

	// WebhookDelay holds every delivery back this long (a slow provider).
	WebhookDelay time.Duration
	// WebhookDuplicateRate is the chance, 0 to 1, that an event is
	// delivered twice without being asked to.
	WebhookDuplicateRate float64
	// WebhookLossRate is the chance, 0 to 1, that an event is never
	// delivered (the receiver must ask for the object's state).
	WebhookLossRate float64
	// FailRate is the chance, 0 to 1, that an API call answers 503 and does
	// nothing.
	FailRate float64
	// LostAnswerRate is the chance, 0 to 1, that an API call does its work
	// and answers 503 all the same (jsonapi.Options.LostAnswerRate).
	LostAnswerRate float64

	// LateDelay is how long a confirm with "webhook": "late" holds its
	// events back. Default 3s.
	LateDelay time.Duration
	// ProcessingDelay is how long a tok_delayed payment stays processing
	// before it succeeds. Default 2s.
	ProcessingDelay time.Duration
	// PayoutDelay is how long a payout stays pending. Default 1s.
	PayoutDelay time.Duration
	// RetryInitial and RetryMax shape the backoff between delivery attempts
	// (defaults 1s and 1m); MaxAttempts bounds them (default 12: eleven
	// pauses of about six minutes in all: a receiver restarted inside that loses nothing).
	RetryInitial, RetryMax time.Duration
	MaxAttempts            int
	// DeliveryTimeout bounds one delivery attempt. Default 10s.
	DeliveryTimeout time.Duration

	// Client sends the webhooks; nil uses a client with DeliveryTimeout.
	Client *http.Client
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Rand returns a number in [0, 1) for the fault rates; nil uses
	// math/rand/v2.
	Rand func() float64
	// Log receives delivery failures; nil discards them.
	Log *slog.Logger
}

// Validate reports settings the server cannot run with.
func (c Config) Validate() error {
	var errs []error
	if c.APIKey == "" {
		errs = append(errs, errors.New("the API key must be set"))
	}
	if c.WebhookURL != "" && len(c.WebhookSecret) == 0 {
		errs = append(errs, errors.New("a webhook URL needs a webhook secret"))
	}
	for name, r := range map[string]float64{"webhook duplicate rate": c.WebhookDuplicateRate, "webhook loss rate": c.WebhookLossRate, "fail rate": c.FailRate,
		"lost answer rate": c.LostAnswerRate} {
		if r < 0 || r > 1 {
			errs = append(errs, errors.New("the "+name+" must be between 0 and 1"))
		}
	}
	for name, d := range map[string]time.Duration{
		"webhook delay": c.WebhookDelay, "late delay": c.LateDelay, "processing delay": c.ProcessingDelay,
		"payout delay": c.PayoutDelay, "retry initial": c.RetryInitial, "retry max": c.RetryMax,
	} {
		if d < 0 {
			errs = append(errs, errors.New("the "+name+" must not be negative"))
		}
	}
	if c.MaxAttempts < 0 {
		errs = append(errs, errors.New("the delivery attempts must not be negative"))
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.LateDelay, 3*time.Second)
	def(&c.ProcessingDelay, 2*time.Second)
	def(&c.PayoutDelay, time.Second)
	def(&c.RetryInitial, time.Second)
	def(&c.RetryMax, time.Minute)
	def(&c.DeliveryTimeout, 10*time.Second)
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 12
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: c.DeliveryTimeout}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Float64
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c
}
