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
	"os"
	"os/signal"
	"syscall"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/logging"
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

	// The faults, off by default.
	WrongKey bool `env:"PARTNER_SIM_WRONG_KEY"`
	Refuse   bool `env:"PARTNER_SIM_REFUSE"`
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
// When ready is not nil it receives the address the server listens on.
func serve(ctx context.Context, args []string, ready chan<- string) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	fs := flag.NewFlagSet("partner-sim", flag.ContinueOnError)
	fs.BoolVar(&cfg.WrongKey, "wrong-key", cfg.WrongKey, "prove handshakes with a key Crossdock does not know (PARTNER_SIM_WRONG_KEY)")
	fs.BoolVar(&cfg.Refuse, "refuse", cfg.Refuse, "answer every handshake PERMISSION_DENIED (PARTNER_SIM_REFUSE)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := logging.FromConfig(cfg.Config, os.Stderr)
	if err != nil {
		return err
	}
	config.Log(log, cfg)

	key, _ := auth.ParseRequestPrivateKey(cfg.Key)               // checked by Validate
	crossdock, _ := auth.ParseRequestPublicKey(cfg.CrossdockKey) // checked by Validate
	srv, err := partnersim.New(partnersim.Config{
		Code:              cfg.Code,
		Key:               key,
		CrossdockClientID: cfg.CrossdockClientID,
		CrossdockKey:      crossdock,
		WrongKey:          cfg.WrongKey,
		Refuse:            cfg.Refuse,
	})
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("partner simulator listening", "addr", l.Addr().String(), "code", cfg.Code,
		"public_key", publicKey(key), "wrong_key", cfg.WrongKey, "refuse", cfg.Refuse)
	if ready != nil {
		ready <- l.Addr().String()
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		srv.GracefulStop()
		<-done
		return nil
	}
}

// publicKey is the base64 of the partner's public key, logged so an
// operator can register it with the partner's API client.
func publicKey(key ed25519.PrivateKey) string {
	return base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
}
