// Package config fills a service's configuration struct from environment
// variables, so every Crossdock binary reads its settings the same way and
// reports every mistake in one go instead of one per restart.
//
// Fields are described with struct tags:
//
//	type Config struct {
//		DatabaseURL string        `env:"DATABASE_URL" required:"true" secret:"true"`
//		NATSURL     string        `env:"NATS_URL" default:"nats://127.0.0.1:4222"`
//		Retention   time.Duration `env:"OUTBOX_RETENTION" default:"168h"`
//		Origins     []string      `env:"CORS_ALLOWED_ORIGINS"`
//		Server      server.Config // nested: walked recursively
//		Peer        PeerConfig    `envPrefix:"ORDERS_"` // variables named ORDERS_<name>
//	}
//
// Supported field types are string, bool, the integer and float kinds,
// time.Duration, slices of those (comma separated, blanks dropped), and any
// type implementing encoding.TextUnmarshaler. A variable that is set but empty
// counts as unset, because orchestrators often render missing values as empty
// strings. Struct fields without an env tag are walked recursively; an
// envPrefix tag on them is prepended to the names inside.
//
// After filling, Load calls Validate() error on every named nested struct that
// has one (innermost first) and then on the top-level struct, so cross-field
// rules live next to the fields they check. Embedded structs follow Go's method
// promotion: their Validate runs as the parent's unless the parent overrides it.
//
// Redacted and Attrs list the effective configuration for the start-up log
// line with secrets masked: URLs keep everything but their password, other
// secrets print as ***.
package config
