-- +goose Up

-- A product whose push was deferred (a partner failing, or left alone after
-- a rate limit, after the others had it) waits behind the products with a
-- fresh change: a partner down for an hour deferred every queued product
-- every 30 seconds, and, due first, those turns took every round's batch
-- while the healthy partners' fresh stock changes waited behind them.
-- Queued again for a change of its own, a product is fresh again. A
-- constant default: no table rewrite.
ALTER TABLE push_queue ADD COLUMN deferred boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE push_queue DROP COLUMN deferred;
