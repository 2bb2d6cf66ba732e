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
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/logging"
	"github.com/crossdock/crossdock/pkg/memlimit"
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

	// The marketplace's clock, terms, buyers and faults.
	Market partnersim.Settings `envPrefix:"REST_MARKET_SIM_"`
}

// adminAddr is where the back office listens: AdminAddr, or the API's port
// plus 100.
func (c Config) adminAddr() (string, error) {
	if c.AdminAddr != "" {
		return c.AdminAddr, nil
	}
	return jsonapi.AdminAddr(c.Addr, "REST_MARKET_SIM_ADDR")
}

// Validate checks the shares and rates.
func (c Config) Validate() error { return c.Market.Check("REST_MARKET_SIM_") }

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
	cfg.Market.AddFlags(fs, "REST_MARKET_SIM_")
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
	if err := memlimit.Apply(log); err != nil {
		return err
	}

	market := partnersim.NewMarket(cfg.Market.Market())
	api, err := restmarket.New(restmarket.Config{AppKey: cfg.AppKey, AppSecret: cfg.AppSecret, SellerID: cfg.SellerID, Market: market})
	if err != nil {
		return err
	}
	buyers := make(chan struct{})
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer close(buyers)
		market.RunBuyers(ctx, cfg.Market.BuyersPerMinute)
	}()
	err = jsonapi.ServeAll(ctx, log, ready, jsonapi.Listener{Name: "open platform API", Addr: cfg.Addr, Handler: api},
		jsonapi.Listener{Name: "admin API", Addr: adminAddr, Handler: partnersim.AdminHandler(market)})
	cancel()
	<-buyers
	return err
}
