// Package app holds the finance service's use cases. Each method checks who
// may call it and validates its input before writing anything. Callers are
// identified by the auth.Caller the gRPC edge verified.
package app

import (
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
)

// Service runs the use cases against a Store.
type Service struct {
	store Store
	now   func() time.Time
	fx    fx.Policy
	newID func() string
}

// Option changes a Service's defaults.
type Option func(*Service)

// WithClock sets the clock, for tests of effective times.
func WithClock(now func() time.Time) Option {
	return func(s *Service) { s.now = now }
}

// New returns the use cases over store.
func New(store Store, opts ...Option) *Service {
	s := &Service{store: store, now: time.Now, fx: fx.DefaultPolicy(), newID: func() string { return uuid.NewString() }}
	for _, o := range opts {
		o(s)
	}
	return s
}

// clock returns the current time at microsecond precision, which is what
// PostgreSQL stores, so values read back compare equal to values written.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
