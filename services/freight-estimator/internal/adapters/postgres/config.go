package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

const configColumns = `c.version, c.window_seconds, c.volume_tolerance, c.weight_tolerance, c.value_tolerance,
	c.first_weight, c.secondary_weight, c.end_weight, c.multiplier, c.effective_from, c.changed_by, c.reason, c.recorded_at`

// inForce selects the configuration version in force at $2.
const inForce = `(SELECT * FROM config_versions WHERE effective_from <= $2
	ORDER BY effective_from DESC, version DESC LIMIT 1)`

// configRow receives the configuration columns.
type configRow struct {
	version, windowSeconds                 int64
	volTol, wtTol, valTol, first, sec, end string
	multiplier                             string
	effectiveFrom, recordedAt              time.Time
	changedBy, reason                      string
}

func (c *configRow) dest() []any {
	return []any{&c.version, &c.windowSeconds, &c.volTol, &c.wtTol, &c.valTol,
		&c.first, &c.sec, &c.end, &c.multiplier, &c.effectiveFrom, &c.changedBy, &c.reason, &c.recordedAt}
}

func (c *configRow) config() (domain.Config, error) {
	out := domain.Config{
		Version: c.version, Window: time.Duration(c.windowSeconds) * time.Second,
		EffectiveFrom: c.effectiveFrom.UTC(), ChangedBy: c.changedBy, Reason: c.reason, RecordedAt: c.recordedAt.UTC(),
	}
	var err error
	for _, f := range []struct {
		dst *money.Rate
		src string
	}{
		{&out.VolumeTolerance, c.volTol}, {&out.WeightTolerance, c.wtTol}, {&out.ValueTolerance, c.valTol},
		{&out.FirstWeight, c.first}, {&out.SecondaryWeight, c.sec}, {&out.EndWeight, c.end},
		{&out.Multiplier, c.multiplier},
	} {
		if *f.dst, err = money.ParseRate(f.src); err != nil {
			return domain.Config{}, fmt.Errorf("config version %d: %w", c.version, err)
		}
	}
	return out, nil
}

// EstimateContext reads the configuration in force, the route's history
// position and its multiplier override in one round trip.
func (r repo) EstimateContext(ctx context.Context, route domain.Route, at time.Time) (app.EstimateContext, error) {
	var c configRow
	var ec app.EstimateContext
	var mFound bool
	var mValue, mBy, mReason *string
	var mFrom, mAt *time.Time
	dest := append(c.dest(), &ec.RouteID, &ec.RouteSeq, &mFound, &mValue, &mFrom, &mBy, &mReason, &mAt)
	err := r.q.QueryRow(ctx, `
		SELECT `+configColumns+`, coalesce(rt.id, 0), coalesce(rt.seq, 0),
		       m.id IS NOT NULL, m.multiplier, m.effective_from, m.changed_by, m.reason, m.recorded_at
		FROM `+inForce+` c
		LEFT JOIN routes rt ON rt.route_key = $1
		LEFT JOIN LATERAL (
			SELECT * FROM route_multipliers WHERE route_key = $1 AND effective_from <= $2
			ORDER BY effective_from DESC, id DESC LIMIT 1) m ON true`,
		route.Key(), at).Scan(dest...)
	if err != nil {
		return app.EstimateContext{}, fmt.Errorf("estimate context: %w", err)
	}
	if ec.Config, err = c.config(); err != nil {
		return app.EstimateContext{}, err
	}
	if mFound {
		ec.Override, err = overrideOf(route, mValue, *mFrom, *mBy, *mReason, *mAt)
	}
	return ec, err
}

func overrideOf(route domain.Route, value *string, from time.Time, by, reason string, at time.Time) (*domain.RouteMultiplier, error) {
	m := &domain.RouteMultiplier{Route: route, EffectiveFrom: from.UTC(), ChangedBy: by, Reason: reason, RecordedAt: at.UTC()}
	if value != nil {
		rate, err := money.ParseRate(*value)
		if err != nil {
			return nil, fmt.Errorf("route multiplier of %s: %w", route, err)
		}
		m.Multiplier = &rate
	}
	return m, nil
}

// ConfigAt returns the version in force at at.
func (r repo) ConfigAt(ctx context.Context, at time.Time) (domain.Config, error) {
	var c configRow
	err := r.q.QueryRow(ctx, `SELECT `+configColumns+` FROM (SELECT * FROM config_versions WHERE effective_from <= $1
		ORDER BY effective_from DESC, version DESC LIMIT 1) c`, at).Scan(c.dest()...)
	if err != nil {
		return domain.Config{}, fmt.Errorf("config in force: %w", err)
	}
	return c.config()
}

// InsertConfig numbers and records a configuration version; the caller holds
// the settings lock.
func (r repo) InsertConfig(ctx context.Context, cfg domain.Config) (domain.Config, error) {
	err := r.q.QueryRow(ctx, `
		INSERT INTO config_versions (version, window_seconds, volume_tolerance, weight_tolerance, value_tolerance,
			first_weight, secondary_weight, end_weight, multiplier, effective_from, changed_by, reason, recorded_at)
		SELECT coalesce(max(version), 0) + 1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM config_versions
		RETURNING version`,
		int64(cfg.Window/time.Second), cfg.VolumeTolerance.String(), cfg.WeightTolerance.String(), cfg.ValueTolerance.String(),
		cfg.FirstWeight.String(), cfg.SecondaryWeight.String(), cfg.EndWeight.String(), cfg.Multiplier.String(),
		cfg.EffectiveFrom, cfg.ChangedBy, cfg.Reason, cfg.RecordedAt).Scan(&cfg.Version)
	if err != nil {
		return domain.Config{}, fmt.Errorf("insert config: %w", err)
	}
	return cfg, nil
}

// ListConfigs returns versions below before (0: from the newest), newest first.
func (r repo) ListConfigs(ctx context.Context, before int64, limit int) ([]domain.Config, error) {
	rows, err := r.q.Query(ctx, `SELECT `+configColumns+` FROM config_versions c
		WHERE $1::bigint = 0 OR c.version < $1::bigint ORDER BY c.version DESC LIMIT $2`, before, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Config
	for rows.Next() {
		var c configRow
		if err := rows.Scan(c.dest()...); err != nil {
			return nil, err
		}
		cfg, err := c.config()
		if err != nil {
			return nil, err
		}
		out = append(out, cfg)
	}
	return out, rows.Err()
}

// MaxWindowFrom returns the longest window of the version in force at at and
// of the versions scheduled after it.
func (r repo) MaxWindowFrom(ctx context.Context, at time.Time) (time.Duration, error) {
	var seconds int64
	err := r.q.QueryRow(ctx, `
		SELECT max(window_seconds) FROM config_versions
		WHERE effective_from > $1 OR version = (SELECT version FROM config_versions WHERE effective_from <= $1
			ORDER BY effective_from DESC, version DESC LIMIT 1)`, at).Scan(&seconds)
	return time.Duration(seconds) * time.Second, err
}

// InsertRouteMultiplier records an override change.
func (r repo) InsertRouteMultiplier(ctx context.Context, m domain.RouteMultiplier) error {
	var value *string
	if m.Multiplier != nil {
		s := m.Multiplier.String()
		value = &s
	}
	_, err := r.q.Exec(ctx, `INSERT INTO route_multipliers (route_key, multiplier, effective_from, changed_by, reason, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, m.Route.Key(), value, m.EffectiveFrom, m.ChangedBy, m.Reason, m.RecordedAt)
	return err
}

// RouteMultiplierAt returns the route's latest override change effective at at.
func (r repo) RouteMultiplierAt(ctx context.Context, route domain.Route, at time.Time) (*domain.RouteMultiplier, error) {
	var value *string
	var from, recorded time.Time
	var by, reason string
	err := r.q.QueryRow(ctx, `SELECT multiplier, effective_from, changed_by, reason, recorded_at FROM route_multipliers
		WHERE route_key = $1 AND effective_from <= $2 ORDER BY effective_from DESC, id DESC LIMIT 1`,
		route.Key(), at).Scan(&value, &from, &by, &reason, &recorded)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return overrideOf(route, value, from, by, reason, recorded)
}
