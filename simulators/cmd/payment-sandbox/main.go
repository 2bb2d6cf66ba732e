// Command payment-sandbox runs the payment-provider sandbox (package
// paymentsandbox) as its own process, as `crossdock up` and the dev overlay
// start it: finance talks to it over HTTP exactly as it would to a real
// provider. Settings come from the environment; the fault settings may also
// be given as flags, which win (see simulators/README.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/logging"
	"github.com/crossdock/crossdock/pkg/memlimit"
	"github.com/crossdock/crossdock/simulators/jsonapi"
	"github.com/crossdock/crossdock/simulators/paymentsandbox"
)

// Config is the sandbox process's configuration.
type Config struct {
	logging.Config
	// Addr is where the API listens.
	Addr string `env:"PAYMENT_SANDBOX_ADDR" envDefault:"127.0.0.1:9300"`
	// APIKey is the bearer token finance calls the API with.
	APIKey string `env:"PAYMENT_SANDBOX_API_KEY,required" secret:"true"`
	// WebhookURL receives the signed events (finance's webhook endpoint
	// behind the gateway); empty sends none.
	WebhookURL string `env:"PAYMENT_SANDBOX_WEBHOOK_URL"`
	// WebhookSecret signs the events; finance verifies with the same one.
	WebhookSecret string `env:"PAYMENT_SANDBOX_WEBHOOK_SECRET" secret:"true"`
	// PublicURL is the base of the confirm_url handed to payers; empty
	// takes the host each request came to.
	PublicURL string `env:"PAYMENT_SANDBOX_PUBLIC_URL"`

	// The faults, off by default.
	WebhookDelay         time.Duration `env:"WEBHOOK_DELAY"`
	WebhookDuplicateRate float64       `env:"WEBHOOK_DUPLICATE_RATE"`
	WebhookLossRate      float64       `env:"WEBHOOK_LOSS_RATE"`
	FailRate             float64       `env:"FAIL_RATE"`
	LostAnswerRate       float64       `env:"LOST_ANSWER_RATE"`
}

// Validate checks the settings the sandbox cannot run without.
func (c Config) Validate() error {
	if c.WebhookURL != "" && c.WebhookSecret == "" {
		return errors.New("PAYMENT_SANDBOX_WEBHOOK_SECRET must be set when PAYMENT_SANDBOX_WEBHOOK_URL is")
	}
	return nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "payment-sandbox: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error { return serve(ctx, os.Args[1:], nil) }

// serve runs the sandbox with the environment and args until ctx ends. When
// ready is not nil it receives the address the API listens on.
func serve(ctx context.Context, args []string, ready chan<- string) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	fs := flag.NewFlagSet("payment-sandbox", flag.ContinueOnError)
	fs.DurationVar(&cfg.WebhookDelay, "webhook-delay", cfg.WebhookDelay, "hold every webhook back this long (WEBHOOK_DELAY)")
	fs.Float64Var(&cfg.WebhookDuplicateRate, "webhook-duplicate-rate", cfg.WebhookDuplicateRate, "chance 0..1 that an event is delivered twice (WEBHOOK_DUPLICATE_RATE)")
	fs.Float64Var(&cfg.WebhookLossRate, "webhook-loss-rate", cfg.WebhookLossRate, "chance 0..1 that an event is never delivered (WEBHOOK_LOSS_RATE)")
	fs.Float64Var(&cfg.FailRate, "fail-rate", cfg.FailRate, "chance 0..1 that an API call answers 503 (FAIL_RATE)")
	fs.Float64Var(&cfg.LostAnswerRate, "lost-answer-rate", cfg.LostAnswerRate, "chance 0..1 that an API call does its work and answers 503 (LOST_ANSWER_RATE)")
	if err := fs.Parse(args); err != nil {
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

	srv, err := paymentsandbox.New(paymentsandbox.Config{
		APIKey:               cfg.APIKey,
		WebhookURL:           cfg.WebhookURL,
		WebhookSecret:        []byte(cfg.WebhookSecret),
		PublicURL:            cfg.PublicURL,
		WebhookDelay:         cfg.WebhookDelay,
		WebhookDuplicateRate: cfg.WebhookDuplicateRate,
		WebhookLossRate:      cfg.WebhookLossRate,
		FailRate:             cfg.FailRate,
		LostAnswerRate:       cfg.LostAnswerRate,
		Log:                  log,
	})
	if err != nil {
		return err
	}
	defer srv.Close()

	return jsonapi.Serve(ctx, cfg.Addr, srv.Handler(), log, ready)
}
