-- +goose Up

-- After-sale parcels' freight is the platform's: a return parcel's legs are
-- paid from its freight expense (by their shipment's kind, no column
-- needed), and so are an exchange's replacement's, which orders now books
-- with the platform as payer. Replacements booked before this are
-- recognised by their "sub-order", which is the exchange's request id, the
-- return id of the original's parcel back; the legs finance refused for
-- want of an escrow are offered to it again, now from the platform.
UPDATE shipments o SET freight_payer = 'platform'
 WHERE o.kind = 'outbound' AND o.freight_payer = 'escrow'
   AND EXISTS (SELECT 1 FROM shipments r WHERE r.kind = 'return' AND r.return_id = o.sub_order_id::text);
UPDATE freight_legs l SET refused_at = NULL, refusal = ''
  FROM shipments s WHERE s.shipment_id = l.shipment_id AND (s.freight_payer = 'platform' OR s.kind = 'return')
   AND l.paid_at IS NULL AND l.refused_at IS NOT NULL;

-- +goose Down
SELECT 1;
