-- +goose NO TRANSACTION
-- +goose Up

-- superseded_at: a token a sibling's exchange made spent. A token presented
-- again within REFRESH_REUSE_GRACE of its exchange is exchanged again, so a
-- family may hold two live tokens for a moment (two tabs refreshing at
-- once, or a thief racing the client). The first of them exchanged after
-- that supersedes the others, so presenting one later is a reuse that ends
-- the session: without it, a copy exchanged within the grace went on as a
-- branch of its own that reuse detection never saw. A nullable column
-- without a default: no table rewrite.
-- IF NOT EXISTS: this file runs outside a transaction, and a run stopped
-- during the index build below runs again from here.
ALTER TABLE refresh_tokens ADD COLUMN IF NOT EXISTS superseded_at timestamptz;
-- used_by: the client (its address) that exchanged the token: only that
-- client's second exchange within the grace is a tab of it; another's is a
-- reuse, as without the grace.
ALTER TABLE refresh_tokens ADD COLUMN IF NOT EXISTS used_by text;

-- A family's live tokens (one, or a few for a moment), found at every
-- exchange among the hundreds a session is given. Built without blocking
-- the table's writes (ADR 0004): a build that failed half-way leaves an
-- invalid index, dropped when the migration runs again; the build waits
-- for every older transaction, past the migrations' lock timeout.
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_live_by_family;
CREATE INDEX CONCURRENTLY refresh_tokens_live_by_family ON refresh_tokens (family_id)
    WHERE used_at IS NULL AND revoked_at IS NULL AND superseded_at IS NULL;
RESET lock_timeout;

-- +goose Down
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_live_by_family;
RESET lock_timeout;
ALTER TABLE refresh_tokens DROP COLUMN IF EXISTS superseded_at, DROP COLUMN IF EXISTS used_by;
