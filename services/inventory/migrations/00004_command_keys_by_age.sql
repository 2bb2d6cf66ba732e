-- +goose NO TRANSACTION
-- +goose Up

-- Idempotency keys are kept for a while (COMMAND_KEY_RETENTION, 30 days), then
-- purged oldest first: by age, without reading the whole table each time.
-- Built without blocking the commands that claim keys; a build that failed
-- half-way leaves an invalid index, dropped when the migration runs again. A
-- concurrent build waits for every older transaction of the database, longer
-- than the migrations' lock timeout allows, and causes no queue behind it.
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS command_keys_by_age;
CREATE INDEX CONCURRENTLY command_keys_by_age ON command_keys (created_at);
RESET lock_timeout;

-- +goose Down
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS command_keys_by_age;
RESET lock_timeout;
