-- +goose Up

-- A cancelled parcel may still hold a live booking at its carrier: one
-- whose answer was lost (the row has no waybill), or whose answer was
-- stored after the cancellation. carrier_cancel_done_at records that the
-- carrier's side is settled: the booking cancelled there, none made, or
-- the carrier refusing for good (carrier_cancel_refusal says why: it has
-- picked the parcel up). A cancelled row without it is left for the
-- bookings worker, which cancels it at the carrier.
ALTER TABLE shipments
    ADD COLUMN carrier_cancel_done_at timestamptz,
    ADD COLUMN carrier_cancel_refusal text NOT NULL DEFAULT '';

-- Parcels cancelled before: one with a waybill was cancelled at the
-- carrier before its row, unless the carrier has moved it since (its
-- booking's answer was stored over the cancellation); one without a
-- waybill may have been booked, its answer lost. Both are left to the
-- worker, which books the latter again under the same reference (the
-- carrier answers the booking it holds) and cancels what it finds.
UPDATE shipments s SET carrier_cancel_done_at = s.cancelled_at
 WHERE s.status = 'cancelled' AND s.waybill IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM tracking_events e
                    WHERE e.shipment_id = s.shipment_id AND e.status <> 'booked' AND e.occurred_at >= s.cancelled_at);

-- The worker's queue, and the failing-steps gauges' counts of it and of
-- the refusals waiting for an operator.
CREATE INDEX shipments_carrier_cancel ON shipments (cancelled_at) WHERE status = 'cancelled' AND carrier_cancel_done_at IS NULL;
CREATE INDEX shipments_carrier_cancel_refused ON shipments (carrier_cancel_done_at) WHERE carrier_cancel_refusal <> '';

-- +goose Down
DROP INDEX shipments_carrier_cancel_refused;
DROP INDEX shipments_carrier_cancel;
ALTER TABLE shipments DROP COLUMN carrier_cancel_refusal, DROP COLUMN carrier_cancel_done_at;
