-- +goose Up

-- The reconciliation steps (check_top_up, check_delivery) and the hold
-- taken again at shipping (hold_stock) are scheduled as a sub-order enters
-- its state. Sub-orders already there when this version starts have none,
-- and a lost event would leave them there for ever: they are scheduled
-- here, spread over an hour (an hour and a day for the deliveries, the
-- many parcels in flight) so the first sweep does not call finance,
-- logistics and inventory all at once.
INSERT INTO saga_tasks (kind, subject, order_id, due_at, created_at)
SELECT 'check_top_up', id, order_id, now() + random() * interval '1 hour', now()
FROM sub_orders WHERE status = 'awaiting_top_up'
ON CONFLICT (kind, subject) DO NOTHING;

INSERT INTO saga_tasks (kind, subject, order_id, due_at, created_at)
SELECT 'check_delivery', id, order_id, now() + interval '1 hour' + random() * interval '1 day', now()
FROM sub_orders WHERE status = 'shipped' AND shipment_id IS NOT NULL
ON CONFLICT (kind, subject) DO NOTHING;

-- A parcel booked but not yet picked up may outlive the hold taken at
-- payment; holding a reservation the pick-up committed changes nothing.
INSERT INTO saga_tasks (kind, subject, order_id, due_at, created_at)
SELECT 'hold_stock', id, order_id, now() + random() * interval '1 hour', now()
FROM sub_orders WHERE status = 'shipped' AND shipment_id IS NOT NULL
ON CONFLICT (kind, subject) DO NOTHING;

-- +goose Down
-- The hold_stock steps the older version runs as well.
DELETE FROM saga_tasks WHERE kind IN ('check_top_up', 'check_delivery');
