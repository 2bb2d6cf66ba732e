package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// MerchantTier returns the merchant's tier code, "" when unknown.
func (r repo) MerchantTier(ctx context.Context, merchantID uuid.UUID) (string, error) {
	var code string
	err := r.q.QueryRow(ctx, `SELECT tier_code FROM merchant_tiers WHERE merchant_id = $1`, merchantID).Scan(&code)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return code, err
}

// ApplyMerchantTier records a merchant's tier as of changedAt in tx (an
// event handler's transaction). An older change than the one recorded is
// ignored, so events arriving out of order cannot undo a newer tier.
func ApplyMerchantTier(ctx context.Context, tx pgx.Tx, merchantID uuid.UUID, tier string, changedAt time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO merchant_tiers (merchant_id, tier_code, changed_at) VALUES ($1, $2, $3)
		ON CONFLICT (merchant_id) DO UPDATE SET tier_code = EXCLUDED.tier_code, changed_at = EXCLUDED.changed_at
		WHERE merchant_tiers.changed_at <= EXCLUDED.changed_at`, merchantID, tier, changedAt)
	if err != nil {
		return fmt.Errorf("apply merchant tier: %w", err)
	}
	return nil
}
