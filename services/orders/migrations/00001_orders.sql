-- +goose Up

-- A buyer's cart: one row per buyer (locked while a line changes, so two
-- changes at once never lose one) and its lines.
CREATE TABLE carts (
    buyer_id    text PRIMARY KEY,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE cart_lines (
    buyer_id  text NOT NULL REFERENCES carts ON DELETE CASCADE,
    sku_id    uuid NOT NULL,
    quantity  int NOT NULL CHECK (quantity BETWEEN 1 AND 9999),
    added_at  timestamptz NOT NULL,
    PRIMARY KEY (buyer_id, sku_id)
);

-- +goose Down
DROP TABLE cart_lines;
DROP TABLE carts;
