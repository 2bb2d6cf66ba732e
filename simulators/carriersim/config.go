package carriersim

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"time"

	"github.com/crossdock/crossdock/pkg/iso3166"
)

// DefaultUnservedCountries are the destinations the carrier refuses unless
// told otherwise: embargoed countries and Antarctica.
var DefaultUnservedCountries = []string{"KP", "IR", "SY", "CU", "AQ"}

// Config is what a Server runs with. The zero value of each optional field
// takes the default documented on it.
type Config struct {
	// APIKey is the bearer token every call but /healthz must carry.
	APIKey string
	// WebhookURL receives the events; empty sends none (the feed still has
	// them).
	WebhookURL string
	// WebhookSecret signs the deliveries (pkg/webhook).
	WebhookSecret []byte

	// TimeScale is how many simulated seconds pass per real second: every
	// simulated duration (handling, travel, customs, the day between
	// delivery attempts) is divided by it. Default 1; the local mesh runs
	// 8640, a simulated day per ten seconds.
	TimeScale float64
	// Tick is how often the background loop publishes the events whose
	// time has come. Default 50ms.
	Tick time.Duration
	// UnservedCountries are the ISO 3166-1 destinations refused with 422
	// unserved_destination. Nil takes DefaultUnservedCountries; an empty,
	// non-nil list serves everywhere.
	UnservedCountries []string

	// The delivery faults, each a chance from 0 to 1 per event:
	// LoseRate sends no webhook (the feed still has the event);
	// DuplicateRate delivers it twice; ReorderRate holds it back until the
	// shipment's next event has been handed over; LateRate delays both its
	// webhook and its feed entry by LateDelay (default 5s, real time), the
	// event keeping its original occurred_at.
	LoseRate, DuplicateRate, ReorderRate, LateRate float64
	LateDelay                                      time.Duration
	// The journey faults: CustomsHoldRate is the chance an international
	// parcel is held at customs for a simulated day; FailedAttemptRate the
	// chance each delivery attempt fails (three failures return the parcel
	// to the sender).
	CustomsHoldRate, FailedAttemptRate float64
	// FailRate is the chance that an API call answers 503 and does nothing.
	FailRate float64
	// LostAnswerRate is the chance that an API call does its work and
	// answers 503 all the same (jsonapi.Options.LostAnswerRate).
	LostAnswerRate float64
	// Seed makes every random choice (waybills, faults, charges)
	// reproducible for a given sequence of calls; 0 seeds from the clock.
	Seed int64

	// RetryInitial and RetryMax shape the backoff between delivery attempts
	// (defaults 1s and 1m); MaxAttempts bounds them (default 12: eleven
	// pauses of about six minutes in all).
	RetryInitial, RetryMax time.Duration
	MaxAttempts            int
	// DeliveryTimeout bounds one delivery attempt. Default 10s.
	DeliveryTimeout time.Duration
	// Workers is how many webhooks are sent at once, at most one per
	// shipment at a time so a shipment's events leave in order unless a
	// fault says otherwise. Default 16.
	Workers int

	// Client sends the webhooks; nil uses a client with DeliveryTimeout
	// that keeps a connection per worker.
	Client *http.Client
	// Now is the clock; nil is time.Now.
	Now func() time.Time
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
	if math.IsNaN(c.TimeScale) || math.IsInf(c.TimeScale, 0) || c.TimeScale < 0 {
		errs = append(errs, errors.New("the time scale must be a positive number"))
	}
	for _, r := range []struct {
		name string
		v    float64
	}{
		{"lose rate", c.LoseRate}, {"duplicate rate", c.DuplicateRate}, {"reorder rate", c.ReorderRate},
		{"late rate", c.LateRate}, {"customs hold rate", c.CustomsHoldRate},
		{"failed attempt rate", c.FailedAttemptRate}, {"fail rate", c.FailRate}, {"lost answer rate", c.LostAnswerRate},
	} {
		if !(r.v >= 0 && r.v <= 1) {
			errs = append(errs, fmt.Errorf("the %s must be between 0 and 1, got %v", r.name, r.v))
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"tick", c.Tick}, {"late delay", c.LateDelay}, {"retry initial", c.RetryInitial},
		{"retry max", c.RetryMax}, {"delivery timeout", c.DeliveryTimeout},
	} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("the %s must not be negative", d.name))
		}
	}
	if c.MaxAttempts < 0 || c.Workers < 0 {
		errs = append(errs, errors.New("the delivery attempts and workers must not be negative"))
	}
	for _, cc := range c.UnservedCountries {
		if !iso3166.IsCountry(cc) {
			errs = append(errs, fmt.Errorf("unserved country %q is not an ISO 3166-1 alpha-2 code", cc))
		}
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.TimeScale == 0 {
		c.TimeScale = 1
	}
	def(&c.Tick, 50*time.Millisecond)
	def(&c.LateDelay, 5*time.Second)
	def(&c.RetryInitial, time.Second)
	def(&c.RetryMax, time.Minute)
	def(&c.DeliveryTimeout, 10*time.Second)
	if c.UnservedCountries == nil {
		c.UnservedCountries = DefaultUnservedCountries
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 12
	}
	if c.Workers == 0 {
		c.Workers = 16
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: c.DeliveryTimeout, Transport: &http.Transport{
			MaxIdleConnsPerHost: c.Workers, IdleConnTimeout: 90 * time.Second,
		}}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c
}
