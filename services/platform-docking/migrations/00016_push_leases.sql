-- +goose Up

-- A product's push is leased to the replica that took its turn: another
-- replica does not push the same product at the same time (an older stock
-- level it read arriving at the partner after a newer one), even when the
-- product is queued again meanwhile. A lease ends when the push is done or
-- deferred, or at leased_until should its replica stop.
ALTER TABLE push_queue ADD COLUMN leased_until timestamptz;

-- +goose Down
ALTER TABLE push_queue DROP COLUMN leased_until;
