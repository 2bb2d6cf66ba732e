-- +goose Up

-- An approved request whose goods are never sent back expires
-- ORDERS_RETURN_SEND_BY (14 days by default) after its approval: the step
-- is scheduled as a request is approved. Requests approved before this
-- version have none; they are given one 14 days after they last changed
-- (their approval, or the booking of their return parcel), and no sooner
-- than in an hour, spread over it.
INSERT INTO saga_tasks (kind, subject, order_id, due_at, created_at)
SELECT 'expire_return', id, order_id,
       greatest(updated_at + interval '14 days', now() + random() * interval '1 hour'), now()
FROM after_sales WHERE status = 'approved'
ON CONFLICT (kind, subject) DO NOTHING;

-- +goose Down
-- The older version knows neither the step nor the status it leads to.
DELETE FROM saga_tasks WHERE kind = 'expire_return';
