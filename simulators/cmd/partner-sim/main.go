// Command partner-sim runs the partner simulator (package partnersim) as its
// own process, as `crossdock up` and the dev overlay start it: a partner
// marketplace serving the standard partner protocol
// (crossdock.partner.v1.MarketplaceService) over gRPC, which
// platform-docking verifies with a handshake exactly as it would a real
// partner. Settings come from the environment; the fault settings may also be
// given as flags, which win (see simulators/README.md).
package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/logging"
	"github.com/crossdock/crossdock/pkg/memlimit"
	"github.com/crossdock/crossdock/simulators/jsonapi"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

// Config is the partner simulator process's configuration.
type Config struct {
	logging.Config
	// Addr is where the gRPC server listens.
	Addr string `env:"PARTNER_SIM_ADDR" envDefault:"127.0.0.1:9302"`
	// Code is the partner's code in Crossdock's registry.
	Code string `env:"PARTNER_SIM_CODE,required"`
	// Key is the private key of the partner's Crossdock API client (base64
	// of its 32-byte Ed25519 seed, or PKCS#8 PEM): it signs handshake proofs.
	Key string `env:"PARTNER_SIM_KEY,required" secret:"true"`
	// CrossdockClientID and CrossdockKey are who may call: the client id
	// platform-docking signs as (DOCKING_CLIENT_ID) and the public half of
	// its DOCKING_SIGNING_KEY (base64 of 32 bytes, or PKIX PEM).
	CrossdockClientID string `env:"PARTNER_SIM_CROSSDOCK_CLIENT_ID" envDefault:"crossdock"`
	CrossdockKey      string `env:"PARTNER_SIM_CROSSDOCK_KEY,required"`

	// WebhookAddr is Crossdock's PartnerService (platform-docking's gRPC
	// address): every order change is notified there, signed as ClientID
	// with Key. Empty sends no webhooks.
	WebhookAddr string `env:"PARTNER_SIM_WEBHOOK_ADDR"`
	// ClientID is the partner's own Crossdock API client id, whose key is
	// Key. Empty: learned from Crossdock's verification handshake, which
	// names it (webhooks before that are dropped).
	ClientID string `env:"PARTNER_SIM_CLIENT_ID"`

	// AdminAddr is where the admin HTTP API listens; empty is the gRPC
	// port plus 100 on the same host (port 0 stays 0).
	AdminAddr string `env:"PARTNER_SIM_ADMIN_ADDR"`

	// The marketplace's clock, terms, buyers and faults.
	Market partnersim.Settings `envPrefix:"PARTNER_SIM_"`
	// The handshake's and the webhooks' faults.
	WrongKey          bool    `env:"PARTNER_SIM_WRONG_KEY"`
	Refuse            bool    `env:"PARTNER_SIM_REFUSE"`
	DuplicateWebhooks float64 `env:"PARTNER_SIM_DUPLICATE_WEBHOOKS"`
	ReorderWebhooks   float64 `env:"PARTNER_SIM_REORDER_WEBHOOKS"`
}

// market is the marketplace the settings describe, with its webhooks'
// faults.
func (c Config) market() partnersim.MarketConfig {
	m := c.Market.Market()
	m.Faults.DuplicateWebhooks, m.Faults.ReorderWebhooks = c.DuplicateWebhooks, c.ReorderWebhooks
	return m
}

// adminAddr is where the admin API listens: AdminAddr, or the gRPC port
// plus 100.
func (c Config) adminAddr() (string, error) {
	if c.AdminAddr != "" {
		return c.AdminAddr, nil
	}
	return jsonapi.AdminAddr(c.Addr, "PARTNER_SIM_ADDR")
}

// Validate checks the keys; errors never quote one.
func (c Config) Validate() error {
	var errs []error
	if _, err := auth.ParseRequestPrivateKey(c.Key); err != nil {
		errs = append(errs, errors.New("PARTNER_SIM_KEY must be the base64 of a 32-byte Ed25519 seed, or PKCS#8 PEM"))
	}
	if _, err := auth.ParseRequestPublicKey(c.CrossdockKey); err != nil {
		errs = append(errs, errors.New("PARTNER_SIM_CROSSDOCK_KEY must be the base64 of a 32-byte Ed25519 public key, or PKIX PEM"))
	}
	if c.CrossdockClientID == "" {
		errs = append(errs, errors.New("PARTNER_SIM_CROSSDOCK_CLIENT_ID must not be empty"))
	}
	errs = append(errs, c.Market.Check("PARTNER_SIM_"))
	for name, p := range map[string]float64{"PARTNER_SIM_DUPLICATE_WEBHOOKS": c.DuplicateWebhooks, "PARTNER_SIM_REORDER_WEBHOOKS": c.ReorderWebhooks} {
		if p < 0 || p > 1 {
			errs = append(errs, fmt.Errorf("%s must be between 0 and 1", name))
		}
	}
	return errors.Join(errs...)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "partner-sim: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error { return serve(ctx, os.Args[1:], nil) }

// serve runs the simulator with the environment and args until ctx ends.
// When ready is not nil it receives the address the gRPC server listens on,
// then the admin API's.
func serve(ctx context.Context, args []string, ready chan<- string) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	fs := flag.NewFlagSet("partner-sim", flag.ContinueOnError)
	fs.BoolVar(&cfg.WrongKey, "wrong-key", cfg.WrongKey, "prove handshakes with a key Crossdock does not know (PARTNER_SIM_WRONG_KEY)")
	fs.BoolVar(&cfg.Refuse, "refuse", cfg.Refuse, "answer every handshake PERMISSION_DENIED (PARTNER_SIM_REFUSE)")
	cfg.Market.AddFlags(fs, "PARTNER_SIM_")
	fs.Float64Var(&cfg.DuplicateWebhooks, "duplicate-webhooks", cfg.DuplicateWebhooks, "share of order webhooks sent twice (PARTNER_SIM_DUPLICATE_WEBHOOKS)")
	fs.Float64Var(&cfg.ReorderWebhooks, "reorder-webhooks", cfg.ReorderWebhooks, "share of order webhooks sent after later ones (PARTNER_SIM_REORDER_WEBHOOKS)")
	if err := fs.Parse(args); err != nil {
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

	key, _ := auth.ParseRequestPrivateKey(cfg.Key)               // checked by Validate
	crossdock, _ := auth.ParseRequestPublicKey(cfg.CrossdockKey) // checked by Validate
	market := partnersim.NewMarket(cfg.market())
	srv, err := partnersim.New(partnersim.Config{
		Market:            market,
		Code:              cfg.Code,
		Key:               key,
		CrossdockClientID: cfg.CrossdockClientID,
		CrossdockKey:      crossdock,
		WrongKey:          cfg.WrongKey,
		Refuse:            cfg.Refuse,
		WebhookAddr:       cfg.WebhookAddr,
		ClientID:          cfg.ClientID,
		Log:               log.With("webhooks", cfg.WebhookAddr),
	})
	if err != nil {
		return err
	}
	// Whatever ends the run, the webhook sender stops with the server.
	defer srv.Stop()
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("partner simulator listening", "addr", l.Addr().String(), "code", cfg.Code,
		"public_key", publicKey(key), "wrong_key", cfg.WrongKey, "refuse", cfg.Refuse, "webhooks", cfg.WebhookAddr)
	adminReady := make(chan string, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	admin := make(chan error, 1)
	go func() {
		admin <- jsonapi.Serve(ctx, adminAddr, partnersim.AdminHandler(market), log.With("api", "admin"), adminReady)
	}()
	var adminListening string
	select {
	case adminListening = <-adminReady:
	case err := <-admin:
		l.Close()
		return fmt.Errorf("admin API: %w", err)
	}
	if ready != nil {
		ready <- l.Addr().String()
		ready <- adminListening
	}
	buyers := make(chan struct{})
	go func() {
		defer close(buyers)
		market.RunBuyers(ctx, cfg.Market.BuyersPerMinute)
	}()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	// The admin API's result is read once: when it ended first (or at the
	// same time as ctx, which select may pick), it is not read again.
	var adminErr error
	adminEnded := false
	select {
	case err = <-done:
		cancel()
	case adminErr = <-admin:
		adminEnded = true
		srv.GracefulStop()
		<-done
	case <-ctx.Done():
		srv.GracefulStop()
		<-done
	}
	cancel()
	<-buyers
	if !adminEnded {
		adminErr = <-admin
	}
	if err == nil && adminErr != nil && !errors.Is(adminErr, http.ErrServerClosed) {
		err = adminErr
	}
	return err
}

// publicKey is the base64 of the partner's public key, logged so an
// operator can register it with the partner's API client.
func publicKey(key ed25519.PrivateKey) string {
	return base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
}
