-- +goose Up

-- When a sub-order's settlement began: from then on its amounts are fixed,
-- and a return received after is refunded once it completes (clawed back
-- from the supplier), not out of the escrow being settled. Nullable with
-- no default, the column is added without rewriting the table.
ALTER TABLE sub_orders ADD COLUMN settling_at timestamptz;

-- +goose Down
ALTER TABLE sub_orders DROP COLUMN settling_at;
