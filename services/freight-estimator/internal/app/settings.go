package app

import (
	"context"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/paging"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// ConfigView is the configuration in force, with the multiplier that applies
// on a route.
type ConfigView struct {
	Config     domain.Config
	Multiplier domain.Multiplier
}

// GetConfig returns the configuration in force now and, for a route, the
// multiplier that applies on it. Operators only.
func (s *Service) GetConfig(ctx context.Context, caller auth.Caller, route *domain.Route) (ConfigView, error) {
	if err := requireOperator(caller); err != nil {
		return ConfigView{}, err
	}
	now := s.clock()
	cfg, err := s.store.ConfigAt(ctx, now)
	if err != nil {
		return ConfigView{}, err
	}
	view := ConfigView{Config: cfg, Multiplier: domain.EffectiveMultiplier(cfg, nil)}
	if route != nil {
		r, err := domain.NewRoute("route", *route)
		if err != nil {
			return ConfigView{}, err
		}
		override, err := s.store.RouteMultiplierAt(ctx, r, now)
		if err != nil {
			return ConfigView{}, err
		}
		view.Multiplier = domain.EffectiveMultiplier(cfg, override)
	}
	return view, nil
}

// UpdateConfig records a new configuration version, effective from the time
// given (now when unset, never in the past). Admins only. The change is
// announced by a FreightConfigChanged event.
func (s *Service) UpdateConfig(ctx context.Context, caller auth.Caller, in domain.ConfigInput) (domain.Config, error) {
	admin, err := requireAdmin(caller)
	if err != nil {
		return domain.Config{}, err
	}
	cfg, err := domain.NewConfig(in, admin, s.clock())
	if err != nil {
		return domain.Config{}, err
	}
	err = s.store.InTx(ctx, func(r Repository) error {
		if err := r.LockSettings(ctx); err != nil {
			return err
		}
		if cfg, err = r.InsertConfig(ctx, cfg); err != nil {
			return err
		}
		return r.Emit(ctx, SubjectConfigChanged, &freightv1.FreightConfigChanged{
			ChangedBy: admin, OccurredAt: timestamppb.New(cfg.EffectiveFrom),
		})
	})
	return cfg, err
}

// Paging of configuration versions.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// ConfigPage is one page of configuration versions, newest first.
type ConfigPage struct {
	Versions []domain.Config
	// NextPageToken fetches the next page; empty on the last.
	NextPageToken string
}

// versionCursor is the page token of the configuration versions: the last
// (oldest) version served. Version 1 is the oldest, so a token is at least 2.
type versionCursor struct {
	Version int64 `json:"v"`
}

func (c *versionCursor) Valid() bool { return c.Version > 1 }

// ListConfigVersions lists the configuration versions, newest first.
// Operators only.
func (s *Service) ListConfigVersions(ctx context.Context, caller auth.Caller, pageSize int, token string) (ConfigPage, error) {
	if err := requireOperator(caller); err != nil {
		return ConfigPage{}, err
	}
	pageSize, err := paging.Limits{Default: defaultPageSize, Max: maxPageSize}.Size(pageSize)
	if err != nil {
		return ConfigPage{}, err
	}
	var before int64
	if token != "" {
		var c versionCursor
		if err := paging.Decode(token, &c); err != nil {
			return ConfigPage{}, err
		}
		before = c.Version
	}
	versions, err := s.store.ListConfigs(ctx, before, pageSize+1)
	if err != nil {
		return ConfigPage{}, err
	}
	page := ConfigPage{Versions: versions}
	if len(versions) > pageSize {
		page.Versions = versions[:pageSize]
		last := page.Versions[pageSize-1].Version
		page.NextPageToken = paging.Encode(versionCursor{Version: last})
	}
	return page, nil
}

// SetRouteMultiplier overrides the multiplier on a route from a time, or
// removes the override when the multiplier is empty. Admins only.
func (s *Service) SetRouteMultiplier(ctx context.Context, caller auth.Caller, in domain.RouteMultiplierInput) error {
	admin, err := requireAdmin(caller)
	if err != nil {
		return err
	}
	m, err := domain.NewRouteMultiplier(in, admin, s.clock())
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(r Repository) error {
		if err := r.LockSettings(ctx); err != nil {
			return err
		}
		if err := r.InsertRouteMultiplier(ctx, m); err != nil {
			return err
		}
		return r.Emit(ctx, SubjectConfigChanged, &freightv1.FreightConfigChanged{
			Route: routeProto(m.Route), ChangedBy: admin, OccurredAt: timestamppb.New(m.EffectiveFrom),
		})
	})
}

// GetRateCard returns the rate card in force now. Operators only.
func (s *Service) GetRateCard(ctx context.Context, caller auth.Caller) (domain.RateCard, error) {
	if err := requireOperator(caller); err != nil {
		return domain.RateCard{}, err
	}
	return s.store.RateCardAt(ctx, s.clock())
}

// SetRateCard records a new rate card, effective from its time (now when
// unset). Admins only.
func (s *Service) SetRateCard(ctx context.Context, caller auth.Caller, in domain.RateCard) (domain.RateCard, error) {
	admin, err := requireAdmin(caller)
	if err != nil {
		return domain.RateCard{}, err
	}
	if err := s.baseChecked(ctx, 0); err != nil {
		return domain.RateCard{}, err
	}
	card, err := domain.NewRateCard(in, s.base, admin, s.clock())
	if err != nil {
		return domain.RateCard{}, err
	}
	err = s.store.InTx(ctx, func(r Repository) error {
		if err := r.LockSettings(ctx); err != nil {
			return err
		}
		if card, err = r.InsertRateCard(ctx, card, s.base); err != nil {
			return err
		}
		return r.Emit(ctx, SubjectConfigChanged, &freightv1.FreightConfigChanged{
			ChangedBy: admin, OccurredAt: timestamppb.New(card.EffectiveFrom),
		})
	})
	return card, err
}

// ErrBaseCurrencyChanged stops a start with another base currency than the
// history is stored in: every stored amount would be misread.
var ErrBaseCurrencyChanged = apperr.FailedPrecondition("BASE_CURRENCY differs from the currency the history is stored in").WithReason("BASE_CURRENCY_CHANGED")

// EnsureDefaults pins the base currency on first start (and refuses another
// one later) and records the default rate card when none exists, so that the
// fallback answers from the first day. It is idempotent.
func (s *Service) EnsureDefaults(ctx context.Context) error {
	err := s.ensureDefaults(ctx)
	if err == nil {
		s.checkedOnce.Do(func() { close(s.checked) })
	}
	return err
}

func (s *Service) ensureDefaults(ctx context.Context) error {
	return s.store.InTx(ctx, func(r Repository) error {
		if err := r.LockSettings(ctx); err != nil {
			return err
		}
		pinned, err := r.BaseCurrency(ctx)
		if err != nil {
			return err
		}
		switch {
		case pinned == "":
			if err := r.PinBaseCurrency(ctx, s.base); err != nil {
				return err
			}
		case pinned != s.base:
			return ErrBaseCurrencyChanged.WithMetadata("stored", pinned).WithMetadata("configured", s.base)
		}
		has, err := r.HasRateCard(ctx)
		if err != nil || has {
			return err
		}
		card, err := domain.DefaultRateCard(s.base)
		if err != nil {
			return err
		}
		_, err = r.InsertRateCard(ctx, card, s.base)
		return err
	})
}

func routeProto(r domain.Route) *commonv1.Route {
	return &commonv1.Route{
		OriginCountryCode: r.OriginCountry, OriginRegionCode: r.OriginRegion,
		DestinationCountryCode: r.DestinationCountry, DestinationRegionCode: r.DestinationRegion,
	}
}

// pruneFactor keeps records for twice the window: a window lengthened later
// still finds its history.
const pruneFactor = 2

// pruneBatch bounds one delete, so pruning never holds long locks.
const pruneBatch = 10_000

// Prune deletes the records completed before twice the longest window in
// force now or scheduled, and drops them from the in-memory history. It
// returns how many rows went.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	now := s.clock()
	window, err := s.store.MaxWindowFrom(ctx, now)
	if err != nil {
		return 0, err
	}
	before := now.Add(-pruneFactor * window)
	var total int64
	for {
		n, err := s.store.PruneShipments(ctx, before, pruneBatch)
		total += n
		if err != nil || n < pruneBatch {
			s.history.Compact(now.Add(-window).UnixMicro())
			return total, err
		}
	}
}

// WarmHistory loads every route's window into memory, so that the first
// estimates after a start do not wait for loads. The least active routes go
// first: beyond the cache's record limit, the routes loaded earliest are the
// least recently used and evicted first, and the busiest stay held.
func (s *Service) WarmHistory(ctx context.Context) (int, error) {
	now := s.clock()
	cfg, err := s.store.ConfigAt(ctx, now)
	if err != nil {
		return 0, err
	}
	ids, err := s.store.RouteIDs(ctx)
	if err != nil {
		return 0, err
	}
	since := now.Add(-cfg.Window).UnixMicro()
	for _, id := range slices.Backward(ids) {
		if _, err := s.history.Snapshot(ctx, id, 0, since); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
