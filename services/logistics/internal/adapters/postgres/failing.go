package postgres

import (
	"context"

	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
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
// the booking was stored), those picked up whose stock inventory has not
// committed yet ("stock_commit", since the pick-up), those whose
// reservation inventory refused for good to commit ("stock_commit_refused",
// since the refusal: the goods left and inventory still counts them on
// hand, an operator's), those cancelled whose booking may still be live at
// the carrier a grace after the cancellation ("carrier_cancel", since the
// cancellation: the carrier would run and charge the parcel), and those
// whose carrier refused for good to cancel them ("carrier_cancel_refused",
// since the refusal: an operator's), and the consolidated parcels their
// onward carrier returned to the central warehouse ("returned_at_central",
// since the return: an operator's, who settles the goods with their
// supplier). All but the refusals are done at once
// when the peers answer, and retried until they do.
func (s *Store) FailingShipments(ctx context.Context) ([]service.FailingSteps, error) {
	return service.QueryFailingSteps(ctx, s.q, failingShipments, app.CarrierCancelGrace.Seconds())
}

// failingShipments is FailingShipments' query: run at every scrape by
// every replica, each of its counts reads a partial index (a refused
// onward booking only waits at the central warehouse, which
// shipments_at_central holds), never the whole table.
const failingShipments = `
		SELECT 'booking', count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
		  FROM shipments WHERE waybill IS NULL AND status <> 'cancelled' HAVING count(*) > 0
		UNION ALL
		SELECT 'stock_commit', count(*), coalesce(extract(epoch FROM now() - min(picked_up_at)), 0)::float8
		  FROM shipments WHERE picked_up_at IS NOT NULL AND NOT committed AND reservation_id <> '' AND stock_commit_refused_at IS NULL
		HAVING count(*) > 0
		UNION ALL
		SELECT 'stock_commit_refused', count(*), coalesce(extract(epoch FROM now() - min(stock_commit_refused_at)), 0)::float8
		  FROM shipments WHERE stock_commit_refused_at IS NOT NULL AND NOT committed HAVING count(*) > 0
		UNION ALL
		SELECT 'carrier_cancel', count(*), coalesce(extract(epoch FROM now() - min(cancelled_at)), 0)::float8
		  FROM shipments WHERE status = 'cancelled' AND carrier_cancel_done_at IS NULL
		   AND cancelled_at < now() - make_interval(secs => $1) HAVING count(*) > 0
		UNION ALL
		SELECT 'carrier_cancel_refused', count(*), coalesce(extract(epoch FROM now() - min(carrier_cancel_done_at)), 0)::float8
		  FROM shipments WHERE carrier_cancel_refusal <> '' HAVING count(*) > 0
		UNION ALL
		SELECT 'onward_refused', count(*), coalesce(extract(epoch FROM now() - min(at_central_at)), 0)::float8
		  FROM shipments WHERE stage = 1 AND at_central_at IS NOT NULL AND onward_waybill IS NULL
		   AND onward_retry_at IS NOT NULL AND status <> 'cancelled'
		HAVING count(*) > 0
		UNION ALL
		SELECT 'returned_at_central', count(*), coalesce(extract(epoch FROM now() - min(last_event_at)), 0)::float8
		  FROM shipments WHERE status = 'returned' AND stage = 2 AND central_return_settled_at IS NULL HAVING count(*) > 0
		UNION ALL
		SELECT 'onward_events_parked', count(*), coalesce(extract(epoch FROM now() - min(parked_at)), 0)::float8
		  FROM parked_carrier_events HAVING count(*) > 0`
