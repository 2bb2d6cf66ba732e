-- +goose NO TRANSACTION
-- +goose Up

-- A timed ERP count adds the on-hand moves its stock had since it was
-- counted (at most a day ago). By (sku, warehouse, id) alone that read went
-- through the stock's whole history, under the stock rows' locks that every
-- reservation of those SKUs waits for; by time it reads the day at most.
-- Built without blocking the journal's writes; a build that failed half-way
-- leaves an invalid index, dropped when the migration runs again.
-- A concurrent build waits for every older transaction of the database,
-- longer than the migrations' lock timeout allows (that bound guards
-- against a table's queries queueing behind a migration, which this build
-- does not cause): it waits as long as they take.
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS stock_journal_by_stock_at;
CREATE INDEX CONCURRENTLY stock_journal_by_stock_at ON stock_journal (sku_id, warehouse_id, at);
RESET lock_timeout;

-- +goose Down
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS stock_journal_by_stock_at;
RESET lock_timeout;
