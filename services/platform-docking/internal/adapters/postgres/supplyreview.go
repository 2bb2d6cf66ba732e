package postgres

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/service"
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

// SupplyJobsRan records a round of a platform's periodic jobs: each job
// that failed is failing from its first failure on (a later failure does
// not restart the count), each that succeeded no longer is.
func (s Supply) SupplyJobsRan(ctx context.Context, id uuid.UUID, failed, succeeded []string) error {
	return jobsRan(ctx, s.pool, "supply_job_failures", "platform_id", id, failed, succeeded)
}

// FailingSupplyJobs counts, for the kit's failing-steps gauges, the supply
// platforms whose periodic job of each kind (app.SupplyJobKinds) is
// failing, since its first failure.
func (s Supply) FailingSupplyJobs(ctx context.Context) ([]service.FailingSteps, error) {
	return service.QueryFailingSteps(ctx, s.pool, `SELECT job, count(*), extract(epoch FROM now() - min(failing_since))::float8
		FROM supply_job_failures GROUP BY job ORDER BY job`)
}

// OverdueSupplyReviews counts, for the kit's failing-steps gauges (kind
// "overdue"), the imported products whose newer content has waited for a
// review longer than app.ReviewOverdueAfter, since it first waited. A
// shorter wait is normal and is not counted.
func (s Supply) OverdueSupplyReviews(ctx context.Context) ([]service.FailingSteps, error) {
	return service.QueryFailingSteps(ctx, s.pool, `SELECT 'overdue', count(*), coalesce(extract(epoch FROM now() - min(deferred_since)), 0)::float8
		FROM supply_products WHERE deferred IS NOT NULL AND problem = '' AND deferred_since < now() - make_interval(secs => $1) HAVING count(*) > 0`,
		app.ReviewOverdueAfter.Seconds())
}

// RefusedSupplyProducts counts, for the kit's failing-steps gauges (kind
// "refused"), the platform products whose content the catalogue refused
// and that wait to be offered again, since the first was refused.
func (s Supply) RefusedSupplyProducts(ctx context.Context) ([]service.FailingSteps, error) {
	return service.QueryFailingSteps(ctx, s.pool, `SELECT 'refused', count(*), coalesce(extract(epoch FROM now() - min(deferred_since)), 0)::float8
		FROM supply_products WHERE deferred IS NOT NULL AND problem <> '' HAVING count(*) > 0`)
}
