-- +goose Up

-- A merchant's orders, listed for every member of the merchant.
CREATE INDEX orders_merchant ON orders (merchant_org_id, placed_at DESC, id DESC) WHERE merchant_org_id IS NOT NULL;

-- +goose Down
DROP INDEX orders_merchant;
