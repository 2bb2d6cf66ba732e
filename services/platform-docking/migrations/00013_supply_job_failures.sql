-- +goose Up

-- Which of a supply platform's periodic jobs (listing approved products,
-- the catalogue import, the stock sync) is failing, since its first
-- failure, for operators (crossdock.steps.failing.oldest.age):
-- supply_state keeps only the last error of any job. A job's row goes
-- when it succeeds.
CREATE TABLE supply_job_failures (
    platform_id   uuid NOT NULL REFERENCES supply_platforms,
    job           text NOT NULL,
    failing_since timestamptz NOT NULL,
    PRIMARY KEY (platform_id, job)
);

-- +goose Down
DROP TABLE supply_job_failures;
