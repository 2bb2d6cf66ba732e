-- +goose NO TRANSACTION
-- +goose Up

-- Rows a job asks about again and again take turns. A partner's pending
-- listings were read a hundred at a time, oldest first, and only a verdict
-- moved one out of the way: a hundred the partner kept pending (or never
-- named in its answer) were asked about every round, and no other
-- listing's verdict was ever read. Likewise a supply platform's imported
-- products waiting for approval: a hundred left in review, rejected or
-- deleted held up every product approved after them, never put on sale.
-- Each row asked about now records when (status_asked_at,
-- approval_checked_at), and the reads take the rows asked about longest
-- ago (never first). Nullable columns without a default: no table rewrite.
-- IF NOT EXISTS: this file runs outside a transaction, and a run stopped
-- during an index build runs again from here.
ALTER TABLE listings ADD COLUMN IF NOT EXISTS status_asked_at timestamptz;
ALTER TABLE supply_products ADD COLUMN IF NOT EXISTS approval_checked_at timestamptz;

-- The reads' order, from the index. Built without blocking the tables'
-- writes (ADR 0004): a build that failed half-way leaves an invalid index,
-- dropped when the migration runs again.
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS listings_pending_turns;
CREATE INDEX CONCURRENTLY listings_pending_turns ON listings (partner_id, status_asked_at NULLS FIRST, updated_at)
    WHERE status = 'pending';
DROP INDEX CONCURRENTLY IF EXISTS supply_products_submitted_turns;
CREATE INDEX CONCURRENTLY supply_products_submitted_turns ON supply_products (platform_id, approval_checked_at NULLS FIRST, updated_at)
    WHERE state = 'submitted';
RESET lock_timeout;

-- +goose Down
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS supply_products_submitted_turns;
DROP INDEX CONCURRENTLY IF EXISTS listings_pending_turns;
RESET lock_timeout;
ALTER TABLE supply_products DROP COLUMN IF EXISTS approval_checked_at;
ALTER TABLE listings DROP COLUMN IF EXISTS status_asked_at;
