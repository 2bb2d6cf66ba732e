-- +goose Up

-- Who pays the carrier for an outbound parcel's confirmed legs: the
-- sub-order's escrow, or the platform's freight expense for an order a
-- partner platform sold (its buyer paid the partner; there is no escrow).
-- Parcels of partner orders booked before this are recognised by their
-- buyer ("partner:<code>/<buyer>"), and the legs finance refused for want of
-- an escrow are offered to it again, now from the platform.
ALTER TABLE shipments ADD COLUMN freight_payer text NOT NULL DEFAULT 'escrow'
    CHECK (freight_payer IN ('escrow', 'platform'));
UPDATE shipments SET freight_payer = 'platform' WHERE kind = 'outbound' AND buyer_id LIKE 'partner:%';
UPDATE freight_legs l SET refused_at = NULL, refusal = ''
    FROM shipments s WHERE s.shipment_id = l.shipment_id AND s.freight_payer = 'platform'
    AND l.paid_at IS NULL AND l.refused_at IS NOT NULL;

-- +goose Down
ALTER TABLE shipments DROP COLUMN freight_payer;
