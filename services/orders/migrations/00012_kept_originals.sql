-- +goose Up

-- An exchange whose replacement shipped while its original never left the
-- buyer has its return parcel cancelled ORDERS_RETURN_SEND_BY after its
-- approval, by the expire_return step. Before this version that step did
-- nothing for such an exchange; those whose step already ran are given it
-- again 14 days after they last changed, no sooner than in an hour, spread
-- over it.
INSERT INTO saga_tasks (kind, subject, order_id, due_at, created_at)
SELECT 'expire_return', id, order_id,
       greatest(updated_at + interval '14 days', now() + random() * interval '1 hour'), now()
FROM after_sales
WHERE kind = 'exchange' AND status IN ('replacement_shipped', 'exchanged') AND NOT received AND return_shipment_id IS NOT NULL
ON CONFLICT (kind, subject) DO NOTHING;

-- +goose Down
SELECT 1;
