-- +goose NO TRANSACTION
-- +goose Up

-- Which supply product, of any platform, a catalogue product was imported
-- as: an import whose SKU code the catalogue already holds adopts the
-- product holding it only when no other supply product is recorded with it
-- (before, a platform moving a SKU code to a new product overwrote the
-- product imported under that code). Built without blocking the table's
-- writes (ADR 0004): a build that failed half-way leaves an invalid index,
-- dropped when the migration runs again.
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS supply_products_product;
CREATE INDEX CONCURRENTLY supply_products_product ON supply_products (product_id) WHERE product_id IS NOT NULL;
RESET lock_timeout;

-- +goose Down
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS supply_products_product;
RESET lock_timeout;
