-- +goose Up

-- A parcel whose booking answer was lost may be picked up, moved and even
-- delivered (the carrier's events find it by its reference) before the
-- bookings worker books it again: it is still without a waybill, and the
-- worker looks for every parcel without one that is not cancelled.
DROP INDEX shipments_unbooked;
CREATE INDEX shipments_unbooked ON shipments (created_at) WHERE waybill IS NULL AND status <> 'cancelled';

-- +goose Down
DROP INDEX shipments_unbooked;
CREATE INDEX shipments_unbooked ON shipments (created_at) WHERE waybill IS NULL AND status = 'booked';
