package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/history"
)

// Store is the freight database. Reads may run on it directly; every command
// runs in one transaction through InTx, and its events commit with it. It also
// loads routes' history for the in-memory index.
type Store interface {
	Repository
	history.Loader
	// InTx runs fn in a transaction and commits it when fn returns nil.
	InTx(ctx context.Context, fn func(Repository) error) error
}

// Source says where a history record came from.
type Source string

// The sources of history.
const (
	SourceEvent  Source = "event"
	SourceImport Source = "import"
)

// Rejection is a record refused as bad data.
type Rejection struct {
	ShipmentID string
	Reason     string
}

// EstimateContext is what an estimate reads from the database at its time, in
// one round trip.
type EstimateContext struct {
	// Config is the configuration in force.
	Config domain.Config
	// RouteID and RouteSeq identify the route's history and how far it goes;
	// both are 0 when the route has none.
	RouteID, RouteSeq int64
	// Override is the route's multiplier override in force, if any (its
	// Multiplier is nil when the latest change removed it).
	Override *domain.RouteMultiplier
}

// Repository reads and writes the service's data. Methods that return one
// object give an apperr NotFound error when it does not exist.
type Repository interface {
	// Emit adds an event to the outbox; it fails outside a transaction.
	Emit(ctx context.Context, subject string, event proto.Message) error

	// BaseCurrency returns the currency the history is stored in, or ""
	// before the first start.
	BaseCurrency(ctx context.Context) (string, error)
	// PinBaseCurrency records the base currency once.
	PinBaseCurrency(ctx context.Context, code string) error

	// EstimateContext reads the configuration in force at at, the route's
	// history position and its multiplier override.
	EstimateContext(ctx context.Context, route domain.Route, at time.Time) (EstimateContext, error)

	// LockSettings serialises changes of the configuration, the multipliers
	// and the rate card until the transaction ends.
	LockSettings(ctx context.Context) error
	// ConfigAt returns the configuration version in force at at.
	ConfigAt(ctx context.Context, at time.Time) (domain.Config, error)
	// InsertConfig records a new configuration version, numbering it.
	InsertConfig(ctx context.Context, c domain.Config) (domain.Config, error)
	// ListConfigs returns up to limit versions below beforeVersion (0 for
	// the newest), newest first.
	ListConfigs(ctx context.Context, beforeVersion int64, limit int) ([]domain.Config, error)
	// MaxWindowFrom returns the longest window among the version in force at
	// at and every version taking effect later.
	MaxWindowFrom(ctx context.Context, at time.Time) (time.Duration, error)

	InsertRouteMultiplier(ctx context.Context, m domain.RouteMultiplier) error
	// RouteMultiplierAt returns the route's latest override change effective
	// at at, or nil when there is none.
	RouteMultiplierAt(ctx context.Context, route domain.Route, at time.Time) (*domain.RouteMultiplier, error)

	// RateCardAt returns the rate card in force at at.
	RateCardAt(ctx context.Context, at time.Time) (domain.RateCard, error)
	// InsertRateCard records a new rate card version in currency, numbering it.
	InsertRateCard(ctx context.Context, c domain.RateCard, currency string) (domain.RateCard, error)
	// HasRateCard reports whether any rate card was ever recorded.
	HasRateCard(ctx context.Context) (bool, error)

	// AddShipments adds shipments to the history, bumping each route's
	// sequence number; it reports for each whether it was new (false for a
	// shipment id already in the history).
	AddShipments(ctx context.Context, shipments []domain.Shipment, source Source) ([]bool, error)
	// RecordRejections counts refused records with their reasons.
	RecordRejections(ctx context.Context, source Source, rejections []Rejection, at time.Time) error
	// PruneShipments deletes up to limit shipments completed before before.
	PruneShipments(ctx context.Context, before time.Time, limit int) (int64, error)
	// RouteIDs lists the routes with history, the most active first.
	RouteIDs(ctx context.Context) ([]int64, error)
}

// Catalog answers what freight needs to know of SKUs.
type Catalog interface {
	// Skus returns the known SKUs among ids, by id; unknown ids are absent.
	Skus(ctx context.Context, ids []string) (map[string]domain.SkuInfo, error)
}

// Rates gives exchange rates.
type Rates interface {
	// Rate returns 1 unit of from in units of to, in force at at; an apperr
	// NotFound error when none is recorded.
	Rate(ctx context.Context, from, to string, at time.Time) (money.Rate, error)
}
