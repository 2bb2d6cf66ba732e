// Command carrier-sim runs the carrier simulator (package carriersim) as its
// own process, as `crossdock up` and the dev overlay start it: logistics
// books, tracks and is charged by it over HTTP exactly as it would be by a
// real carrier. Settings come from the environment (see
// simulators/README.md).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/logging"
	"github.com/crossdock/crossdock/pkg/memlimit"
	"github.com/crossdock/crossdock/simulators/carriersim"
	"github.com/crossdock/crossdock/simulators/jsonapi"
)

// Config is the carrier simulator process's configuration.
type Config struct {
	logging.Config
	// Addr is where the API listens.
	Addr string `env:"CARRIER_SIM_ADDR" envDefault:"127.0.0.1:9301"`
	// APIKey is the bearer token logistics calls the API with.
	APIKey string `env:"CARRIER_SIM_API_KEY,required" secret:"true"`
	// WebhookURL receives the signed events (logistics' webhook endpoint
	// behind the gateway); empty sends none.
	WebhookURL string `env:"CARRIER_SIM_WEBHOOK_URL"`
	// WebhookSecret signs the events; logistics verifies with the same one.
	WebhookSecret string `env:"CARRIER_SIM_WEBHOOK_SECRET" secret:"true"`

	// TimeScale is simulated seconds per real second (8640: a day per 10 s).
	TimeScale float64 `env:"CARRIER_SIM_TIME_SCALE" envDefault:"1"`
	// Tick is how often due events are published.
	Tick time.Duration `env:"CARRIER_SIM_TICK" envDefault:"50ms"`
	// UnservedCountries are the destinations refused with 422.
	UnservedCountries []string `env:"CARRIER_SIM_UNSERVED_COUNTRIES" envDefault:"KP,IR,SY,CU,AQ"`
	// Seed makes the randomness reproducible; 0 seeds from the clock.
	Seed int64 `env:"CARRIER_SIM_SEED"`

	// The faults, off by default: chances from 0 to 1.
	LoseRate          float64       `env:"CARRIER_SIM_LOSE_RATE"`
	DuplicateRate     float64       `env:"CARRIER_SIM_DUPLICATE_RATE"`
	ReorderRate       float64       `env:"CARRIER_SIM_REORDER_RATE"`
	LateRate          float64       `env:"CARRIER_SIM_LATE_RATE"`
	LateDelay         time.Duration `env:"CARRIER_SIM_LATE_DELAY" envDefault:"5s"`
	CustomsHoldRate   float64       `env:"CARRIER_SIM_CUSTOMS_HOLD_RATE"`
	FailedAttemptRate float64       `env:"CARRIER_SIM_FAILED_ATTEMPT_RATE"`
	FailRate          float64       `env:"CARRIER_SIM_FAIL_RATE"`
	LostAnswerRate    float64       `env:"CARRIER_SIM_LOST_ANSWER_RATE"`

	// Webhook retries: backoff from RetryInitial doubling to RetryMax, at
	// most MaxAttempts attempts.
	RetryInitial time.Duration `env:"CARRIER_SIM_RETRY_INITIAL" envDefault:"1s"`
	RetryMax     time.Duration `env:"CARRIER_SIM_RETRY_MAX" envDefault:"1m"`
	MaxAttempts  int           `env:"CARRIER_SIM_MAX_ATTEMPTS" envDefault:"12"`
}

// Validate checks the settings the simulator cannot run without.
func (c Config) Validate() error {
	if c.WebhookURL != "" && c.WebhookSecret == "" {
		return errors.New("CARRIER_SIM_WEBHOOK_SECRET must be set when CARRIER_SIM_WEBHOOK_URL is")
	}
	if c.TimeScale <= 0 {
		return errors.New("CARRIER_SIM_TIME_SCALE must be positive")
	}
	return nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "carrier-sim: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error { return serve(ctx, nil) }

// serve runs the simulator with the environment until ctx ends. When ready
// is not nil it receives the address the API listens on.
func serve(ctx context.Context, ready chan<- string) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	log, err := logging.FromConfig(cfg.Config, os.Stderr)
	if err != nil {
		return err
	}
	config.Log(log, cfg)
	if err := memlimit.Apply(log); err != nil {
		return err
	}

	unserved := cfg.UnservedCountries
	if unserved == nil {
		unserved = []string{} // set but empty: every destination is served
	}
	srv, err := carriersim.New(carriersim.Config{
		APIKey:            cfg.APIKey,
		WebhookURL:        cfg.WebhookURL,
		WebhookSecret:     []byte(cfg.WebhookSecret),
		TimeScale:         cfg.TimeScale,
		Tick:              cfg.Tick,
		UnservedCountries: unserved,
		LoseRate:          cfg.LoseRate,
		DuplicateRate:     cfg.DuplicateRate,
		ReorderRate:       cfg.ReorderRate,
		LateRate:          cfg.LateRate,
		LateDelay:         cfg.LateDelay,
		CustomsHoldRate:   cfg.CustomsHoldRate,
		FailedAttemptRate: cfg.FailedAttemptRate,
		FailRate:          cfg.FailRate,
		LostAnswerRate:    cfg.LostAnswerRate,
		Seed:              cfg.Seed,
		RetryInitial:      cfg.RetryInitial,
		RetryMax:          cfg.RetryMax,
		MaxAttempts:       cfg.MaxAttempts,
		Log:               log,
	})
	if err != nil {
		return err
	}
	defer srv.Close()

	return jsonapi.Serve(ctx, cfg.Addr, srv.Handler(), log, ready)
}
