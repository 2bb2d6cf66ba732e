package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// zoneJSON and priceJSON are the stored shape of a rate card's lists.
type zoneJSON struct {
	Code      string   `json:"code"`
	Countries []string `json:"countries,omitempty"`
	Regions   []string `json:"regions,omitempty"`
}

type priceJSON struct {
	Zone       string `json:"zone"`
	Method     string `json:"method"`
	PerKgMinor int64  `json:"per_kg_minor"`
}

// RateCardAt returns the rate card in force at at.
func (r repo) RateCardAt(ctx context.Context, at time.Time) (domain.RateCard, error) {
	var c domain.RateCard
	var zones []zoneJSON
	var prices []priceJSON
	var currency string
	err := r.q.QueryRow(ctx, `SELECT version, zones, prices, currency, volumetric_divisor, default_shipping_method,
			effective_from, changed_by, recorded_at
		FROM rate_cards WHERE effective_from <= $1 ORDER BY effective_from DESC, version DESC LIMIT 1`, at).
		Scan(&c.Version, &zones, &prices, &currency, &c.Divisor, &c.DefaultMethod, &c.EffectiveFrom, &c.ChangedBy, &c.RecordedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.RateCard{}, apperr.NotFound("rate card", "in force")
	}
	if err != nil {
		return domain.RateCard{}, fmt.Errorf("rate card: %w", err)
	}
	c.EffectiveFrom, c.RecordedAt = c.EffectiveFrom.UTC(), c.RecordedAt.UTC()
	for _, z := range zones {
		c.Zones = append(c.Zones, domain.Zone{Code: z.Code, Countries: z.Countries, Regions: z.Regions})
	}
	for _, p := range prices {
		c.Prices = append(c.Prices, domain.ZonePrice{Zone: p.Zone, Method: p.Method, PerKg: money.Money{Amount: p.PerKgMinor, Currency: currency}})
	}
	return c, nil
}

// InsertRateCard numbers and records a rate card; the caller holds the
// settings lock.
func (r repo) InsertRateCard(ctx context.Context, c domain.RateCard, currency string) (domain.RateCard, error) {
	zones := make([]zoneJSON, 0, len(c.Zones))
	for _, z := range c.Zones {
		zones = append(zones, zoneJSON{Code: z.Code, Countries: z.Countries, Regions: z.Regions})
	}
	prices := make([]priceJSON, 0, len(c.Prices))
	for _, p := range c.Prices {
		prices = append(prices, priceJSON{Zone: p.Zone, Method: p.Method, PerKgMinor: p.PerKg.Amount})
	}
	zj, err := json.Marshal(zones)
	if err != nil {
		return domain.RateCard{}, err
	}
	pj, err := json.Marshal(prices)
	if err != nil {
		return domain.RateCard{}, err
	}
	if c.RecordedAt.IsZero() {
		c.RecordedAt = time.Now().UTC().Truncate(time.Microsecond)
	}
	err = r.q.QueryRow(ctx, `
		INSERT INTO rate_cards (version, zones, prices, currency, volumetric_divisor, default_shipping_method,
			effective_from, changed_by, recorded_at)
		SELECT coalesce(max(version), 0) + 1, $1, $2, $3, $4, $5, $6, $7, $8 FROM rate_cards
		RETURNING version`, zj, pj, currency, c.Divisor, c.DefaultMethod, c.EffectiveFrom, c.ChangedBy, c.RecordedAt).
		Scan(&c.Version)
	if err != nil {
		return domain.RateCard{}, fmt.Errorf("insert rate card: %w", err)
	}
	return c, nil
}

// HasRateCard reports whether a rate card was ever recorded.
func (r repo) HasRateCard(ctx context.Context) (bool, error) {
	var has bool
	err := r.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM rate_cards)`).Scan(&has)
	return has, err
}
