// Command users runs the users service: accounts, roles, tokens, addresses and merchant tiers.
package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/users/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/users/internal/app"
	"github.com/crossdock/crossdock/services/users/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/users/migrations"
)

// Config is the users service's configuration: the kit's settings plus its own.
type Config struct {
	service.Config
	// SigningKeyRotation is how long a token-signing key signs before the
	// next one takes over.
	SigningKeyRotation time.Duration `env:"SIGNING_KEY_ROTATION" envDefault:"720h"`
	// RefreshTokenTTL is the lifetime of each refresh token.
	RefreshTokenTTL time.Duration `env:"REFRESH_TOKEN_TTL" envDefault:"720h"`
	// RefreshReuseGrace is how long after its exchange a refresh token may
	// be exchanged again without ending its session (two tabs refreshing
	// at once).
	RefreshReuseGrace time.Duration `env:"REFRESH_REUSE_GRACE" envDefault:"10s"`
	// PasswordHashes is how many password hashes run at once (each holds
	// 19 MiB); more wait up to 2 s for a slot, then are refused as busy.
	PasswordHashes int `env:"PASSWORD_HASHES" envDefault:"4"`
	// BootstrapAdminEmail and BootstrapAdminPassword create the first admin
	// when no admin exists.
	BootstrapAdminEmail    string `env:"BOOTSTRAP_ADMIN_EMAIL"`
	BootstrapAdminPassword string `env:"BOOTSTRAP_ADMIN_PASSWORD" secret:"true"`
	// BootstrapServiceClients lists service accounts as client_id:secret
	// pairs, comma separated; they are created or updated at start.
	BootstrapServiceClients string `env:"BOOTSTRAP_SERVICE_CLIENTS" secret:"true"`
	// SigningKeyEncryptionKey seals the access-token signing keys at rest:
	// "kid:base64key" entries of 32-byte AES-256 keys, comma separated; the
	// first seals, all open, and keys sealed under another are sealed again
	// under the first at start.
	SigningKeyEncryptionKey string `env:"SIGNING_KEY_ENCRYPTION_KEY" secret:"true"`
}

// Validate checks the users service's own settings.
func (c Config) Validate() error {
	var errs []error
	if c.SigningKeyRotation < time.Hour {
		errs = append(errs, errors.New("SIGNING_KEY_ROTATION must be at least 1h"))
	}
	if c.RefreshTokenTTL < time.Hour {
		errs = append(errs, errors.New("REFRESH_TOKEN_TTL must be at least 1h"))
	}
	if c.RefreshReuseGrace < 0 || c.RefreshReuseGrace > time.Minute {
		errs = append(errs, errors.New("REFRESH_REUSE_GRACE must be between 0 and 1m"))
	}
	if c.PasswordHashes < 1 {
		errs = append(errs, errors.New("PASSWORD_HASHES must be at least 1"))
	}
	if (c.BootstrapAdminEmail == "") != (c.BootstrapAdminPassword == "") {
		errs = append(errs, errors.New("BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD are set together"))
	}
	if _, err := app.ParseServiceClients(c.BootstrapServiceClients); err != nil {
		errs = append(errs, fmt.Errorf("BOOTSTRAP_SERVICE_CLIENTS: %w", err))
	}
	if c.SigningKeyEncryptionKey == "" {
		errs = append(errs, errors.New("SIGNING_KEY_ENCRYPTION_KEY is required: the signing keys are sealed at rest under it (kid:base64 of 32 random bytes, e.g. k1:$(openssl rand -base64 32))"))
	} else if _, err := kek.Parse(c.SigningKeyEncryptionKey); err != nil {
		errs = append(errs, fmt.Errorf("SIGNING_KEY_ENCRYPTION_KEY: %w", err))
	}
	return errors.Join(errs...)
}

// maintenanceInterval is how often expired refresh tokens are pruned and the
// signing key's age is checked.
const maintenanceInterval = 10 * time.Minute

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("users", run(ctx))
}

func run(ctx context.Context) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return err
	}

	// Tokens are verified against the service's own key store, with no
	// network round trip. The runtime needs the key source before it opens
	// the pool the store uses, so the source resolves the use cases once they
	// exist, which is before the first call.
	var svc *app.Service
	rt, err := service.New(ctx, service.Spec{
		Name:          "users",
		Stream:        natsx.AreaStream("users"),
		Migrations:    migrations.FS,
		PublicMethods: grpcapi.PublicMethods,
		KeySource:     func(ctx context.Context) (auth.JWKS, error) { return svc.JWKS(ctx) },
		Settings:      cfg,
	}, cfg.Config)
	if err != nil {
		return err
	}
	keys, err := kek.Parse(cfg.SigningKeyEncryptionKey) // checked by Validate
	if err != nil {
		return fmt.Errorf("SIGNING_KEY_ENCRYPTION_KEY: %w", err)
	}

	appCfg := app.DefaultConfig()
	appCfg.SigningKeyRotation = cfg.SigningKeyRotation
	appCfg.RefreshTokenTTL = cfg.RefreshTokenTTL
	appCfg.RefreshReuseGrace = cfg.RefreshReuseGrace
	appCfg.PasswordHashes = cfg.PasswordHashes
	if svc, err = app.New(postgres.New(rt.Pool, keys), appCfg); err != nil {
		return err
	}
	grpcapi.New(svc).Register(rt.Server.GRPC())

	// Workers start once the database is migrated.
	rt.Go("bootstrap", func(ctx context.Context) error { return bootstrap(ctx, svc, cfg, rt) })
	rt.Go("maintenance", func(ctx context.Context) error { return svc.RunMaintenance(ctx, maintenanceInterval, rt.Log) })
	return rt.Run(ctx)
}

// bootstrap makes sure a signing key, the first admin and the configured
// service accounts exist. Every step is idempotent.
func bootstrap(ctx context.Context, svc *app.Service, cfg Config, rt *service.Runtime) error {
	resealed, err := svc.EnsureSigningKey(ctx)
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	if resealed > 0 {
		rt.Log.Info("signing keys sealed under the current key-encryption key", "count", resealed)
	}
	if cfg.BootstrapAdminEmail != "" {
		created, err := svc.BootstrapAdmin(ctx, cfg.BootstrapAdminEmail, cfg.BootstrapAdminPassword)
		if err != nil {
			return err
		}
		if created {
			rt.Log.Info("bootstrap admin created", "email", cfg.BootstrapAdminEmail)
		}
	}
	clients, _ := app.ParseServiceClients(cfg.BootstrapServiceClients) // checked by Validate
	if err := svc.EnsureServiceClients(ctx, clients); err != nil {
		return err
	}
	if len(clients) > 0 {
		rt.Log.Info("service accounts ensured", "count", len(clients))
	}
	return nil
}
