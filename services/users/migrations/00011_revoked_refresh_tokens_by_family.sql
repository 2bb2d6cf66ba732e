-- +goose NO TRANSACTION
-- +goose Up

-- A refresh checks whether its session (family) was revoked. By family
-- alone that read every token the session was ever given (one per refresh,
-- each kept until it expires), so a session refreshed often cost more at
-- every refresh; the revoked tokens alone answer it. Built without blocking
-- the table's writes; a build that failed half-way leaves an invalid index,
-- dropped when the migration runs again.
DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_revoked_by_family;
CREATE INDEX CONCURRENTLY refresh_tokens_revoked_by_family ON refresh_tokens (family_id) WHERE revoked_at IS NOT NULL;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_revoked_by_family;
