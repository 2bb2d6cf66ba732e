-- +goose Up
-- retry_at: an event JetStream refused is not claimed again before it, so
-- a row that keeps failing (too large, a subject no stream takes) neither
-- comes first in every batch nor fails the events committed after it.
ALTER TABLE outbox ADD COLUMN retry_at timestamptz;

-- +goose Down
ALTER TABLE outbox DROP COLUMN retry_at;
