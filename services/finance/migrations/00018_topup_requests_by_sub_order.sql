-- +goose NO TRANSACTION
-- +goose Up

-- A refund's claim sums its sub-order's paid top-up requests under the
-- escrow row's lock; only the open requests were indexed by sub-order, so
-- it read every request there is. Built without blocking the table's
-- writes; a build that failed half-way leaves an invalid index, dropped when
-- the migration runs again.
DROP INDEX CONCURRENTLY IF EXISTS topup_requests_by_sub_order;
CREATE INDEX CONCURRENTLY topup_requests_by_sub_order ON topup_requests (sub_order_id);

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS topup_requests_by_sub_order;
