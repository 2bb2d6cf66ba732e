-- +goose NO TRANSACTION
-- +goose Up

-- Provider events are remembered for PROVIDER_EVENT_RETENTION (90 days), then
-- purged oldest first: by age, without reading the whole table each time.
-- Built without blocking webhook deliveries; a build that failed half-way
-- leaves an invalid index, dropped when the migration runs again. A
-- concurrent build waits for every older transaction of the database, longer
-- than the migrations' lock timeout allows, and causes no queue behind it.
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS provider_events_by_age;
CREATE INDEX CONCURRENTLY provider_events_by_age ON provider_events (received_at);
RESET lock_timeout;

-- +goose Down
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS provider_events_by_age;
RESET lock_timeout;
