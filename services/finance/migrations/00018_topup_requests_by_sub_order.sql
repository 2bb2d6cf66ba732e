-- +goose NO TRANSACTION
-- +goose Up

-- A refund's claim sums its sub-order's paid top-up requests under the
-- escrow row's lock; only the open requests were indexed by sub-order, so
-- it read every request there is. Built without blocking the table's
-- writes; a build that failed half-way leaves an invalid index, dropped when
-- the migration runs again. A concurrent build waits for every older
-- transaction of the database, longer than the migrations' lock timeout
-- (which guards against queueing a table's queries, as this build does
-- not): it waits as long as they take.
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS topup_requests_by_sub_order;
CREATE INDEX CONCURRENTLY topup_requests_by_sub_order ON topup_requests (sub_order_id);
RESET lock_timeout;

-- +goose Down
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS topup_requests_by_sub_order;
RESET lock_timeout;
