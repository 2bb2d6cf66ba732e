package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/finance/internal/domain"
)

// rateColumns reads a rate back as text, so NUMERIC's value arrives exactly.
const rateColumns = `from_currency, to_currency, rate::text, source, effective_at, recorded_at, recorded_by`

// InsertExchangeRate records a rate unless the pair has one at that effective
// time, and returns the stored one.
func (s *Store) InsertExchangeRate(ctx context.Context, r domain.ExchangeRate) (domain.ExchangeRate, bool, error) {
	stored, inserted, err := pg.InsertOrRead(ctx, s.pool, scanRate, `
		INSERT INTO exchange_rates (from_currency, to_currency, rate, source, effective_at, recorded_at, recorded_by)
		VALUES ($1, $2, $3::numeric, $4, $5, $6, $7)
		ON CONFLICT DO NOTHING
		RETURNING `+rateColumns,
		[]any{r.From, r.To, r.Rate.String(), r.Source, r.EffectiveAt, r.RecordedAt, r.RecordedBy},
		`SELECT `+rateColumns+` FROM exchange_rates WHERE from_currency = $1 AND to_currency = $2 AND effective_at = $3`,
		r.From, r.To, r.EffectiveAt)
	if err != nil {
		return domain.ExchangeRate{}, false, fmt.Errorf("exchange rate: %w", err)
	}
	return stored, inserted, nil
}

// ExchangeRateAt returns the pair's latest rate effective at or before at.
func (s *Store) ExchangeRateAt(ctx context.Context, from, to string, at time.Time) (domain.ExchangeRate, error) {
	r, err := scanRate(s.pool.QueryRow(ctx, `SELECT `+rateColumns+` FROM exchange_rates
		WHERE from_currency = $1 AND to_currency = $2 AND effective_at <= $3
		ORDER BY effective_at DESC LIMIT 1`, from, to, at))
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.ExchangeRate{}, apperr.NotFound("exchange rate", from+"/"+to)
	}
	if err != nil {
		return domain.ExchangeRate{}, fmt.Errorf("exchange rate %s/%s: %w", from, to, err)
	}
	return r, nil
}

func scanRate(row pgx.Row) (domain.ExchangeRate, error) {
	var r domain.ExchangeRate
	var rate string
	if err := row.Scan(&r.From, &r.To, &rate, &r.Source, &r.EffectiveAt, &r.RecordedAt, &r.RecordedBy); err != nil {
		return domain.ExchangeRate{}, err
	}
	var err error
	if r.Rate, err = money.ParseRate(trimZeros(rate)); err != nil {
		return domain.ExchangeRate{}, fmt.Errorf("stored rate %q: %w", rate, err)
	}
	r.EffectiveAt, r.RecordedAt = r.EffectiveAt.UTC(), r.RecordedAt.UTC()
	return r, nil
}

// trimZeros drops the padding NUMERIC(38,18) adds: "0.921534000000000000"
// is "0.921534", "2.000000000000000000" is "2".
func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}
