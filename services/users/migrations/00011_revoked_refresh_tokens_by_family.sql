-- +goose NO TRANSACTION
-- +goose Up

-- A refresh checks whether its session (family) was revoked. By family
-- alone that read every token the session was ever given (one per refresh,
-- each kept until it expires), so a session refreshed often cost more at
-- every refresh; the revoked tokens alone answer it. Built without blocking
-- the table's writes; a build that failed half-way leaves an invalid index,
-- dropped when the migration runs again.
-- A concurrent build waits for every older transaction of the database,
-- longer than the migrations' lock timeout allows (that bound guards
-- against a table's queries queueing behind a migration, which this build
-- does not cause): it waits as long as they take.
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_revoked_by_family;
CREATE INDEX CONCURRENTLY refresh_tokens_revoked_by_family ON refresh_tokens (family_id) WHERE revoked_at IS NOT NULL;
RESET lock_timeout;

-- +goose Down
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_revoked_by_family;
RESET lock_timeout;
