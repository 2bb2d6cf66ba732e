package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
)

const quoteColumns = `id::text, from_currency, to_currency, rate::text, mid_rate::text, spread_bps, source,
	rate_effective_at, amount, converted, created_by, created_at, expires_at`

// InsertQuote records a quote.
func (s *Store) InsertQuote(ctx context.Context, q fx.Quote) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO fx_quotes (id, from_currency, to_currency, rate, mid_rate, spread_bps, source,
			rate_effective_at, amount, converted, created_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4::numeric, $5::numeric, $6, $7, $8, $9, $10, $11, $12, $13)`,
		q.ID, q.From, q.To, q.Rate.String(), q.Mid.String(), q.SpreadBps, q.Source,
		q.RateEffectiveAt, q.Amount, q.Converted, q.CreatedBy, q.CreatedAt, q.ExpiresAt)
	if err != nil {
		return fmt.Errorf("insert fx quote: %w", err)
	}
	return nil
}

// Quote returns a quote by id, or NotFound (also for an id that is not a
// UUID: no such quote can exist).
func (s *Store) Quote(ctx context.Context, id string) (fx.Quote, error) {
	if _, err := uuid.Parse(id); err != nil {
		return fx.Quote{}, fx.ErrQuoteNotFound(id)
	}
	var q fx.Quote
	var rate, mid string
	err := s.pool.QueryRow(ctx, `SELECT `+quoteColumns+` FROM fx_quotes WHERE id = $1`, id).Scan(
		&q.ID, &q.From, &q.To, &rate, &mid, &q.SpreadBps, &q.Source,
		&q.RateEffectiveAt, &q.Amount, &q.Converted, &q.CreatedBy, &q.CreatedAt, &q.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return fx.Quote{}, fx.ErrQuoteNotFound(id)
	}
	if err != nil {
		return fx.Quote{}, fmt.Errorf("fx quote %s: %w", id, err)
	}
	if q.Rate, err = money.ParseRate(trimZeros(rate)); err != nil {
		return fx.Quote{}, fmt.Errorf("fx quote %s rate %q: %w", id, rate, err)
	}
	if q.Mid, err = money.ParseRate(trimZeros(mid)); err != nil {
		return fx.Quote{}, fmt.Errorf("fx quote %s mid rate %q: %w", id, mid, err)
	}
	q.RateEffectiveAt, q.CreatedAt, q.ExpiresAt = q.RateEffectiveAt.UTC(), q.CreatedAt.UTC(), q.ExpiresAt.UTC()
	return q, nil
}

// PurgeQuotesExpiredBefore looks at up to limit unbooked quotes that
// expired before t, oldest first (fx_quotes_unbooked_by_expiry), marks
// those a ledger transfer names booked (ledger_transfers_quote) and
// deletes the rest, in one statement (PostgreSQL runs the update though
// nothing reads it); a quote another purge holds is skipped.
func (s *Store) PurgeQuotesExpiredBefore(ctx context.Context, t time.Time, limit int) (looked, deleted int, err error) {
	err = s.pool.QueryRow(ctx, `
		WITH due AS (
			SELECT q.id, EXISTS (SELECT 1 FROM ledger_transfers lt WHERE lt.rate_quote_id = q.id::text) AS named
			FROM fx_quotes q WHERE NOT q.booked AND q.expires_at < $1
			ORDER BY q.expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
		), booked AS (
			UPDATE fx_quotes SET booked = true FROM due WHERE fx_quotes.id = due.id AND due.named
		), deleted AS (
			DELETE FROM fx_quotes USING due WHERE fx_quotes.id = due.id AND NOT due.named RETURNING 1
		)
		SELECT (SELECT count(*) FROM due), (SELECT count(*) FROM deleted)`,
		t, limit).Scan(&looked, &deleted)
	if err != nil {
		return 0, 0, fmt.Errorf("purge fx quotes: %w", err)
	}
	return looked, deleted, nil
}
