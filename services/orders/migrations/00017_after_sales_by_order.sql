-- +goose Up

-- A merchant's requests are those of its orders, and an operator filters by
-- order: both read the requests by order id, which no index held, so each
-- page read every request there is.
CREATE INDEX after_sales_order ON after_sales (order_id, created_at DESC, id DESC);

-- +goose Down
DROP INDEX after_sales_order;
