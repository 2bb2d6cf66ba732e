// Package app holds the logistics service's use cases: carriers and methods,
// shipments booked with carriers, tracking events applied once each, freight
// legs paid from escrow and completion. Each command checks who may call it,
// validates its input before writing anything, and runs its writes and
// events in one transaction; calls to carriers, finance and inventory happen
// outside transactions and are repeated by workers until they take.
package app

import (
	"time"

	"github.com/crossdock/crossdock/pkg/groupcommit"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// Config holds the service's settings.
type Config struct {
	// Environment names the carrier endpoint used ("sandbox", "production").
	Environment string
	// BaseCurrency is the platform currency the freight estimator learns in.
	BaseCurrency string
	// TimeScale divides journey durations in ETAs: 1 for real carriers, the
	// simulator's setting for a simulated one running faster than real time.
	TimeScale float64
	// OverdueSlack is how far ahead a late parcel's ETA is shown.
	OverdueSlack time.Duration
	// WebhookTolerance is how old a webhook's signed timestamp may be.
	WebhookTolerance time.Duration
	// ConsolidationWindow is how long (in journey time, divided by
	// TimeScale like the rest) parcels wait at the central warehouse for
	// others of the same buyer to the same address before going on together.
	ConsolidationWindow time.Duration
	// FreightGrace is how long after delivery a parcel's completion waits
	// for its last-mile charge (domain.Shipment.FreightPending).
	FreightGrace time.Duration
}

// DefaultConfig returns the production settings.
func DefaultConfig() Config {
	return Config{Environment: "sandbox", BaseCurrency: "USD", TimeScale: 1, OverdueSlack: 12 * time.Hour, WebhookTolerance: 5 * time.Minute,
		ConsolidationWindow: 6 * time.Hour, FreightGrace: 2 * time.Minute}
}

// Service runs the use cases against a Store and the parties it calls.
type Service struct {
	store     Store
	carriers  CarrierAPI
	finance   Finance
	inventory Inventory
	cfg       Config
	now       func() time.Time
	// events batches concurrent tracking events into shared transactions.
	events *groupcommit.Queue[eventItem, bool]
	// methods caches shipping methods for applying events.
	methods *methodCache
}

// Option changes a Service's defaults.
type Option func(*Service)

// WithClock sets the clock.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns the use cases.
func New(store Store, carriers CarrierAPI, finance Finance, inventory Inventory, cfg Config, opts ...Option) *Service {
	def := DefaultConfig()
	if cfg.Environment == "" {
		cfg.Environment = def.Environment
	}
	if cfg.BaseCurrency == "" {
		cfg.BaseCurrency = def.BaseCurrency
	}
	if cfg.TimeScale < 1 {
		cfg.TimeScale = 1
	}
	if cfg.OverdueSlack <= 0 {
		cfg.OverdueSlack = def.OverdueSlack
	}
	if cfg.WebhookTolerance <= 0 {
		cfg.WebhookTolerance = def.WebhookTolerance
	}
	if cfg.ConsolidationWindow < 0 {
		cfg.ConsolidationWindow = def.ConsolidationWindow
	}
	if cfg.FreightGrace <= 0 {
		cfg.FreightGrace = def.FreightGrace
	}
	s := &Service{store: store, carriers: carriers, finance: finance, inventory: inventory, cfg: cfg, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	s.events = groupcommit.New(s.flushEvents, groupcommit.Options{MaxBatch: 128, Concurrency: 2})
	s.methods = newMethodCache(store, methodCacheTTL, s.now)
	return s
}

// clock returns the current time at microsecond precision, which is what
// PostgreSQL stores.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// timing is how journey durations become times for this service.
func (s *Service) timing() domain.Timing {
	return domain.Timing{TimeScale: s.cfg.TimeScale, Consolidation: s.cfg.ConsolidationWindow}
}
