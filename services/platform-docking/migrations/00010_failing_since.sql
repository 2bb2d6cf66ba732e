-- +goose Up

-- When a waybill's confirmation or a supply order first failed (an error
-- kept for the next attempt, or held for an operator), so operators see how
-- long one has been failing (crossdock.steps.failing.oldest.age): a
-- supply order is tracked for days while healthy, so neither its age nor
-- its attempts tell. Cleared when it succeeds or an operator requeues it.
-- Rows failing now are counted from this migration.
ALTER TABLE waybills ADD COLUMN failing_since timestamptz;
UPDATE waybills SET failing_since = now() WHERE confirmed_at IS NULL AND (held OR last_error <> '');
CREATE INDEX waybills_failing ON waybills (failing_since) WHERE failing_since IS NOT NULL;

ALTER TABLE supply_orders ADD COLUMN failing_since timestamptz;
UPDATE supply_orders SET failing_since = now() WHERE state = 'held' OR (state IN ('queued', 'placed') AND problem <> '');
CREATE INDEX supply_orders_failing ON supply_orders (failing_since) WHERE failing_since IS NOT NULL;

-- +goose Down
DROP INDEX supply_orders_failing;
ALTER TABLE supply_orders DROP COLUMN failing_since;
DROP INDEX waybills_failing;
ALTER TABLE waybills DROP COLUMN failing_since;
