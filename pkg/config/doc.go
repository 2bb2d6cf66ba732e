// Package config fills a service's configuration struct from environment
// variables, so every Crossdock binary reads its settings the same way,
// reports every mistake in one go instead of one per restart, and logs what
// it runs with in one line, secrets masked.
//
// Parsing is github.com/caarlos0/env/v11's, with its struct tags; secret is
// this package's own tag, read when logging and when reporting errors:
//
//	type Config struct {
//		DatabaseURL string        `env:"DATABASE_URL,required" secret:"true"`
//		NATSURL     string        `env:"NATS_URL" envDefault:"nats://127.0.0.1:4222"`
//		Retention   time.Duration `env:"OUTBOX_RETENTION" envDefault:"168h"`
//		Origins     []string      `env:"CORS_ALLOWED_ORIGINS"`
//		Server      server.Config // nested: walked recursively
//		Peer        PeerConfig    `envPrefix:"ORDERS_"` // variables named ORDERS_<name>
//	}
//
// On top of the library, Load treats a variable that is set but empty as
// unset (orchestrators often render missing values as empty strings), drops
// blanks from comma-separated lists, names the variable in every error
// without echoing a secret, and then calls Validate() error on every named
// nested struct that has one (innermost first) and on the top-level struct, so
// cross-field rules live next to the fields they check. Embedded structs
// follow Go's method promotion: their Validate runs as the parent's unless the
// parent overrides it.
//
// Log, LogValue, Attrs and Redacted list the effective configuration with
// secrets masked: URLs keep everything but their password, other secrets print
// as ***.
package config
