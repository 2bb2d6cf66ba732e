-- +goose Up

-- An exchange whose replacement the carrier takes back to the supplier
-- becomes a return of its lines; one whose buyer kept the original (its
-- return parcel cancelled, or brought back to the buyer) closes instead.
-- Exchanges noted that way before this column read as not kept: should
-- their replacement come back, they wait for the original ORDERS_RETURN_SEND_BY
-- and then expire.
ALTER TABLE after_sales ADD COLUMN original_kept boolean NOT NULL DEFAULT false;

-- A replacement shipped is looked up at logistics daily until it is
-- delivered or back with its supplier, in case the event saying so is lost;
-- those shipped before this version get their first look within the hour
-- (one returned before it was dropped unseen).
INSERT INTO saga_tasks (kind, subject, order_id, due_at, created_at)
SELECT 'check_replacement', id, order_id, now() + random() * interval '1 hour', now()
FROM after_sales
WHERE kind = 'exchange' AND status = 'replacement_shipped'
ON CONFLICT (kind, subject) DO NOTHING;

-- +goose Down
DELETE FROM saga_tasks WHERE kind = 'check_replacement';
ALTER TABLE after_sales DROP COLUMN original_kept;
