-- +goose Up

-- A platform product's newer content that the catalogue could not take
-- because its previous revision waits for review (an ImportedProduct as
-- JSON), and since when its changes wait: the import job gives it to the
-- catalogue once the review ends. Without it, one product under review
-- stopped the whole import of its platform.
ALTER TABLE supply_products ADD COLUMN deferred jsonb;
ALTER TABLE supply_products ADD COLUMN deferred_since timestamptz;
ALTER TABLE supply_products ADD CONSTRAINT supply_products_deferred_since
    CHECK ((deferred IS NULL) = (deferred_since IS NULL));
CREATE INDEX supply_products_deferred ON supply_products (platform_id, updated_at) WHERE deferred IS NOT NULL;

-- +goose Down
DROP INDEX supply_products_deferred;
ALTER TABLE supply_products DROP CONSTRAINT supply_products_deferred_since;
ALTER TABLE supply_products DROP COLUMN deferred_since;
ALTER TABLE supply_products DROP COLUMN deferred;
