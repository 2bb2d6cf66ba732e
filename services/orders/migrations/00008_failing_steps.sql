-- +goose Up

-- When a saga step first failed, so operators see how long one has been
-- failing (crossdock.steps.failing.oldest.age): a step may be scheduled
-- days ahead, so its age tells nothing, and its attempts count the waits
-- of a step that is only waiting (a settlement for its freight legs) too.
-- Cleared when the step only waits or is scheduled anew.
ALTER TABLE saga_tasks ADD COLUMN failing_since timestamptz;
CREATE INDEX saga_tasks_failing ON saga_tasks (kind, failing_since) WHERE failing_since IS NOT NULL;

-- +goose Down
DROP INDEX saga_tasks_failing;
ALTER TABLE saga_tasks DROP COLUMN failing_since;
