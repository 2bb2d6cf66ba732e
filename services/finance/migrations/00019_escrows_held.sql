-- +goose NO TRANSACTION
-- +goose Up

-- The escrows still held: the sub-orders in flight, a few among every
-- escrow there was. The recovery reads them every minute for settlements
-- the ledger committed but the record does not say (the process stopped
-- between the two, or the call's deadline passed while its command
-- committed): without it, that escrow refused the sub-order's later
-- refunds for good. Built without blocking the table's writes (ADR 0004):
-- a build that failed half-way leaves an invalid index, dropped when the
-- migration runs again; the build waits for every older transaction, past
-- the migrations' lock timeout.
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS escrows_held;
CREATE INDEX CONCURRENTLY escrows_held ON escrows (sub_order_id) WHERE state = 'held';
RESET lock_timeout;

-- +goose Down
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS escrows_held;
RESET lock_timeout;
