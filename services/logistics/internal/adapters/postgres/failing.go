package postgres

import (
	"context"

	"github.com/crossdock/crossdock/pkg/service"
)

// FailingLegs counts, for the kit's failing-steps gauges, the freight legs
// not paid yet (kind "unpaid", since the carrier confirmed the charge: a leg
// is offered to finance at once) and those finance refused for good
// ("refused", an operator's: the carrier is not paid until one acts).
func (s *Store) FailingLegs(ctx context.Context) ([]service.FailingSteps, error) {
	return service.QueryFailingSteps(ctx, s.q, `
		SELECT 'unpaid', count(*), coalesce(extract(epoch FROM now() - min(confirmed_at)), 0)::float8
		  FROM freight_legs WHERE paid_at IS NULL AND refused_at IS NULL HAVING count(*) > 0
		UNION ALL
		SELECT 'refused', count(*), coalesce(extract(epoch FROM now() - min(refused_at)), 0)::float8
		  FROM freight_legs WHERE refused_at IS NOT NULL AND paid_at IS NULL HAVING count(*) > 0`)
}

// FailingShipments counts, for the kit's failing-steps gauges, the
// parcels whose carrier booking has no waybill yet (kind "booking", since
// the booking was stored) and those picked up whose stock inventory has
// not committed yet ("stock_commit", since the pick-up): both are done at
// once when the peers answer, and retried until they do.
func (s *Store) FailingShipments(ctx context.Context) ([]service.FailingSteps, error) {
	return service.QueryFailingSteps(ctx, s.q, `
		SELECT 'booking', count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
		  FROM shipments WHERE waybill IS NULL AND status = 'booked' HAVING count(*) > 0
		UNION ALL
		SELECT 'stock_commit', count(*), coalesce(extract(epoch FROM now() - min(picked_up_at)), 0)::float8
		  FROM shipments WHERE picked_up_at IS NOT NULL AND NOT committed AND reservation_id <> '' HAVING count(*) > 0`)
}
