-- +goose Up

-- The lines a partner sold below the price we listed them at, found when
-- the order was imported: [{"sku_id", "currency", "sold_minor",
-- "listed_minor"}]. NULL for none, and for orders imported before this
-- version.
ALTER TABLE partner_orders ADD COLUMN below_listing jsonb;

-- Operators list a partner's orders sold below our prices, newest first.
CREATE INDEX partner_orders_below_listing ON partner_orders (partner_id, first_seen_at DESC) WHERE below_listing IS NOT NULL;

-- +goose Down
DROP INDEX partner_orders_below_listing;
ALTER TABLE partner_orders DROP COLUMN below_listing;
