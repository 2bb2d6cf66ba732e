-- +goose Up

-- A sub-order's cancellation may reach the sales figures before its payment
-- (two relays, two consumers, a replay): it is then remembered as a sub-order
-- cancelled and never counted (paid_at NULL), so the payment that follows
-- counts nothing. Before, the cancellation found nothing to take back and the
-- payment then counted the sale for good.
ALTER TABLE sales_sub_orders ALTER COLUMN paid_at DROP NOT NULL;

-- +goose Down
DELETE FROM sales_sub_orders WHERE paid_at IS NULL;
ALTER TABLE sales_sub_orders ALTER COLUMN paid_at SET NOT NULL;
