-- +goose Up

-- Which of a partner's periodic jobs is failing (its listings' status, its
-- order pull, its settlement and payout pull)
-- and since its first failure, for operators
-- (crossdock.steps.failing.oldest.age): pull_state keeps only the partner's
-- last error, whichever job wrote it, and no job's success clears another's.
-- A job's row goes when it succeeds.
CREATE TABLE partner_job_failures (
    partner_id    uuid NOT NULL REFERENCES partners,
    job           text NOT NULL,
    failing_since timestamptz NOT NULL,
    PRIMARY KEY (partner_id, job)
);

-- When a queued product's push, or a requested pull, first failed; the row
-- goes when it succeeds. Those deferred before this migration are counted
-- from their next failure.
ALTER TABLE push_queue ADD COLUMN failing_since timestamptz;
ALTER TABLE pull_requests ADD COLUMN failing_since timestamptz;

-- +goose Down
ALTER TABLE pull_requests DROP COLUMN failing_since;
ALTER TABLE push_queue DROP COLUMN failing_since;
DROP TABLE partner_job_failures;
