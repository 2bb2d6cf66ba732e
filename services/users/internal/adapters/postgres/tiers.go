package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// CreateMerchantTier inserts a tier; a taken code or rank is AlreadyExists.
func (r repo) CreateMerchantTier(ctx context.Context, t domain.MerchantTier) error {
	_, err := r.q.Exec(ctx, `INSERT INTO merchant_tiers (code, name, rank) VALUES ($1, $2, $3)`, t.Code, t.Name, t.Rank)
	switch {
	case pg.IsUniqueViolation(err, "merchant_tiers_pkey"):
		return domain.ErrTierCodeTaken.Wrap(err)
	case pg.IsUniqueViolation(err, "merchant_tiers_rank_key"):
		return domain.ErrTierRankTaken.Wrap(err)
	case err != nil:
		return fmt.Errorf("insert merchant tier: %w", err)
	}
	return nil
}

// GetMerchantTier reads a tier by code.
func (r repo) GetMerchantTier(ctx context.Context, code string) (domain.MerchantTier, error) {
	var t domain.MerchantTier
	err := r.q.QueryRow(ctx, `SELECT code, name, rank FROM merchant_tiers WHERE code = $1`, code).Scan(&t.Code, &t.Name, &t.Rank)
	return t, pg.NoRows(err, apperr.NotFound("merchant tier", code))
}

// ListMerchantTiers returns every tier by rank, the lowest first.
func (r repo) ListMerchantTiers(ctx context.Context) ([]domain.MerchantTier, error) {
	rows, err := r.q.Query(ctx, `SELECT code, name, rank FROM merchant_tiers ORDER BY rank`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.MerchantTier, error) {
		var t domain.MerchantTier
		err := row.Scan(&t.Code, &t.Name, &t.Rank)
		return t, err
	})
}
