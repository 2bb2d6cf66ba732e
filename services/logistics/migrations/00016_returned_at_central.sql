-- +goose NO TRANSACTION
-- +goose Up

-- A consolidated parcel its onward carrier could not deliver is returned to
-- the sender of that booking: the central warehouse. The buyer's sub-order
-- is cancelled and refunded as for any returned parcel, but nothing books
-- the goods from the warehouse back to their supplier: they are counted
-- for an operator (failing steps, returned_at_central) until one settles
-- them with the supplier and records it in central_return_settled_at. A
-- nullable column without a default: no table rewrite. IF NOT EXISTS: this
-- file runs outside a transaction, and a run stopped during the index
-- build runs again from here.
ALTER TABLE shipments ADD COLUMN IF NOT EXISTS central_return_settled_at timestamptz;

-- The returns waiting at the central warehouse, read by the failing-steps
-- probe at every scrape. Built without blocking the table's writes
-- (ADR 0004): a build that failed half-way leaves an invalid index, dropped
-- when the migration runs again.
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS shipments_returned_at_central;
CREATE INDEX CONCURRENTLY shipments_returned_at_central ON shipments (last_event_at)
    WHERE status = 'returned' AND stage = 2 AND central_return_settled_at IS NULL;
RESET lock_timeout;

-- +goose Down
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS shipments_returned_at_central;
RESET lock_timeout;
ALTER TABLE shipments DROP COLUMN IF EXISTS central_return_settled_at;
