-- +goose Up

-- The share of its sub-order's coupon discount each line carries: the
-- coupon's discount spread over the lines it covered, so a return refunds
-- a line's goods less its own share, not a share of a discount that other
-- lines earned. Zero for lines the coupon did not cover, and for orders
-- placed before this version (their returns share the sub-order's discount
-- over all its goods, as before).
ALTER TABLE sub_order_lines ADD COLUMN discount_minor bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0);

-- +goose Down
ALTER TABLE sub_order_lines DROP COLUMN discount_minor;
