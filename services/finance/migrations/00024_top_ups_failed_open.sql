-- +goose NO TRANSACTION
-- +goose Up

-- The top-up checks read the failed top-ups whose intent is still open,
-- oldest first; the closed ones, nearly all of them in time, stay out of
-- the index. Built without blocking top-ups, as 00020 explains; the index
-- of every failed top-up it replaces goes after it.
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS top_ups_failed_open;
CREATE INDEX CONCURRENTLY top_ups_failed_open ON top_ups (created_at) WHERE state = 'failed' AND NOT intent_closed;
DROP INDEX CONCURRENTLY IF EXISTS top_ups_failed;
RESET lock_timeout;

-- +goose Down
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS top_ups_failed;
CREATE INDEX CONCURRENTLY top_ups_failed ON top_ups (created_at) WHERE state = 'failed';
DROP INDEX CONCURRENTLY IF EXISTS top_ups_failed_open;
RESET lock_timeout;
