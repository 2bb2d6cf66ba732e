-- +goose NO TRANSACTION
-- +goose Up

-- The purge of expired quotes reads the ones not yet known to be booked,
-- oldest expiry first, and asks the ledger whether a transfer names each:
-- one index for each, neither reading a whole table. Built without
-- blocking payments (ADR 0004): a build that failed half-way leaves an
-- invalid index, dropped when the migration runs again; a concurrent build
-- waits for every older transaction, past the migrations' lock timeout.
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS fx_quotes_unbooked_by_expiry;
CREATE INDEX CONCURRENTLY fx_quotes_unbooked_by_expiry ON fx_quotes (expires_at) WHERE NOT booked;
DROP INDEX CONCURRENTLY IF EXISTS ledger_transfers_quote;
CREATE INDEX CONCURRENTLY ledger_transfers_quote ON ledger_transfers (rate_quote_id) WHERE rate_quote_id IS NOT NULL;
RESET lock_timeout;

-- +goose Down
SET lock_timeout = 0;
DROP INDEX CONCURRENTLY IF EXISTS ledger_transfers_quote;
DROP INDEX CONCURRENTLY IF EXISTS fx_quotes_unbooked_by_expiry;
RESET lock_timeout;
