-- +goose NO TRANSACTION
-- +goose Up

-- A timed ERP count adds the on-hand moves its stock had since it was
-- counted, under the stock rows' locks that every reservation of those SKUs
-- waits for. By (sku, warehouse, at) that read also went through the day's
-- reservations, releases and expiries, which move no goods on hand
-- (on_hand_delta 0) and are most of a busy SKU's journal, each a heap
-- fetch: a sync of busy SKUs held their rows, and the checkouts waiting for
-- them, for as long. This index holds only the moves of goods on hand, with
-- what the read needs, so it reads those alone.
-- Built without blocking the journal's writes (see 00003 for the lock
-- timeout); a build that failed half-way leaves an invalid index, dropped
-- when the migration runs again.
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS stock_journal_on_hand_moves;
CREATE INDEX CONCURRENTLY stock_journal_on_hand_moves ON stock_journal (sku_id, warehouse_id, at)
    INCLUDE (on_hand_delta, kind, goods_left_at) WHERE on_hand_delta <> 0;
RESET lock_timeout;

-- +goose Down
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS stock_journal_on_hand_moves;
RESET lock_timeout;
