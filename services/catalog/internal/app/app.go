// Package app holds the catalog's use cases: one method per command or query
// of the contract, each checking who may call it, validating its input before
// writing anything, and running its writes and events in one transaction.
// Callers are identified by the auth.Caller the gRPC edge verified; the
// methods never trust a client-supplied identity.
package app

import (
	"log/slog"
	"time"
)

// Config holds the catalog's settings.
type Config struct {
	// PurgeAfter is how long a product stays in the bin before it is
	// deleted for good.
	PurgeAfter time.Duration
}

// DefaultConfig returns the production settings.
func DefaultConfig() Config {
	return Config{PurgeAfter: 720 * time.Hour}
}

// Service runs the use cases against a Store.
type Service struct {
	store Store
	stock Availability
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
}

// Option changes a Service's defaults.
type Option func(*Service)

// WithClock sets the clock, for tests of the bin's retention.
func WithClock(now func() time.Time) Option {
	return func(s *Service) { s.now = now }
}

// WithAvailability sets where listings get their stock figures from;
// without it every SKU shows 0 available.
func WithAvailability(a Availability) Option {
	return func(s *Service) { s.stock = a }
}

// WithLogger sets the logger for warnings that do not fail a request.
func WithLogger(log *slog.Logger) Option {
	return func(s *Service) { s.log = log }
}

// New returns the use cases over store with cfg.
func New(store Store, cfg Config, opts ...Option) *Service {
	s := &Service{store: store, cfg: cfg, now: time.Now, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// clock returns the current time at microsecond precision, which is what
// PostgreSQL stores, so values read back compare equal to values written.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
