package postgres

import (
	"context"
	"fmt"
	"time"
)

// RecordAdvancedFreight records a leg of an unsettled sub-order that the
// platform paid because its escrow could not; recording it again changes
// nothing.
func (s *Store) RecordAdvancedFreight(ctx context.Context, legID, subOrderID string, amount int64, at time.Time) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO advanced_freight (leg_id, sub_order_id, amount_minor, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (leg_id) DO NOTHING`, legID, subOrderID, amount, at); err != nil {
		return fmt.Errorf("advanced freight of leg %s: %w", legID, err)
	}
	return nil
}

// AdvancedFreight is the freight the platform paid for a sub-order whose
// escrow could not pay it.
func (s *Store) AdvancedFreight(ctx context.Context, subOrderID string) (int64, error) {
	var sum int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(sum(amount_minor), 0) FROM advanced_freight WHERE sub_order_id = $1`,
		subOrderID).Scan(&sum); err != nil {
		return 0, fmt.Errorf("advanced freight of %s: %w", subOrderID, err)
	}
	return sum, nil
}
