-- +goose Up

-- A paid sub-order never shipped is cancelled when its stock hold ends;
-- the step checking that is scheduled as the hold is taken. Sub-orders paid
-- before this version have none: they are given one at the end of the
-- hold taken at their payment (ORDERS_FULFILMENT_HOLD, 30 days by default,
-- and the check's 10 minutes of grace), no sooner than within the hour.
INSERT INTO saga_tasks (kind, subject, order_id, due_at, created_at)
SELECT 'hold_lapsed', id, order_id,
       greatest(paid_at + interval '30 days 10 minutes', now() + random() * interval '1 hour'), now()
FROM sub_orders WHERE status IN ('paid', 'accepted') AND paid_at IS NOT NULL
ON CONFLICT (kind, subject) DO NOTHING;

-- +goose Down
DELETE FROM saga_tasks WHERE kind = 'hold_lapsed';
