// Command supply-sim runs a third-party supply platform (package
// supplysim) as its own process: a wholesale platform whose catalogue and
// stock platform-docking imports as a supplier's, and with which it places
// purchase orders for our sub-orders under per-merchant accounts, over
// JSON/HTTP with a bearer API key per account. The back office (seeding
// products, shipping orders, seeing which account placed each) is served
// on a second port. Settings come from the environment; the faults may
// also be given as flags, which win (see simulators/README.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/logging"
	"github.com/crossdock/crossdock/pkg/memlimit"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/simulators/jsonapi"
	"github.com/crossdock/crossdock/simulators/supplysim"
)

// Config is the supply platform simulator's configuration.
type Config struct {
	logging.Config
	// Addr is where the platform's API listens.
	Addr string `env:"SUPPLY_SIM_ADDR" envDefault:"127.0.0.1:9304"`
	// AdminAddr is where the back office listens; empty is the API's port
	// plus 100.
	AdminAddr string `env:"SUPPLY_SIM_ADMIN_ADDR"`
	// Accounts are the buyer accounts and their API keys,
	// "account:key,account:key", registered with the platform in docking.
	Accounts string `env:"SUPPLY_SIM_ACCOUNTS,required" secret:"true"`
	// Currency of every price.
	Currency string `env:"SUPPLY_SIM_CURRENCY" envDefault:"CNY"`
	// ShipAfter ships an order this long after it was placed (0: only
	// through the back office).
	ShipAfter time.Duration `env:"SUPPLY_SIM_SHIP_AFTER" envDefault:"1m"`
	// Demo seeds a small catalogue at start.
	Demo bool   `env:"SUPPLY_SIM_DEMO" envDefault:"true"`
	Seed uint64 `env:"SUPPLY_SIM_SEED"`

	// The faults, off by default: shares from 0 to 1.
	ServerError float64       `env:"SUPPLY_SIM_SERVER_ERROR"`
	RateLimit   float64       `env:"SUPPLY_SIM_RATE_LIMIT"`
	RetryAfter  time.Duration `env:"SUPPLY_SIM_RETRY_AFTER" envDefault:"1s"`
	LostAnswer  float64       `env:"SUPPLY_SIM_LOST_ANSWER"`
}

// accounts parses Accounts.
func (c Config) accounts() (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(c.Accounts, ",") {
		id, key, ok := strings.Cut(strings.TrimSpace(pair), ":")
		if !ok || id == "" || key == "" {
			return nil, errors.New("SUPPLY_SIM_ACCOUNTS must be account:key pairs separated by commas")
		}
		out[id] = key
	}
	return out, nil
}

// adminAddr is where the back office listens: AdminAddr, or the API's port
// plus 100.
func (c Config) adminAddr() (string, error) {
	if c.AdminAddr != "" {
		return c.AdminAddr, nil
	}
	return jsonapi.AdminAddr(c.Addr, "SUPPLY_SIM_ADDR")
}

// Validate checks the shares and the accounts; errors never quote a key.
func (c Config) Validate() error {
	var errs []error
	for name, p := range map[string]float64{"SUPPLY_SIM_SERVER_ERROR": c.ServerError, "SUPPLY_SIM_RATE_LIMIT": c.RateLimit,
		"SUPPLY_SIM_LOST_ANSWER": c.LostAnswer} {
		if p < 0 || p > 1 {
			errs = append(errs, fmt.Errorf("%s must be between 0 and 1", name))
		}
	}
	if _, err := c.accounts(); err != nil {
		errs = append(errs, err)
	}
	if places, err := money.Exponent(c.Currency); err != nil {
		errs = append(errs, fmt.Errorf("SUPPLY_SIM_CURRENCY: %w", err))
	} else if c.Demo && places != 2 {
		errs = append(errs, fmt.Errorf("the demo catalogue is priced with 2 decimals; SUPPLY_SIM_CURRENCY %s has %d (set SUPPLY_SIM_DEMO=false)", c.Currency, places))
	}
	return errors.Join(errs...)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, os.Args[1:], nil); err != nil {
		fmt.Fprintf(os.Stderr, "supply-sim: %v\n", err)
		os.Exit(1)
	}
}

func flags(cfg *Config) *flag.FlagSet {
	fs := flag.NewFlagSet("supply-sim", flag.ContinueOnError)
	fs.Float64Var(&cfg.ServerError, "server-error", cfg.ServerError, "share of calls answered 503 (SUPPLY_SIM_SERVER_ERROR)")
	fs.Float64Var(&cfg.RateLimit, "rate-limit", cfg.RateLimit, "share of calls answered 429 (SUPPLY_SIM_RATE_LIMIT)")
	fs.DurationVar(&cfg.RetryAfter, "retry-after", cfg.RetryAfter, "Retry-After of a 429 (SUPPLY_SIM_RETRY_AFTER)")
	fs.Float64Var(&cfg.LostAnswer, "lost-answer", cfg.LostAnswer, "share of calls that work but answer 503 (SUPPLY_SIM_LOST_ANSWER)")
	fs.DurationVar(&cfg.ShipAfter, "ship-after", cfg.ShipAfter, "orders ship this long after placing (SUPPLY_SIM_SHIP_AFTER)")
	return fs
}

// serve runs the simulator until ctx ends; ready, when not nil, receives
// the API's address, then the back office's.
func serve(ctx context.Context, args []string, ready chan<- string) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	if err := flags(&cfg).Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	adminAddr, err := cfg.adminAddr()
	if err != nil {
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
	accounts, _ := cfg.accounts() // checked by Validate
	p := supplysim.New(supplysim.Config{Accounts: accounts, Currency: cfg.Currency, ShipAfter: cfg.ShipAfter, Seed: cfg.Seed,
		Faults: supplysim.Faults{ServerError: cfg.ServerError, RateLimit: cfg.RateLimit, RetryAfter: cfg.RetryAfter, LostAnswer: cfg.LostAnswer}})
	if cfg.Demo {
		if err := supplysim.SeedDemo(p); err != nil {
			return err
		}
	}
	return jsonapi.ServeAll(ctx, log, ready, jsonapi.Listener{Name: "supply platform API", Addr: cfg.Addr, Handler: p.API()},
		jsonapi.Listener{Name: "admin API", Addr: adminAddr, Handler: p.Admin()})
}
