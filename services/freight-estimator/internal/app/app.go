// Package app holds the freight estimator's use cases: the estimate, the
// history's ingestion (events and imports), and the versioned settings. Each
// method checks who may call it, validates its input before writing anything,
// and runs its writes and events in one transaction. Callers are identified by
// the auth.Caller the gRPC edge verified.
package app

import (
	"errors"
	"sync"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/history"
)

// Service runs the use cases against a Store.
type Service struct {
	store   Store
	base    string
	history *history.Cache
	catalog Catalog
	rates   Rates
	now     func() time.Time
	// historyLimit bounds the records held in memory (0: no bound).
	historyLimit int
	// checked is closed once EnsureDefaults found the pinned base currency
	// the configured one (baseChecked).
	checked     chan struct{}
	checkedOnce sync.Once
}

// Option changes a Service's defaults.
type Option func(*Service)

// WithClock sets the clock, for tests of windows and effective times.
func WithClock(now func() time.Time) Option {
	return func(s *Service) { s.now = now }
}

// WithCatalog sets where SKU lines are looked up; without it an estimate by
// SKU lines is Unavailable.
func WithCatalog(c Catalog) Option {
	return func(s *Service) { s.catalog = c }
}

// WithHistoryLimit bounds the shipment records held in memory across routes;
// past it the least recently estimated routes are dropped and reloaded from
// the database when next asked for. Zero (the default) keeps every route.
func WithHistoryLimit(records int) Option {
	return func(s *Service) { s.historyLimit = records }
}

// WithRates sets where exchange rates come from; without it only base-currency
// amounts are accepted.
func WithRates(r Rates) Option {
	return func(s *Service) { s.rates = r }
}

// New returns the use cases over store, with history stored in base.
func New(store Store, base string, opts ...Option) (*Service, error) {
	if !money.ValidCurrency(base) {
		return nil, errors.New("base currency must be an ISO 4217 code such as USD")
	}
	s := &Service{store: store, base: base, now: time.Now, checked: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	s.history = history.NewCache(store, s.historyLimit)
	return s, nil
}

// BaseCurrency is the currency estimates are made in.
func (s *Service) BaseCurrency() string { return s.base }

// History is the in-memory index, for diagnostics.
func (s *Service) History() *history.Cache { return s.history }

// clock returns the current time at microsecond precision, which is what
// PostgreSQL stores, so values read back compare equal to values written.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
