-- +goose NO TRANSACTION
-- +goose Up

-- A supplier's sub-orders in one status (those to ship, say) were read
-- through the supplier's index of every paid sub-order, newest first,
-- filtered one by one: a supplier with years of completed sub-orders and a
-- few to ship read them all for one page. By status too, the page reads
-- what it shows. Built without blocking the table's writes (ADR 0004): a
-- build that failed half-way leaves an invalid index, dropped when the
-- migration runs again, and the build waits for every older transaction,
-- past the migrations' lock timeout.
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS sub_orders_supplier_status;
CREATE INDEX CONCURRENTLY sub_orders_supplier_status ON sub_orders (supplier_id, status, paid_at DESC, id DESC) WHERE paid_at IS NOT NULL;
RESET lock_timeout;

-- +goose Down
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS sub_orders_supplier_status;
RESET lock_timeout;
