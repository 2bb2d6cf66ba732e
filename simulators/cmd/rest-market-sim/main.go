// Command rest-market-sim runs a REST marketplace (package restmarket over
// a partnersim.Market) as its own process: a partner with an open platform
// of its own, TOP style, which platform-docking's REST connector lists on,
// reads orders from, confirms waybills to and reconciles settlements with
// over HTTP as it would a real one. The marketplace's back office (placing
// orders, looking at its state) is served on a second port. Settings come
// from the environment; the faults may also be given as flags, which win
// (see simulators/README.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/logging"
	"github.com/crossdock/crossdock/simulators/jsonapi"
	"github.com/crossdock/crossdock/simulators/partnersim"
	"github.com/crossdock/crossdock/simulators/restmarket"
)

// Config is the REST marketplace simulator process's configuration.
type Config struct {
	logging.Config
	// Addr is where the open platform's API listens.
	Addr string `env:"REST_MARKET_SIM_ADDR" envDefault:"127.0.0.1:9303"`
	// AdminAddr is where the back office listens; empty is the API's port
	// plus 100.
	AdminAddr string `env:"REST_MARKET_SIM_ADMIN_ADDR"`
	// AppKey and AppSecret are the credentials the platform issued to
	// Crossdock, registered with the partner in docking.
	AppKey    string `env:"REST_MARKET_SIM_APP_KEY,required"`
	AppSecret string `env:"REST_MARKET_SIM_APP_SECRET,required" secret:"true"`
	// SellerID is Crossdock's seller account on the platform.
	SellerID string `env:"REST_MARKET_SIM_SELLER_ID" envDefault:"crossdock"`

	// The marketplace.
	VisibilityLag   time.Duration `env:"REST_MARKET_SIM_VISIBILITY_LAG" envDefault:"2s"`
	ReviewDelay     time.Duration `env:"REST_MARKET_SIM_REVIEW_DELAY" envDefault:"5s"`
	SettlementDelay time.Duration `env:"REST_MARKET_SIM_SETTLEMENT_DELAY" envDefault:"30s"`
	FeeBps          int           `env:"REST_MARKET_SIM_FEE_BPS" envDefault:"1200"`
	FixedFeeMinor   int64         `env:"REST_MARKET_SIM_FIXED_FEE_MINOR" envDefault:"30"`
	Seed            int64         `env:"REST_MARKET_SIM_SEED"`
	BuyersPerMinute float64       `env:"REST_MARKET_SIM_BUYERS_PER_MINUTE"`

	// The faults, off by default: shares from 0 to 1.
	RateLimit             float64       `env:"REST_MARKET_SIM_RATE_LIMIT"`
	RetryAfter            time.Duration `env:"REST_MARKET_SIM_RETRY_AFTER" envDefault:"1s"`
	ServerError           float64       `env:"REST_MARKET_SIM_SERVER_ERROR"`
	Timeout               float64       `env:"REST_MARKET_SIM_TIMEOUT"`
	TimeoutDelay          time.Duration `env:"REST_MARKET_SIM_TIMEOUT_DELAY" envDefault:"30s"`
	ExtraLag              time.Duration `env:"REST_MARKET_SIM_EXTRA_LAG"`
	ExtraLagShare         float64       `env:"REST_MARKET_SIM_EXTRA_LAG_SHARE"`
	PageShift             float64       `env:"REST_MARKET_SIM_PAGE_SHIFT"`
	RejectListings        float64       `env:"REST_MARKET_SIM_REJECT_LISTINGS"`
	SettlementDelayJitter time.Duration `env:"REST_MARKET_SIM_SETTLEMENT_JITTER"`
	UnknownStatus         float64       `env:"REST_MARKET_SIM_UNKNOWN_STATUS"`
}

// market is the marketplace the settings describe.
func (c Config) market() partnersim.MarketConfig {
	return partnersim.MarketConfig{
		VisibilityLag: c.VisibilityLag, ReviewDelay: c.ReviewDelay, SettlementDelay: c.SettlementDelay,
		FeeBps: c.FeeBps, FixedFeeMinor: c.FixedFeeMinor, Seed: c.Seed,
		Faults: partnersim.Faults{
			RateLimit: c.RateLimit, RetryAfter: c.RetryAfter, ServerError: c.ServerError,
			Timeout: c.Timeout, TimeoutDelay: c.TimeoutDelay, ExtraLag: c.ExtraLag, ExtraLagShare: c.ExtraLagShare,
			PageShift: c.PageShift, RejectListings: c.RejectListings, SettlementDelayJitter: c.SettlementDelayJitter,
			UnknownStatus: c.UnknownStatus,
		},
	}
}

// adminAddr is where the back office listens: AdminAddr, or the API's port
// plus 100.
func (c Config) adminAddr() (string, error) {
	if c.AdminAddr != "" {
		return c.AdminAddr, nil
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return "", fmt.Errorf("REST_MARKET_SIM_ADDR: %w", err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return "", fmt.Errorf("REST_MARKET_SIM_ADDR: port %q is not a number", port)
	}
	if n != 0 {
		n += 100
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}

// Validate checks the shares and rates; errors never quote the secret.
func (c Config) Validate() error {
	var errs []error
	for name, p := range map[string]float64{"REST_MARKET_SIM_RATE_LIMIT": c.RateLimit, "REST_MARKET_SIM_SERVER_ERROR": c.ServerError,
		"REST_MARKET_SIM_TIMEOUT": c.Timeout, "REST_MARKET_SIM_EXTRA_LAG_SHARE": c.ExtraLagShare,
		"REST_MARKET_SIM_PAGE_SHIFT": c.PageShift, "REST_MARKET_SIM_REJECT_LISTINGS": c.RejectListings,
		"REST_MARKET_SIM_UNKNOWN_STATUS": c.UnknownStatus} {
		if p < 0 || p > 1 {
			errs = append(errs, fmt.Errorf("%s must be between 0 and 1", name))
		}
	}
	if c.BuyersPerMinute < 0 {
		errs = append(errs, errors.New("REST_MARKET_SIM_BUYERS_PER_MINUTE must not be negative"))
	}
	return errors.Join(errs...)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "rest-market-sim: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error { return serve(ctx, os.Args[1:], nil) }

// flags lets the faults be given on the command line, over the
// environment.
func flags(cfg *Config) *flag.FlagSet {
	fs := flag.NewFlagSet("rest-market-sim", flag.ContinueOnError)
	fs.Float64Var(&cfg.RateLimit, "rate-limit", cfg.RateLimit, "share of calls answered 429 (REST_MARKET_SIM_RATE_LIMIT)")
	fs.DurationVar(&cfg.RetryAfter, "retry-after", cfg.RetryAfter, "Retry-After of a 429 (REST_MARKET_SIM_RETRY_AFTER)")
	fs.Float64Var(&cfg.ServerError, "server-error", cfg.ServerError, "share of calls answered 503 (REST_MARKET_SIM_SERVER_ERROR)")
	fs.Float64Var(&cfg.Timeout, "timeout", cfg.Timeout, "share of calls that hang after their work (REST_MARKET_SIM_TIMEOUT)")
	fs.DurationVar(&cfg.TimeoutDelay, "timeout-delay", cfg.TimeoutDelay, "how long such a call hangs (REST_MARKET_SIM_TIMEOUT_DELAY)")
	fs.DurationVar(&cfg.ExtraLag, "extra-lag", cfg.ExtraLag, "undocumented extra visibility lag (REST_MARKET_SIM_EXTRA_LAG)")
	fs.Float64Var(&cfg.ExtraLagShare, "extra-lag-share", cfg.ExtraLagShare, "share of orders with the extra lag (REST_MARKET_SIM_EXTRA_LAG_SHARE)")
	fs.Float64Var(&cfg.PageShift, "page-shift", cfg.PageShift, "chance a later trades page shifts (REST_MARKET_SIM_PAGE_SHIFT)")
	fs.Float64Var(&cfg.RejectListings, "reject-listings", cfg.RejectListings, "share of listings rejected (REST_MARKET_SIM_REJECT_LISTINGS)")
	fs.DurationVar(&cfg.SettlementDelayJitter, "settlement-jitter", cfg.SettlementDelayJitter, "bills up to this much later (REST_MARKET_SIM_SETTLEMENT_JITTER)")
	fs.Float64Var(&cfg.UnknownStatus, "unknown-status", cfg.UnknownStatus, "share of trades first listed with status 77 (REST_MARKET_SIM_UNKNOWN_STATUS)")
	fs.Float64Var(&cfg.BuyersPerMinute, "buyers-per-minute", cfg.BuyersPerMinute, "orders background buyers place a minute (REST_MARKET_SIM_BUYERS_PER_MINUTE)")
	return fs
}

// serve runs the simulator with the environment and args until ctx ends.
// When ready is not nil it receives the address the API listens on, then
// the back office's.
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

	market := partnersim.NewMarket(cfg.market())
	api, err := restmarket.New(restmarket.Config{AppKey: cfg.AppKey, AppSecret: cfg.AppSecret, SellerID: cfg.SellerID, Market: market})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	apiReady, adminReady := make(chan string, 1), make(chan string, 1)
	apiDone, adminDone := make(chan error, 1), make(chan error, 1)
	go func() { apiDone <- jsonapi.Serve(ctx, cfg.Addr, api, log.With("api", "open platform"), apiReady) }()
	go func() {
		adminDone <- jsonapi.Serve(ctx, adminAddr, partnersim.AdminHandler(market), log.With("api", "admin"), adminReady)
	}()
	var addrs [2]string
	for i, c := range []chan string{apiReady, adminReady} {
		select {
		case addrs[i] = <-c:
		case err := <-apiDone:
			cancel()
			<-adminDone
			return fmt.Errorf("API: %w", err)
		case err := <-adminDone:
			cancel()
			<-apiDone
			return fmt.Errorf("admin API: %w", err)
		}
	}
	if ready != nil {
		ready <- addrs[0]
		ready <- addrs[1]
	}
	buyers := make(chan struct{})
	go func() {
		defer close(buyers)
		market.RunBuyers(ctx, cfg.BuyersPerMinute)
	}()
	select {
	case err = <-apiDone:
		cancel()
		err = errors.Join(err, <-adminDone)
	case err = <-adminDone:
		cancel()
		err = errors.Join(err, <-apiDone)
	case <-ctx.Done():
		err = errors.Join(<-apiDone, <-adminDone)
	}
	<-buyers
	return err
}
