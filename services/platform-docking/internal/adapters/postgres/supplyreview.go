package postgres

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
)

func (s Supply) DeferredSupplyProducts(ctx context.Context, platformID uuid.UUID, limit int) ([]app.SupplyProductRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+supplyProductColumns+` FROM supply_products
		WHERE platform_id = $1 AND deferred IS NOT NULL ORDER BY updated_at LIMIT $2`, platformID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanSupplyProduct)
}
