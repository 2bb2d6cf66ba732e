-- +goose Up

-- The legs finance refused for good wait for an operator; the failing-steps
-- gauges count them at every scrape, through this index rather than the
-- whole table of legs.
CREATE INDEX freight_legs_refused ON freight_legs (refused_at) WHERE refused_at IS NOT NULL AND paid_at IS NULL;

-- +goose Down
DROP INDEX freight_legs_refused;
