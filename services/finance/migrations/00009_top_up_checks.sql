-- +goose Up

-- A card payment whose webhook never reached us (finance or the gateway down
-- for longer than the provider retries) is asked about: checked_at is when
-- the provider was last asked about a pending top-up.
ALTER TABLE top_ups ADD COLUMN checked_at timestamptz;
CREATE INDEX top_ups_pending ON top_ups (created_at) WHERE state = 'pending';

-- +goose Down
DROP INDEX top_ups_pending;
ALTER TABLE top_ups DROP COLUMN checked_at;
